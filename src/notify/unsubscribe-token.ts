/**
 * One-click unsubscribe tokens (RFC 8058): `<base64url JSON>.<base64url HMAC-SHA256>` naming the
 * tenant, the user and the type (`*`: every type) whose email to switch off. Signed with the
 * notifier's unsubscribe secret, so a token cannot be forged or moved to another user.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/errors.ts';

export interface UnsubscribeScope {
  tenantId: string;
  userId: string;
  /** A notification type, or `*` for every type (a digest). */
  type: string;
}

const mac = (secret: string, data: string): Buffer => createHmac('sha256', secret).update(data).digest();

export function signUnsubscribeToken(secret: string, scope: UnsubscribeScope): string {
  const data = Buffer.from(JSON.stringify({ t: scope.tenantId, u: scope.userId, y: scope.type })).toString(
    'base64url',
  );
  return `${data}.${mac(secret, data).toString('base64url')}`;
}

/** The scope of a valid token; a ValidationError (field `token`) for anything else. */
export function verifyUnsubscribeToken(secret: string, token: unknown): UnsubscribeScope {
  const invalid = () =>
    new ValidationError('token', 'is not a valid unsubscribe token; use the link from the email as sent');
  if (typeof token !== 'string' || token.length > 2_048) throw invalid();
  const [data, signature, extra] = token.split('.');
  if (!data || !signature || extra !== undefined) throw invalid();
  const expected = mac(secret, data);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  try {
    const parsed = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof parsed.t !== 'string' || typeof parsed.u !== 'string' || typeof parsed.y !== 'string') {
      throw invalid();
    }
    return { tenantId: parsed.t, userId: parsed.u, type: parsed.y };
  } catch {
    throw invalid();
  }
}
