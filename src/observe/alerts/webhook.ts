/**
 * Alert delivery to webhooks. The body is JSON; `x-conveyor-timestamp` carries Unix seconds and
 * `x-conveyor-signature` is `sha256=` + hex HMAC-SHA256, keyed by the webhook's shared secret, of
 * `${timestamp}.${rawBody}`: the receiver recomputes it over the raw bytes it received, compares in
 * constant time, and rejects old timestamps (replays). `verifyWebhookSignature` does all three.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { postWebhook } from '../../notify/webhook-sender.ts';

export const SIGNATURE_HEADER = 'x-conveyor-signature';
export const TIMESTAMP_HEADER = 'x-conveyor-timestamp';

export interface WebhookTarget {
  url: string;
  /** Shared secret for the signature; required (an unsigned alert could be forged). */
  secret: string;
  /** Extra headers (e.g. an Authorization the receiver wants). */
  headers?: Record<string, string>;
}

export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/**
 * Checks a received webhook: the signature matches and the timestamp is within `toleranceSeconds`
 * (default 300) of `now`.
 */
export function verifyWebhookSignature(params: {
  secret: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  toleranceSeconds?: number;
  now?: Date;
}): boolean {
  const { secret, rawBody, signature, timestamp } = params;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  const nowSeconds = Math.floor((params.now ?? new Date()).getTime() / 1_000);
  if (Math.abs(nowSeconds - Number(timestamp)) > (params.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), rawBody));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * POSTs `payload` signed; retries twice on network errors and 5xx. Resolves to the final HTTP status
 * or throws. Each attempt goes through the notifications' webhook sender (notify/webhook-sender.ts),
 * so alerts and notification webhooks share one HTTP path (timeouts, no redirects followed).
 */
export async function deliverWebhook(
  target: WebhookTarget,
  payload: unknown,
  options: { timeoutMs?: number; now?: () => Date } = {},
): Promise<number> {
  const body = JSON.stringify(payload);
  let lastError: unknown = null;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250 * 4 ** (attempt - 1)));
    const timestamp = Math.floor((options.now?.() ?? new Date()).getTime() / 1_000);
    const result = await postWebhook({
      url: target.url,
      body,
      headers: {
        ...target.headers,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(target.secret, timestamp, body),
      },
      timeoutMs: options.timeoutMs ?? 5_000,
      userAgent: 'conveyor-alerts',
    });
    if (result.status !== null && result.status < 500) return result.status;
    lastError = new Error(`alert webhook ${result.error ?? 'failed'}`);
  }
  throw lastError;
}
