/**
 * Dropped connections: while a worker drains a steady stream of jobs enqueued by another Conveyor
 * instance, every server connection to the test database is terminated (pool, LISTEN client,
 * handler pool, producer), twice. The worker must reconnect and finish every job; afterwards a
 * new enqueue from the other instance must be picked up at once through the re-established LISTEN
 * (the worker's poll interval is 30 s, so only a NOTIFY can explain a prompt pickup).
 */

import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type Conveyor, defineJob, type EnqueuedJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { ADMIN_URL, sql } from '../support/database.ts';

const db = useConveyorDatabase();
const databaseName = (): string => new URL(db.url).pathname.slice(1);

const TOTAL = 1_500;
const PRODUCERS = 5;
const DROP_AT = [300, 900];

function recordingJob(pool: pg.Pool) {
  return defineJob<{ n: number }>({
    name: 'reconnect-record',
    queue: 'reconnect',
    // A handler whose own connection is cut fails; it is retried soon.
    defaults: { attempts: 10, backoff: { type: 'fixed', delay: 50 } },
    handler: async ({ job }) => {
      await pool.query('INSERT INTO ran (job_id, pid) VALUES ($1, $2)', [job.id, process.pid]);
    },
  });
}

/** The backend pid of the worker's LISTEN connection, or null. */
async function listenPid(database: string): Promise<number | null> {
  const rows = await sql<{ pid: number }>(
    ADMIN_URL,
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %' AND state = 'idle'",
    [database],
  );
  return rows[0]?.pid ?? null;
}

/** Polls (bounded) until the LISTEN connection is back on a new backend; returns its pid. */
async function listenBack(database: string, previous: number): Promise<{ pid: number; afterMs: number }> {
  const started = Date.now();
  for (let i = 0; i < 200; i += 1) {
    const pid = await listenPid(database);
    if (pid !== null && pid !== previous) return { pid, afterMs: Date.now() - started };
    await delay(25);
  }
  throw new Error('the LISTEN connection was not re-established within 5 s');
}

/** Terminates every connection to the database (from the admin database); returns their pids. */
async function dropConnections(database: string): Promise<number[]> {
  const rows = await sql<{ pid: number }>(
    ADMIN_URL,
    // Pick the pids first: in a plain WHERE the planner may call pg_terminate_backend on any row.
    `WITH target AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid())
     SELECT pid FROM target WHERE pg_terminate_backend(pid)`,
    [database],
  );
  return rows.map((r) => r.pid);
}

/** Enqueues with a unique key and retries on error: an enqueue cut off mid-commit returns the same job. */
async function enqueueWithRetry(
  producer: Conveyor,
  job: ReturnType<typeof recordingJob>,
  n: number,
): Promise<{ job: EnqueuedJob; retries: number }> {
  for (let retries = 0; ; retries += 1) {
    try {
      return {
        job: await producer.enqueue(job, { n }, { uniqueKey: `item-${n}`, uniqueFor: '1h' }),
        retries,
      };
    } catch (error) {
      if (retries >= 20) throw error;
      await delay(20);
    }
  }
}

describe('reconnect', () => {
  it('survives dropped connections mid-stream: finishes every job and LISTENs again', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    // Terminated idle connections surface here; the pool replaces them.
    pool.on('error', () => {});
    try {
      const job = recordingJob(pool);
      const consumer = db.open({
        jobs: [job],
        poolSize: 4,
        lease: '1s',
        retention: { completed: { count: 1_000_000 } },
      });
      const producer = db.open({ jobs: [job], poolSize: 4 });
      await consumer.migrate();
      await sql(db.url, 'CREATE TABLE ran (job_id bigint NOT NULL, pid integer NOT NULL)');

      const completed = new Set<string>();
      const completionWaiters: (() => void)[] = [];
      consumer.on('job:completed', ({ job: info }) => {
        completed.add(info.id);
        for (const wake of completionWaiters.splice(0)) wake();
      });
      const untilCompleted = async (check: () => boolean): Promise<void> => {
        while (!check()) await new Promise<void>((resolve) => completionWaiters.push(resolve));
      };

      const worker = consumer.worker({ concurrency: 10, pollInterval: '30s', handleSignals: false });
      await worker.start();
      const firstListenPid = await listenPid(databaseName());
      expect(firstListenPid).not.toBeNull();

      // A steady stream from another instance (no local fast path: the worker learns of it by NOTIFY).
      let enqueueRetries = 0;
      const enqueued: string[] = [];
      const next = { n: 0 };
      const producing = Promise.all(
        Array.from({ length: PRODUCERS }, async () => {
          for (let n = next.n++; n < TOTAL; n = next.n++) {
            const result = await enqueueWithRetry(producer, job, n);
            enqueueRetries += result.retries;
            enqueued.push(result.job.id);
          }
        }),
      );

      // Drop everything twice, mid-stream; each time the LISTEN connection must come back.
      let listen = firstListenPid!;
      const drops: { at: number; terminated: number; listenBackMs: number }[] = [];
      for (const at of DROP_AT) {
        await untilCompleted(() => completed.size >= at);
        const terminated = await dropConnections(databaseName());
        expect(terminated).toContain(listen);
        const back = await listenBack(databaseName(), listen);
        listen = back.pid;
        drops.push({ at: completed.size, terminated: terminated.length, listenBackMs: back.afterMs });
      }
      await producing;
      expect(new Set(enqueued).size).toBe(TOTAL);
      await untilCompleted(() => enqueued.every((id) => completed.has(id)));

      // A new enqueue from the other instance is picked up at once (NOTIFY, not the 30 s poll).
      const startedAt = Date.now();
      const late = await enqueueWithRetry(producer, job, TOTAL);
      await untilCompleted(() => completed.has(late.job.id));
      const pickupMs = Date.now() - startedAt;
      await worker.stop();

      // Nothing lost: every job has exactly one completed run and nothing is left in jobs.
      const all = [...enqueued, late.job.id];
      const runs = await sql<{ id: string; completed: number; failed: number; stalled: number }>(
        db.url,
        `SELECT job_id::text AS id, count(*) FILTER (WHERE status = 'completed')::int AS completed,
                count(*) FILTER (WHERE status = 'failed')::int AS failed,
                count(*) FILTER (WHERE status = 'stalled')::int AS stalled
         FROM conveyor.job_runs GROUP BY job_id`,
      );
      const byId = new Map(runs.map((r) => [r.id, r]));
      expect(all.filter((id) => byId.get(id)?.completed !== 1)).toEqual([]);
      expect(await sql(db.url, 'SELECT id, state FROM conveyor.jobs')).toEqual([]);
      const ran = await sql<{ id: string; n: number }>(
        db.url,
        'SELECT job_id::text AS id, count(*)::int AS n FROM ran GROUP BY job_id',
      );
      expect(ran).toHaveLength(all.length);
      const duplicates = ran.filter((r) => r.n > 1);
      const failedAttempts = runs.reduce((sum, r) => sum + r.failed, 0);
      const stalledAttempts = runs.reduce((sum, r) => sum + r.stalled, 0);

      expect(pickupMs).toBeLessThan(1_000);
      console.info(
        `[reconnect] ${all.length} jobs; drops ${JSON.stringify(drops)}; enqueue retries ${enqueueRetries}; ` +
          `failed attempts ${failedAttempts}; stalled ${stalledAttempts}; duplicates (ran twice): ${duplicates.length}; ` +
          `pickup after the drops ${pickupMs} ms`,
      );
    } finally {
      await pool.end();
    }
  }, 50_000);
});
