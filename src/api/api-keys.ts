/**
 * API keys: `cvk_<id>_<secret>`, with a 16-hex-digit id that finds the stored row and a 64-hex-digit
 * secret (32 random bytes). Only sha256(secret) is stored: the secret is high-entropy, so a slow
 * password hash would add nothing. A presented key is checked with crypto.timingSafeEqual over the
 * two digests, and a key id that does not exist is compared against a fixed digest all the same,
 * so the time taken does not tell whether an id exists. The full key is shown once, at creation.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/errors.ts';
import type { ApiKeyRow, ApiRole, Store } from '../store/store.ts';
import { isApiRole, type Principal } from './principal.ts';

const KEY_FORMAT = /^cvk_([0-9a-f]{16})_([0-9a-f]{64})$/;
const UNKNOWN_KEY_DIGEST = createHash('sha256').update('conveyor:no-such-key').digest();
const TENANT_ID = /^[\x21-\x7e]{1,200}$/;

const digest = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** Whether a bearer token has the shape of an API key (else it may be a JWT). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('cvk_');
}

export interface CreatedApiKey extends ApiKeyRow {
  /** The full key: shown once, never stored. */
  key: string;
}

export interface ApiKeyRequest {
  name: string;
  role: ApiRole;
  tenantId?: string | null;
}

export function checkApiKeyRequest(request: ApiKeyRequest): void {
  if (typeof request.name !== 'string' || request.name.trim() === '' || request.name.length > 200) {
    throw new ValidationError('name', 'give the key a name of 1 to 200 characters (who or what uses it)');
  }
  if (!isApiRole(request.role)) {
    throw new ValidationError('role', 'must be viewer, operator or admin');
  }
  const tenant = request.tenantId ?? null;
  if (tenant !== null && (typeof tenant !== 'string' || !TENANT_ID.test(tenant))) {
    throw new ValidationError(
      'tenant',
      'must be a tenant id of 1 to 200 printable characters without spaces',
    );
  }
}

/** Creates and stores a key; the returned `key` is the only copy of its secret. */
export async function createApiKey(store: Store, request: ApiKeyRequest, now: Date): Promise<CreatedApiKey> {
  checkApiKeyRequest(request);
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('hex');
  const row = await store.apiKeyInsert({
    id,
    name: request.name.trim(),
    secretHash: digest(secret),
    role: request.role,
    tenantId: request.tenantId ?? null,
    now,
  });
  return { ...row, key: `cvk_${id}_${secret}` };
}

/** The principal of a valid, unrevoked API key; null for anything else. */
export async function verifyApiKey(store: Store, token: string): Promise<Principal | null> {
  const match = KEY_FORMAT.exec(token);
  if (!match) return null;
  const [, id, secret] = match as unknown as [string, string, string];
  const row = await store.apiKeyGet({ id });
  const expected = row?.secretHash.length === 32 ? row.secretHash : UNKNOWN_KEY_DIGEST;
  const equal = timingSafeEqual(digest(secret), expected);
  if (!row || !equal || row.revokedAt !== null) return null;
  return { id: `key:${row.id}`, role: row.role, tenantId: row.tenantId };
}
