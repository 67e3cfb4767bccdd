/**
 * Who is calling: a principal has an id (the API key's id, or the JWT's subject), a role and
 * optionally one tenant, which becomes the scope of every store call it makes.
 *
 * Roles are ordered: a `viewer` reads; an `operator` also retries, cancels, promotes, replays,
 * pauses and triggers; an `admin` also manages API keys, limits, deletes and reads the audit log.
 */
import { ALL_TENANTS, type Scope, tenantScope } from '../core/scope.ts';
import type { ApiRole } from '../store/api-store.ts';

export type { ApiRole } from '../store/api-store.ts';

export const API_ROLES: readonly ApiRole[] = ['viewer', 'operator', 'admin'];

export interface Principal {
  /** `key:<id>`, `jwt:<subject>`, or `anonymous` when auth is disabled. */
  id: string;
  role: ApiRole;
  /** null: every tenant. */
  tenantId: string | null;
}

/**
 * Verifies a bearer token that is not an API key (a JWT, with the realtime gateway's verifier):
 * resolves the claims it carries, or null when the token is not valid (bad signature, expired…).
 * It must not throw for a bad token; a throw is treated as a refusal.
 */
export type TokenVerifier = (
  token: string,
) => Promise<{ userId: string; tenantId: string | null; role: ApiRole } | null>;

export function roleAllows(role: ApiRole, required: ApiRole): boolean {
  return API_ROLES.indexOf(role) >= API_ROLES.indexOf(required);
}

export function scopeOf(principal: Principal): Scope {
  return principal.tenantId === null ? ALL_TENANTS : tenantScope(principal.tenantId);
}

export function isApiRole(value: unknown): value is ApiRole {
  return typeof value === 'string' && (API_ROLES as readonly string[]).includes(value);
}
