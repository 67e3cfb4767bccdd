/**
 * Graceful shutdown of a worker process on SIGTERM (handleSignals: true):
 *  - jobs claimed but not started (the prefetch buffer) go back to ready at once, their attempt not
 *    counted, while running handlers finish and complete; the process exits 0 and a new worker
 *    completes the rest, each job exactly once;
 *  - past the shutdown deadline, a running handler's signal aborts and its job goes back to ready
 *    (attempt not counted), to complete later elsewhere.
 * The child's lease is 30 s and no other worker runs meanwhile, so no rescuer can explain a return.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Conveyor } from '../../src/index.ts';
import { GATED_QUEUE, gatedJob } from '../fixtures/gated-job.ts';
import { exitWithin, killFixtures, spawnFixture } from '../fixtures/spawn-fixture.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
afterAll(killFixtures);

interface JobRow {
  id: string;
  state: string;
  attempt: number;
  lease_owner: string | null;
  started_at: Date | null;
  errors: unknown[];
}

interface RunRow {
  id: string;
  status: string;
  attempt: number;
  worker_id: string;
}

const jobRows = (ids: string[]): Promise<JobRow[]> =>
  sql<JobRow>(
    db.url,
    'SELECT id::text AS id, state, attempt, lease_owner, started_at, errors FROM conveyor.jobs j WHERE j.id = ANY($1::bigint[]) ORDER BY j.id',
    [ids],
  );
const runRows = (ids: string[]): Promise<RunRow[]> =>
  sql<RunRow>(
    db.url,
    'SELECT job_id::text AS id, status, attempt, worker_id FROM conveyor.job_runs r WHERE r.job_id = ANY($1::bigint[]) ORDER BY r.job_id, r.id',
    [ids],
  );

/** The conveyor of the test process: enqueues, and later runs what the child gave back (fast handler). */
function openLocal(): { conveyor: Conveyor; job: ReturnType<typeof gatedJob> } {
  const job = gatedJob(async () => {});
  return {
    conveyor: db.open({
      jobs: [job],
      poolSize: 4,
      lease: '1s',
      retention: { completed: { count: 1_000_000 } },
    }),
    job,
  };
}

/** Runs a local worker until every id has completed here. */
async function completeHere(conveyor: Conveyor, ids: string[]): Promise<void> {
  const pending = new Set(ids);
  const done = new Promise<void>((resolve) => {
    const off = conveyor.on('job:completed', ({ job }) => {
      pending.delete(job.id);
      if (pending.size === 0) {
        off();
        resolve();
      }
    });
  });
  const worker = conveyor.worker({ queues: [GATED_QUEUE], concurrency: 10, handleSignals: false });
  await worker.start();
  await done;
  await worker.stop();
}

describe('shutdown', () => {
  it('on SIGTERM returns buffered jobs at once, lets running ones finish, exits 0; nothing lost', async () => {
    const { conveyor, job } = openLocal();
    await conveyor.migrate();
    const ids = (
      await conveyor.enqueueMany(
        job,
        Array.from({ length: 20 }, (_, n) => ({ payload: { n } })),
      )
    ).map((e) => e.id);

    const child = spawnFixture('shutdown-worker', {
      DATABASE_URL: db.url,
      CONCURRENCY: '4',
      PREFETCH: '4',
      LEASE: '30s',
      MIN_MS: '300',
    });
    const workerId = String((await child.waitFor('started')).workerId);
    // Four handlers running (held at the gate), four more claimed into the buffer.
    const runningIds: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const message = await child.waitFor('running', (m) => !runningIds.includes(String(m.jobId)));
      runningIds.push(String(message.jobId));
    }
    const held = await sql<{ id: string }>(
      db.url,
      "SELECT id::text AS id FROM conveyor.jobs WHERE state = 'active' AND lease_owner = $1",
      [workerId],
    );
    const bufferedIds = held.map((r) => r.id).filter((id) => !runningIds.includes(id));
    expect(held).toHaveLength(8);
    expect(bufferedIds).toHaveLength(4);

    const signalledAt = Date.now();
    child.child.kill('SIGTERM');
    // The buffer comes back while the running handlers are still held at the gate.
    let returnedAfterMs = -1;
    for (let i = 0; i < 250 && returnedAfterMs < 0; i += 1) {
      const rows = await jobRows(bufferedIds);
      if (rows.every((r) => r.state === 'ready')) returnedAfterMs = Date.now() - signalledAt;
      else await delay(20);
    }
    expect(returnedAfterMs, 'buffered jobs returned to ready').toBeGreaterThanOrEqual(0);
    expect(returnedAfterMs).toBeLessThan(1_000);
    expect((await jobRows(runningIds)).map((r) => [r.state, r.lease_owner])).toEqual(
      runningIds.map(() => ['active', workerId]),
    );
    for (const row of await jobRows(bufferedIds)) {
      expect(row).toMatchObject({
        state: 'ready',
        attempt: 0,
        lease_owner: null,
        started_at: null,
        errors: [],
      });
    }

    child.send({ type: 'open-gate' });
    const exit = await exitWithin(child, 10_000);
    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });
    expect((await child.waitFor('closed')).stoppedBySignal).toBe(true);
    expect(
      child.messages
        .filter((m) => m.type === 'running')
        .map((m) => String(m.jobId))
        .sort(),
    ).toEqual([...runningIds].sort());
    expect(child.messages.filter((m) => m.type === 'aborted')).toEqual([]);

    // Running jobs completed (first attempt); nothing active; the worker's lease row is gone.
    expect(await runRows(ids)).toEqual(
      [...runningIds]
        .sort((a, b) => Number(a) - Number(b))
        .map((id) => ({ id, status: 'completed', attempt: 1, worker_id: workerId })),
    );
    const rest = ids.filter((id) => !runningIds.includes(id));
    expect((await jobRows(rest)).map((r) => [r.state, r.attempt])).toEqual(rest.map(() => ['ready', 0]));
    expect(await sql(db.url, "SELECT id FROM conveyor.jobs WHERE state <> 'ready'")).toEqual([]);
    expect(await sql(db.url, 'SELECT id FROM conveyor.workers')).toEqual([]);

    // A new worker completes the rest, each job once, on its first attempt.
    await completeHere(conveyor, rest);
    const runs = await runRows(ids);
    expect(runs.filter((r) => r.status !== 'completed')).toEqual([]);
    expect(runs.map((r) => r.id)).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
    expect(runs.every((r) => r.attempt === 1)).toBe(true);
    expect(await sql(db.url, 'SELECT id FROM conveyor.jobs')).toEqual([]);
    console.info(`[shutdown] buffered jobs back to ready ${returnedAfterMs} ms after SIGTERM (lease 30 s)`);
  }, 40_000);

  it('past the shutdown deadline aborts the handler and releases its job without counting the attempt', async () => {
    const { conveyor, job } = openLocal();
    await conveyor.migrate();
    const ids = (await conveyor.enqueueMany(job, [{ payload: { n: 1 } }, { payload: { n: 2 } }])).map(
      (e) => e.id,
    );

    // Handlers that would take a minute; a 300 ms deadline.
    const child = spawnFixture('shutdown-worker', {
      DATABASE_URL: db.url,
      CONCURRENCY: '2',
      PREFETCH: '0',
      LEASE: '30s',
      MIN_MS: '60000',
      SHUTDOWN_TIMEOUT: '300ms',
    });
    const workerId = String((await child.waitFor('started')).workerId);
    await child.waitFor('running', (m) => m.jobId === ids[0]);
    await child.waitFor('running', (m) => m.jobId === ids[1]);

    const signalledAt = Date.now();
    child.child.kill('SIGTERM');
    const aborted = await Promise.all(ids.map((id) => child.waitFor('aborted', (m) => m.jobId === id)));
    const abortedAfterMs = Date.now() - signalledAt;
    const exit = await exitWithin(child, 10_000);
    const exitedAfterMs = Date.now() - signalledAt;
    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });
    expect((await child.waitFor('closed')).stoppedBySignal).toBe(true);
    expect(aborted.every((m) => String(m.reason).includes('WorkerShutdownError'))).toBe(true);
    // The deadline was waited for, and not much longer.
    expect(abortedAfterMs).toBeGreaterThanOrEqual(250);
    expect(exitedAfterMs).toBeLessThan(5_000);

    // Released: ready, attempt not counted, no error and no run row; the worker row is gone.
    for (const row of await jobRows(ids)) {
      expect(row).toMatchObject({ state: 'ready', attempt: 0, lease_owner: null, errors: [] });
    }
    expect(await runRows(ids)).toEqual([]);
    expect(await sql(db.url, 'SELECT id FROM conveyor.workers WHERE id = $1', [workerId])).toEqual([]);

    await completeHere(conveyor, ids);
    expect((await runRows(ids)).map((r) => [r.status, r.attempt])).toEqual([
      ['completed', 1],
      ['completed', 1],
    ]);
    console.info(
      `[shutdown] deadline 300 ms: handlers aborted ${abortedAfterMs} ms and process exited ${exitedAfterMs} ms after SIGTERM`,
    );
  }, 30_000);
});
