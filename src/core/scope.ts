/**
 * Tenancy for operator surfaces (the REST API): a `Scope` says whose data a caller may see and
 * touch — one tenant's, or every tenant's.
 *
 * Invariant: the scope is enforced in ONE place, the store. Every store method the API calls takes
 * a scope as a parameter, and its SQL applies it (`$1::text IS NULL OR tenant_id = $1`) next to
 * the caller's own filters, so no route can forget it: a job, run, schedule, bulk action or audit
 * entry of another tenant reads as absent (404), never as forbidden. Jobs without a tenant belong
 * to no tenant, so a tenant-scoped caller never sees them.
 */

export type Scope = { readonly kind: 'all' } | { readonly kind: 'tenant'; readonly tenantId: string };

export const ALL_TENANTS: Scope = Object.freeze({ kind: 'all' });

export function tenantScope(tenantId: string): Scope {
  return Object.freeze({ kind: 'tenant', tenantId });
}

/** The SQL value of a scope: the tenant id, or null for every tenant. */
export function scopeTenant(scope: Scope): string | null {
  return scope.kind === 'tenant' ? scope.tenantId : null;
}

/** Whether a row of `tenantId` is inside `scope`. */
export function inScope(scope: Scope, tenantId: string | null): boolean {
  return scope.kind === 'all' || tenantId === scope.tenantId;
}
