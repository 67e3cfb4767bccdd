/**
 * The statement and migration bounds on a live server (defect 6): a statement stuck behind a lock
 * is cancelled by PostgreSQL at `statementTimeout`; migrations are exempt from that bound and have
 * their own (`migrationTimeout`), since a migration may legitimately wait or run for long. Nothing
 * here stops a server, so it runs on the shared one (its own database). The bounds are options,
 * validated with errors that name them.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConveyor, defineJob, ValidationError } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();
const job = defineJob({ name: 'bounded', handler: async () => null });
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
});

/** Holds a lock in an admin transaction until `release()`. */
async function holding(lockSql: string, values: unknown[]): Promise<{ release(): Promise<void> }> {
  await admin.query('BEGIN');
  await admin.query(lockSql, values);
  return {
    release: async () => {
      await admin.query('ROLLBACK');
    },
  };
}

/**
 * Resolves once another session has waited on a lock for longer than `ms` (bounded poll: the
 * database cannot signal it). The admin is inside its transaction, where pg_stat_activity is a
 * snapshot taken once, hence the clear before each look.
 */
async function waitingLongerThan(ms: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await admin.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
         AND wait_event_type = 'Lock' AND clock_timestamp() - query_start > make_interval(secs => $1::float8 / 1000)`,
      [ms],
    );
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no session waited on a lock for ${ms} ms`);
}

/**
 * Marks one function definition out of date, so the next migrate() has work to do: a current
 * schema is seen with one read and never takes the migration lock.
 */
async function staleFunction(): Promise<void> {
  await admin.query("UPDATE conveyor.functions SET checksum = 'stale' WHERE name = 'claim_jobs'");
}

describe('statement and migration bounds', () => {
  it('cancels a statement that waits past statementTimeout, with PostgreSQL’s own error', async () => {
    const conveyor = db.open({ jobs: [job], statementTimeout: '300ms' });
    const { id } = await conveyor.enqueue(job, {}, { delay: '1h' });
    const lock = await holding('SELECT id FROM conveyor.jobs WHERE id = $1 FOR UPDATE', [id]);
    try {
      await expect(conveyor.cancel(id)).rejects.toMatchObject({
        code: 'DATABASE_TRANSIENT',
        reason: '57014',
      });
    } finally {
      await lock.release();
    }
    // The connection is fine afterwards: the same statement goes through.
    expect(await conveyor.cancel(id)).toBe(true);
  });

  it('lets a migration wait past statementTimeout, up to migrationTimeout', async () => {
    const conveyor = db.open({ jobs: [job], statementTimeout: '200ms', migrationTimeout: '1m' });
    await conveyor.migrate();
    await staleFunction();
    const lock = await holding("SELECT pg_advisory_xact_lock(hashtext('conveyor:migrate:conveyor'))", []);
    const migrating = conveyor.migrate();
    migrating.catch(() => {}); // awaited below; not unhandled if the wait check fails first
    try {
      await waitingLongerThan(600);
    } finally {
      await lock.release();
    }
    await expect(migrating).resolves.toEqual([]);
  });

  it('sees a current schema with one read: migrate() then takes no lock (a cold start pays no wait)', async () => {
    const conveyor = db.open({ jobs: [job], migrationTimeout: '300ms' });
    await conveyor.migrate();
    const lock = await holding("SELECT pg_advisory_xact_lock(hashtext('conveyor:migrate:conveyor'))", []);
    try {
      await expect(conveyor.migrate()).resolves.toEqual([]);
    } finally {
      await lock.release();
    }
  });

  it('cancels a migration that waits past migrationTimeout', async () => {
    const conveyor = db.open({ jobs: [job], migrationTimeout: '300ms' });
    await conveyor.migrate();
    await staleFunction();
    const lock = await holding("SELECT pg_advisory_xact_lock(hashtext('conveyor:migrate:conveyor'))", []);
    try {
      await expect(conveyor.migrate()).rejects.toMatchObject({ code: 'DATABASE_TRANSIENT', reason: '57014' });
    } finally {
      await lock.release();
    }
  });

  it('validates every bound and names the option', () => {
    const make = (extra: Record<string, unknown>) => () =>
      createConveyor({ jobs: [job], databaseUrl: db.url, ...extra });
    for (const [option, value] of [
      ['connectTimeout', 0],
      ['statementTimeout', '0s'],
      ['closeTimeout', -5],
      ['connectTimeout', 'soon'],
      ['statementTimeout', '30d'],
      ['migrationTimeout', true],
      ['statementTimeout', false],
    ] as const) {
      expect(make({ [option]: value }), `${option}: ${String(value)}`).toThrow(ValidationError);
      expect(make({ [option]: value })).toThrow(new RegExp(`^${option}: `));
    }
    expect(make({ metrics: { databaseTimeoutMs: 0 } })).toThrow(/^metrics\.databaseTimeoutMs: /);
    // No bound on migrations is a deliberate choice, so it is allowed, and only there.
    expect(() => db.open({ jobs: [job], migrationTimeout: false })).not.toThrow();
  });
});
