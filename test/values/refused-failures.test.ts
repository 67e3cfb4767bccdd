/**
 * Issue 12, defect 2 (second depth): a failed attempt whose error the database refuses is written
 * again once with a minimal error (ERROR_REJECTED); if even that is refused, the outcome is logged
 * at error level and the job left active for the lease and the rescuer; the worker lives on either
 * way. No value of ours reaches the database unstorable (attemptErrorFrom sanitizes), so the store
 * here is the real PostgreSQL store with one fault injected in front of it: a U+0000 appended to
 * the error of chosen jobs, which PostgreSQL then really refuses.
 */
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/core/job-definition.ts';
import { LifecycleEmitter } from '../../src/events/lifecycle-events.ts';
import { createPgDriver } from '../../src/store/postgres/pg-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { FailedItem, Store } from '../../src/store/store.ts';
import { Worker } from '../../src/worker/worker.ts';
import { createTestDatabase, sql, type TestDatabase } from '../support/database.ts';
import { newJob } from '../support/new-job.ts';
import { testLogger } from '../support/silent-logger.ts';
import { captureLogs } from './log-capture.ts';

let database: TestDatabase;
let real: Store;
beforeAll(async () => {
  database = await createTestDatabase();
  real = createPostgresStore(
    createPgDriver({ connectionString: database.url, logger: testLogger }),
    'refused',
  );
  await real.migrate();
});
afterAll(async () => {
  await real?.close();
  await database?.drop();
});

/** The real store, but the failure errors of `poisoned` jobs get a U+0000 (all of them, or only originals). */
function injecting(poisoned: Set<string>, evenMinimal: boolean): Store {
  const poison = (item: FailedItem): FailedItem =>
    poisoned.has(item.id) && (evenMinimal || item.error.code !== 'ERROR_REJECTED')
      ? { ...item, error: { ...item.error, message: `${item.error.message}\u0000` } }
      : item;
  return {
    ...real,
    jobFailMany: (params) => real.jobFailMany({ ...params, items: params.items.map(poison) }),
  };
}

function startWorker(store: Store, log: Logger) {
  const fails = defineJob<unknown>({
    name: 'fails',
    queue: 'refused',
    handler: () => {
      throw new Error('boom');
    },
  });
  const ok = defineJob<unknown>({ name: 'ok', queue: 'refused', handler: () => 'fine' });
  const events = new LifecycleEmitter(log);
  const worker = new Worker(
    {
      queues: ['refused'],
      concurrency: 10,
      prefetch: 10,
      pollIntervalMs: 50,
      shutdownTimeoutMs: 500,
      handleSignals: false,
    },
    {
      store,
      definitions: new Map([
        ['fails', fails],
        ['ok', ok],
      ]),
      events,
      log,
      now: () => new Date(),
      leaseMs: 10_000,
      progress: async () => {},
      enqueue: async () => ({ id: null, created: false }),
      recordsCompleted: () => true,
      retryScheduled: () => {},
      onStopped: () => {},
    },
  );
  return { worker, events };
}

async function enqueue(name: string, count: number): Promise<string[]> {
  const jobs = Array.from({ length: count }, () => newJob({ queue: 'refused', name, maxAttempts: 1 }));
  return (await real.jobInsertMany({ jobs, now: new Date() })).map((job) => job.id);
}

function settled(events: LifecycleEmitter, ids: string[]): Promise<void> {
  const left = new Set(ids);
  return new Promise((resolve) => {
    const done = (id: string) => {
      left.delete(id);
      if (left.size === 0) resolve();
    };
    events.on('job:dead', ({ job }) => done(job.id));
    events.on('job:completed', ({ job }) => done(job.id));
  });
}

describe('a failure the database refuses', () => {
  it('is written again once with a minimal ERROR_REJECTED error; the others are unaffected', async () => {
    const failing = await enqueue('fails', 3);
    const fine = await enqueue('ok', 5);
    const { worker, events } = startWorker(injecting(new Set(failing.slice(0, 2)), false), captureLogs().log);
    const done = settled(events, [...failing, ...fine]);
    await worker.start();
    await done;
    await worker.stop();
    const errors = await sql<{ id: string; errors: { code?: string; message: string }[] }>(
      database.url,
      'SELECT id::text AS id, errors FROM refused.jobs WHERE id = ANY($1::bigint[]) ORDER BY id',
      [failing],
    );
    expect(errors.map((row) => row.errors.map((e) => e.code ?? e.message))).toEqual([
      ['ERROR_REJECTED'],
      ['ERROR_REJECTED'],
      ['boom'],
    ]);
    expect(errors[0]?.errors[0]?.message).toBe(
      "the database refused to store this attempt's error, so it is not kept (SQLSTATE 22P05: unsupported Unicode escape sequence)",
    );
  });

  it('is left to the lease when even the minimal error is refused; the worker lives and stops', async () => {
    const [stuck] = await enqueue('fails', 1);
    const logs = captureLogs();
    const { worker, events } = startWorker(injecting(new Set([stuck!]), true), logs.log);
    const refused = logs.next(/refused even the minimal error/);
    await worker.start();
    const line = await refused;
    const fine = await enqueue('ok', 5);
    const done = settled(events, fine);
    worker.wake('refused');
    await done;
    expect(worker.state).toBe('running');
    await worker.stop();
    const [row] = await sql<{ state: string }>(database.url, 'SELECT state FROM refused.jobs WHERE id = $1', [
      stuck,
    ]);
    expect(row?.state).toBe('active');
    // Its worker is gone: the rescuer returns it, charging the attempt (the handler did start).
    const rescued = await real.jobRescueExpired({ now: new Date() });
    expect(rescued.map((job) => [job.id, job.state])).toEqual([[stuck, 'dead']]);
    expect(JSON.parse(line).level).toBe(50);
  });
});
