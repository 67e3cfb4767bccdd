/**
 * Signing as the Standard Webhooks spec says (standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
 * `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per secret, so a receiver holding
 * either the old or the new key verifies during a rotation. A secret is `whsec_` + base64 of the
 * key bytes. Tests verify our output with the independent `standardwebhooks` package.
 *
 * Invariant: the body signed is the exact string sent; nothing re-serializes it afterwards.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/errors.ts';

const PREFIX = 'whsec_';

/** A new random secret (24 bytes, as the spec's reference libraries make them). */
export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64');
}

/** The key bytes of a `whsec_…` secret; a ValidationError naming `field` otherwise. */
export function webhookKey(secret: unknown, field = 'secret'): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(PREFIX)) {
    throw new ValidationError(
      field,
      'must be a Standard Webhooks secret "whsec_<base64>" (generateWebhookSecret())',
    );
  }
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  if (key.length < 16 || key.length > 64) {
    throw new ValidationError(field, 'must carry 16 to 64 bytes of key after "whsec_"');
  }
  return key;
}

export interface SignedWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers for `body`, signed with every secret (newest first). */
export function signWebhook(params: {
  id: string;
  timestamp: Date;
  body: string;
  secrets: readonly string[];
}): SignedWebhookHeaders {
  if (params.secrets.length === 0) throw new ValidationError('secrets', 'at least one secret is required');
  const seconds = String(Math.floor(params.timestamp.getTime() / 1_000));
  const content = `${params.id}.${seconds}.${params.body}`;
  const signatures = params.secrets.map(
    (secret, i) =>
      `v1,${createHmac('sha256', webhookKey(secret, `secrets[${i}]`))
        .update(content)
        .digest('base64')}`,
  );
  return { 'webhook-id': params.id, 'webhook-timestamp': seconds, 'webhook-signature': signatures.join(' ') };
}

/** Checks received headers against any of `secrets` and a timestamp within `toleranceSeconds` (300). */
export function verifyStandardWebhook(params: {
  headers: Record<string, string | undefined>;
  body: string;
  secrets: readonly string[];
  now?: Date;
  toleranceSeconds?: number;
}): boolean {
  const id = params.headers['webhook-id'];
  const timestamp = params.headers['webhook-timestamp'];
  const signature = params.headers['webhook-signature'];
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const now = Math.floor((params.now ?? new Date()).getTime() / 1_000);
  if (Math.abs(now - Number(timestamp)) > (params.toleranceSeconds ?? 300)) return false;
  const content = `${id}.${timestamp}.${params.body}`;
  const given = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  return params.secrets.some((secret) => {
    const expected = createHmac('sha256', webhookKey(secret)).update(content).digest();
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });
}
