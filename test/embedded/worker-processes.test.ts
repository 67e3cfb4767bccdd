/**
 * Worker processes sharing one embedded folder (issue 12, defect 5: two `conveyor worker`s on one
 * folder ran every job twice). Runs are counted in a ledger on the PostgreSQL server (a row per
 * run, written by the handler), so they are exact even for a process that is SIGKILLed.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Conveyor, createConveyor } from '../../src/index.ts';
import { folderEndpoint } from '../../src/store/pglite/folder-endpoint.ts';
import { embeddedFolderHolder } from '../../src/store/pglite/folder-lock.ts';
import { ledgerJob, RUNS_TABLE_SQL } from '../fixtures/ledger-job.ts';
import { killFixtures, spawnFixture } from '../fixtures/spawn-fixture.ts';
import { createTestDatabase, sql, type TestDatabase } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { useFolders } from './folders.ts';

const folders = useFolders();
let ledger: TestDatabase;
let ledgerPool: pg.Pool;
/** The fixture's job, as registered here to enqueue it (this process never runs it). */
let recording: ReturnType<typeof ledgerJob>;
beforeAll(async () => {
  ledger = await createTestDatabase();
  await sql(ledger.url, RUNS_TABLE_SQL);
  ledgerPool = new pg.Pool({ connectionString: ledger.url, max: 2 });
  recording = ledgerJob(ledgerPool);
});
afterAll(async () => {
  await killFixtures();
  await ledgerPool?.end();
  await ledger?.drop();
});
beforeEach(async () => {
  await sql(ledger.url, 'TRUNCATE runs');
});

const job = () => recording;

async function startWorker(dir: string, env: Record<string, string> = {}) {
  const worker = spawnFixture('folder-worker', { DATA_DIR: dir, LEDGER_URL: ledger.url, ...env });
  const started = await worker.waitFor('started', undefined, 60_000);
  return { worker, holds: started.holder === true };
}

async function stopWorker(worker: ReturnType<typeof spawnFixture>): Promise<void> {
  worker.send({ type: 'stop' });
  await worker.waitFor('stopped', undefined, 30_000);
  await worker.exited;
}

/** A Conveyor in this process on the folder (it holds the folder only if nobody else does). */
function openHere(dir: string): Conveyor {
  return createConveyor({ jobs: [job()], dataDir: dir, logger: testLogger, poolSize: 2 });
}

async function ledgerCounts(): Promise<{ runs: number; jobs: number }> {
  const [row] = await sql<{ runs: number; jobs: number }>(
    ledger.url,
    'SELECT count(*)::int AS runs, count(DISTINCT job_id)::int AS jobs FROM runs',
  );
  return row!;
}

/** Attempts that ran more than once among those claimed at or after `since` (there must be none). */
function attemptsRunTwice(since = new Date(0)): Promise<unknown[]> {
  return sql(
    ledger.url,
    `SELECT job_id::text, attempt, array_agg(pid) AS pids, array_agg(claimed_at) AS claimed
     FROM runs WHERE claimed_at >= $1 GROUP BY job_id, attempt HAVING count(*) > 1`,
    [since],
  );
}

/** Waits until `jobs` distinct jobs have run (or the deadline passes; the caller asserts). */
async function untilRan(jobs: number, timeoutMs = 45_000): Promise<{ runs: number; jobs: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await ledgerCounts();
    if (counts.jobs >= jobs || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('worker processes sharing one embedded folder', { timeout: 120_000 }, () => {
  it('two workers on one folder run each of 500 jobs once, and one carries on when the other stops', async () => {
    const dir = await folders.fresh();
    const first = await startWorker(dir);
    const second = await startWorker(dir);
    expect([first.holds, second.holds]).toEqual([true, false]);

    const enqueuer = openHere(dir);
    const payloads = Array.from({ length: 500 }, (_, n) => ({ payload: { n } }));
    await enqueuer.enqueueMany(job(), payloads);
    await enqueuer.close();

    expect(await untilRan(500)).toEqual({ runs: 500, jobs: 500 });

    // The holder stops cleanly; the other worker carries on with the folder (held by it, or by
    // the next process to open it) and runs what comes next.
    await stopWorker(first.worker);
    const later = openHere(dir);
    await later.enqueueMany(
      job(),
      Array.from({ length: 50 }, (_, n) => ({ payload: { n: 500 + n } })),
    );
    expect(await untilRan(550)).toEqual({ runs: 550, jobs: 550 });
    await stopWorker(second.worker);
    await later.close();
    expect(await ledgerCounts()).toEqual({ runs: 550, jobs: 550 });
    expect(await attemptsRunTwice()).toEqual([]);
  });

  it('wakes a worker in another process at once, either way round, though it polls only hourly', async () => {
    // The worker holds the folder; the job comes from a client.
    const heldByWorker = await folders.fresh();
    const holding = await startWorker(heldByWorker, { POLL_INTERVAL: '1h' });
    expect(holding.holds).toBe(true);
    const client = openHere(heldByWorker);
    const sent = await client.enqueue(job(), { n: 1 });
    await holding.worker.waitFor('ran', (m) => m.id === sent.id);
    await client.close();
    await stopWorker(holding.worker);

    // This process holds the folder; the worker is a client.
    const heldHere = await folders.fresh();
    const holder = openHere(heldHere);
    await holder.ping();
    expect(embeddedFolderHolder(heldHere)).toBe(process.pid);
    const remote = await startWorker(heldHere, { POLL_INTERVAL: '1h' });
    expect(remote.holds).toBe(false);
    const next = await holder.enqueue(job(), { n: 2 });
    await remote.worker.waitFor('ran', (m) => m.id === next.id);
    await stopWorker(remote.worker);
    await holder.close();
  });

  it('survives a SIGKILLed holder: the other worker takes the folder over and every job completes', async () => {
    const dir = await folders.fresh();
    const doomed = await startWorker(dir, { LEASE: '1s' });
    const survivor = await startWorker(dir, { LEASE: '1s' });
    expect([doomed.holds, survivor.holds]).toEqual([true, false]);

    const enqueuer = openHere(dir);
    const ids = (
      await enqueuer.enqueueMany(
        job(),
        Array.from({ length: 300 }, (_, n) => ({ payload: { n } })),
      )
    ).map((j) => j.id);
    await enqueuer.close();
    await doomed.worker.waitFor(
      'ran',
      () => doomed.worker.messages.filter((m) => m.type === 'ran').length >= 50,
    );
    doomed.worker.child.kill('SIGKILL');
    await doomed.worker.exited;
    const killedAt = new Date(); // no claim can land in the killed holder's database after this
    expect(existsSync(folderEndpoint(dir).socketPath)).toBe(true); // left behind by the killed holder

    expect((await untilRan(300)).jobs).toBe(300);
    await stopWorker(survivor.worker);
    // At least once. The holder's death is a database crash: claims commit without waiting for
    // their WAL (job-claim.sql), so the last claims before it can be lost, and those jobs are
    // claimed and run again under the same attempt. Every attempt claimed after it ran once.
    expect(await attemptsRunTwice(killedAt)).toEqual([]);
    // A new process opens the folder: every job is there, completed.
    const after = openHere(dir);
    const states = await Promise.all(ids.map(async (id) => (await after.getJob(id))?.state));
    expect(states.filter((state) => state !== 'completed')).toEqual([]);
    await after.close();
  });

  it('lets a new process take over a folder whose holder was killed, with its data intact', async () => {
    const dir = await folders.fresh();
    const doomed = await startWorker(dir);
    const enqueuer = openHere(dir);
    const queued = await enqueuer.enqueueMany(
      job(),
      Array.from({ length: 50 }, (_, n) => ({ payload: { n }, options: { delay: '1h' } })),
    );
    await enqueuer.close();
    doomed.worker.child.kill('SIGKILL');
    await doomed.worker.exited;
    expect(existsSync(folderEndpoint(dir).socketPath)).toBe(true);

    const successor = openHere(dir);
    const states = await Promise.all(queued.map(async ({ id }) => (await successor.getJob(id))?.state));
    expect(embeddedFolderHolder(dir)).toBe(process.pid);
    expect(states.filter((state) => state !== 'scheduled')).toEqual([]);
    const more = await successor.enqueue(job(), { n: 50 });
    expect(queued.map((j) => j.id)).not.toContain(more.id);
    await successor.close();
  });
});
