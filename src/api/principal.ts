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

/** Who a verified bearer token speaks for (tenantId null: every tenant). */
export interface TokenClaims {
  userId: string;
  tenantId: string | null;
  role: string | null;
}

/**
 * Verifies a bearer token that is not an API key (a JWT): either a function resolving its claims,
 * or null when the token is not valid; or an object with `verify(token)` that resolves the claims
 * or throws (the realtime gateway's JwtVerifier has this shape, so it plugs in as it is). Either
 * way a throw is a refusal (401), and so is a role other than viewer, operator or admin.
 */
export type ApiTokenVerifier =
  | ((token: string) => Promise<TokenClaims | null>)
  | { verify(token: string): Promise<TokenClaims> };

export function roleAllows(role: ApiRole, required: ApiRole): boolean {
  return API_ROLES.indexOf(role) >= API_ROLES.indexOf(required);
}

export function scopeOf(principal: Principal): Scope {
  return principal.tenantId === null ? ALL_TENANTS : tenantScope(principal.tenantId);
}

export function isApiRole(value: unknown): value is ApiRole {
  return typeof value === 'string' && (API_ROLES as readonly string[]).includes(value);
}

/** The user a credential speaks for: a JWT's user id; null for an API key (or disabled auth). */
export function userOf(principal: Principal): string | null {
  return principal.id.startsWith('jwt:') ? principal.id.slice('jwt:'.length) : null;
}
