/**
 * Leora's tenant-scoped job runner (ADR-001, "Standard Job Structure") on Conveyor. A tenant job
 * resolves its tenant (the job's `tenantId`, else `payload.tenantSlug`; an unknown tenant is
 * skipped, not failed), loads that tenant's records, computes each record's update and writes only
 * the ones that change, so a re-run is idempotent. A record that fails is counted and the loop
 * goes on. With `dryRun` (`conveyor.run(name, payload, { dryRun: true })`,
 * `conveyor run --dry-run`) nothing is written and the summary lists what would change.
 */
import type pg from 'pg';
import { z } from 'zod';
import { defineJob, type JobDefaults } from '../../src/index.ts';

export interface TenantJobSummary {
  tenantId: string | null;
  dryRun: boolean;
  /** Records looked at. */
  processed: number;
  /** Records written (or, in a dry run, that would be). */
  updated: number;
  /** Records already up to date. */
  skipped: number;
  errors: number;
  durationMs: number;
  /** The first 100 updates, as `{ id, ...update }` (what a dry run would write). */
  changes: Record<string, unknown>[];
  /** Set when the job did nothing, e.g. an unknown tenant. */
  note?: string;
}

export interface TenantJobSpec<R extends { id: string }, U extends Record<string, unknown>> {
  name: string;
  queue?: string;
  defaults?: JobDefaults;
  /** The tenant's records. */
  load(pool: pg.Pool, tenantId: string): Promise<R[]>;
  /** The update a record needs, or null when it is up to date. */
  compute(record: R): U | null;
  write(pool: pg.Pool, tenantId: string, record: R, update: U): Promise<void>;
}

const MAX_CHANGES = 100;

export const tenantJobPayload = z.object({ tenantSlug: z.string().min(1).optional() });

async function resolveTenant(pool: pg.Pool, tenantId: string | null, slug: string | undefined) {
  if (!tenantId && !slug) return null;
  const { rows } = await pool.query<{ id: string }>(
    tenantId ? 'SELECT id FROM tenants WHERE id = $1' : 'SELECT id FROM tenants WHERE slug = $1',
    [tenantId ?? slug],
  );
  return rows[0]?.id ?? null;
}

export function defineTenantJob<R extends { id: string }, U extends Record<string, unknown>>(
  pool: pg.Pool,
  spec: TenantJobSpec<R, U>,
) {
  return defineJob({
    name: spec.name,
    queue: spec.queue ?? 'leora',
    schema: tenantJobPayload,
    defaults: spec.defaults ?? { attempts: 2, timeout: '50s' },
    async handler({ payload, tenantId: jobTenant, dryRun, signal, log }): Promise<TenantJobSummary> {
      const startedAt = Date.now();
      const summary: TenantJobSummary = {
        tenantId: null,
        dryRun,
        processed: 0,
        updated: 0,
        skipped: 0,
        errors: 0,
        durationMs: 0,
        changes: [],
      };
      const tenantId = await resolveTenant(pool, jobTenant, payload.tenantSlug);
      if (!tenantId) {
        log.warn({ tenantSlug: payload.tenantSlug }, 'tenant not found; skipping');
        return { ...summary, note: 'tenant not found', durationMs: Date.now() - startedAt };
      }
      summary.tenantId = tenantId;
      for (const record of await spec.load(pool, tenantId)) {
        signal.throwIfAborted();
        summary.processed += 1;
        try {
          const update = spec.compute(record);
          if (!update) {
            summary.skipped += 1;
            continue;
          }
          if (!dryRun) await spec.write(pool, tenantId, record, update);
          summary.updated += 1;
          if (summary.changes.length < MAX_CHANGES) summary.changes.push({ id: record.id, ...update });
        } catch (error) {
          summary.errors += 1;
          log.error({ err: error, recordId: record.id }, 'record failed; continuing');
        }
      }
      summary.durationMs = Date.now() - startedAt;
      log.info({ ...summary, changes: summary.changes.length }, `${spec.name} complete`);
      return summary;
    },
  });
}
