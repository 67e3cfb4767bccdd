/**
 * An EventHistory the resume tests control, over a real PostgreSQL table (a stand-in for the
 * outbox, which the bus builds): `append` stores envelopes as the outbox would, `prune` drops a
 * tenant's oldest events as retention would, and hooks let a test act while a read is under way
 * (just before the query, and after it returned but before the gateway sees the result).
 */
import pg from 'pg';
import type { EventEnvelope } from '../../../src/events/event-envelope.ts';
import type { EventHistory } from '../../../src/events/event-fanout.ts';

export class TableHistory implements EventHistory {
  readonly #pool: pg.Pool;
  reads = 0;
  beforeRead: (() => Promise<void>) | null = null;
  afterRead: (() => Promise<void>) | null = null;

  constructor(url: string) {
    this.#pool = new pg.Pool({ connectionString: url, max: 4 });
  }

  async setup(): Promise<void> {
    await this.#pool.query(`
      CREATE TABLE IF NOT EXISTS test_events (
        tenant_id text NOT NULL, sequence bigint NOT NULL, body jsonb NOT NULL,
        PRIMARY KEY (tenant_id, sequence));
      CREATE TABLE IF NOT EXISTS test_events_pruned (tenant_id text PRIMARY KEY, up_to bigint NOT NULL);`);
  }

  async append(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      await this.#pool.query('INSERT INTO test_events (tenant_id, sequence, body) VALUES ($1, $2, $3)', [
        event.tenantId,
        event.sequence,
        JSON.stringify(event),
      ]);
    }
  }

  /** Drops the tenant's events up to `upTo`, remembering that they are gone. */
  async prune(tenantId: string, upTo: number): Promise<void> {
    await this.#pool.query('DELETE FROM test_events WHERE tenant_id = $1 AND sequence <= $2', [
      tenantId,
      upTo,
    ]);
    await this.#pool.query(
      `INSERT INTO test_events_pruned VALUES ($1, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET up_to = GREATEST(test_events_pruned.up_to, EXCLUDED.up_to)`,
      [tenantId, upTo],
    );
  }

  async since(params: { tenantId: string; afterSequence: number; limit: number }): Promise<{
    events: EventEnvelope[];
    complete: boolean;
  }> {
    this.reads += 1;
    await this.beforeRead?.();
    const { rows } = await this.#pool.query<{ body: EventEnvelope }>(
      'SELECT body FROM test_events WHERE tenant_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3',
      [params.tenantId, params.afterSequence, params.limit + 1],
    );
    const pruned = await this.#pool.query<{ up_to: string }>(
      'SELECT up_to FROM test_events_pruned WHERE tenant_id = $1',
      [params.tenantId],
    );
    await this.afterRead?.();
    const prunedUpTo = Number(pruned.rows[0]?.up_to ?? 0);
    return {
      events: rows.slice(0, params.limit).map((row) => row.body),
      complete: rows.length <= params.limit && params.afterSequence >= prunedUpTo,
    };
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
