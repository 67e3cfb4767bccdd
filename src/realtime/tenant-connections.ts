/**
 * Sockets per tenant on this node, for the per-tenant connection cap. Counted when a socket
 * connects and uncounted when it disconnects; a tenant at zero is forgotten (no growth with the
 * number of tenants ever seen).
 */
export class TenantConnections {
  readonly #counts = new Map<string, number>();

  count(tenantId: string): number {
    return this.#counts.get(tenantId) ?? 0;
  }

  /** Counts one more socket; returns the tenant's count after it. */
  add(tenantId: string): number {
    const count = this.count(tenantId) + 1;
    this.#counts.set(tenantId, count);
    return count;
  }

  remove(tenantId: string): void {
    const count = this.count(tenantId) - 1;
    if (count > 0) this.#counts.set(tenantId, count);
    else this.#counts.delete(tenantId);
  }

  /** Tenants with at least one socket here. */
  get tenants(): number {
    return this.#counts.size;
  }
}
