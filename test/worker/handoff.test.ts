/**
 * The in-process handoff (src/worker/handoff.ts): a single enqueue of this process goes straight to
 * an idle local worker inside its insert. Each Conveyor here reads a clock that is later at every
 * reading, so a job the insert handed off has claimedAt equal to createdAt (both are the insert's
 * `now`) while a claimed one has claimedAt after it: that is how these tests tell the two apart.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type Conveyor, defineJob, type RunningJobInfo } from '../../src/index.ts';
import { exitWithin, killFixtures, spawnFixture } from '../fixtures/spawn-fixture.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
afterAll(killFixtures);

function steppingClock(): () => Date {
  let tick = 0;
  return () => new Date(Date.now() + tick++);
}

const handedOff = (info: RunningJobInfo): boolean => info.claimedAt.getTime() === info.createdAt.getTime();

/** A job whose handler records what it was given and returns `{ n }`. */
function recordingJob(name: string, queue: string) {
  const seen: RunningJobInfo[] = [];
  const payloads: unknown[] = [];
  const job = defineJob<{ n: number }>({
    name,
    queue,
    handler: ({ job: info, payload }) => {
      seen.push(info);
      payloads.push(payload);
      return { n: payload.n };
    },
  });
  return { job, seen, payloads };
}

/** The lifecycle events of `conveyor`, as "event:jobId". */
function eventLog(conveyor: Conveyor): string[] {
  const log: string[] = [];
  for (const name of ['job:active', 'job:completed', 'job:failed', 'job:retrying'] as const) {
    conveyor.on(name, (event) => log.push(`${name}:${(event as { job: { id: string } }).job.id}`));
  }
  return log;
}

async function runRow(jobId: string) {
  const [row] = await sql<{ status: string; attempt: number; worker_id: string; result: unknown }>(
    db.url,
    'SELECT status, attempt, worker_id, result FROM conveyor.job_runs WHERE job_id = $1::bigint',
    [jobId],
  );
  return row;
}

describe('the in-process handoff', () => {
  it('starts a job enqueued in-process on the idle local worker without a claim, as a claimed job would run', async () => {
    const { job, seen, payloads } = recordingJob('handoff-plain', 'handoff-plain');
    const conveyor = db.open({ jobs: [job], now: steppingClock() });
    const events = eventLog(conveyor);
    const worker = await conveyor
      .worker({ concurrency: 2, pollInterval: '1h', handleSignals: false })
      .start();
    const payload = { n: 1 };
    const { id } = await conveyor.enqueue(job, payload);
    payload.n = 99; // the caller's object changing after the enqueue is not seen by the handler
    await expect.poll(() => events.includes(`job:completed:${id}`)).toBe(true);
    expect(seen.map((info) => [info.id, info.attempt, handedOff(info)])).toEqual([[id, 1, true]]);
    expect(payloads).toEqual([{ n: 1 }]);
    expect(events).toEqual([`job:active:${id}`, `job:completed:${id}`]);
    await expect
      .poll(() => runRow(id))
      .toEqual({ status: 'completed', attempt: 1, worker_id: worker.id, result: { n: 1 } });

    // The same job claimed (handoff off) leaves the same events and run row.
    const claiming = db.open({ jobs: [job], now: steppingClock(), localHandoff: false });
    const claimedEvents = eventLog(claiming);
    await worker.stop();
    const other = await claiming.worker({ concurrency: 2, pollInterval: '1h', handleSignals: false }).start();
    const claimed = await claiming.enqueue(job, { n: 1 });
    await expect.poll(() => claimedEvents.includes(`job:completed:${claimed.id}`)).toBe(true);
    expect(handedOff(seen.at(-1)!)).toBe(false);
    expect(claimedEvents).toEqual([`job:active:${claimed.id}`, `job:completed:${claimed.id}`]);
    await expect
      .poll(() => runRow(claimed.id))
      .toEqual({ status: 'completed', attempt: 1, worker_id: other.id, result: { n: 1 } });
    await other.stop();
  });

  it('never hands off a job of a limited or paused queue', async () => {
    const limited = recordingJob('handoff-limited', 'handoff-limited');
    const paused = recordingJob('handoff-paused', 'handoff-paused');
    const conveyor = db.open({
      jobs: [limited.job, paused.job],
      now: steppingClock(),
      queues: { 'handoff-limited': { groupConcurrency: 5 } },
    });
    const worker = await conveyor
      .worker({ concurrency: 4, pollInterval: '1h', handleSignals: false })
      .start();
    await conveyor.enqueue(limited.job, { n: 1 }, { tenantId: 't1' });
    await expect.poll(() => limited.seen.length).toBe(1);
    expect(handedOff(limited.seen[0]!)).toBe(false);

    await conveyor.queues.pause('handoff-paused');
    await worker.stop();
    // A worker started after the pause knows it; the insert checks the queue row anyway.
    const again = await conveyor.worker({ concurrency: 4, pollInterval: '1h', handleSignals: false }).start();
    const { id } = await conveyor.enqueue(paused.job, { n: 2 });
    const [row] = await sql<{ state: string }>(
      db.url,
      'SELECT state FROM conveyor.jobs WHERE id = $1::bigint',
      [id],
    );
    expect(row?.state).toBe('ready');
    await conveyor.queues.resume('handoff-paused');
    again.wake('handoff-paused');
    await expect.poll(() => paused.seen.length).toBe(1);
    expect(handedOff(paused.seen[0]!)).toBe(false);
    await again.stop();
  });

  it('never hands off a delayed job, one with a ready job ahead of it, or one with a unique key', async () => {
    const mine = recordingJob('handoff-mine', 'handoff-shared');
    const foreign = defineJob({ name: 'handoff-foreign', queue: 'handoff-shared', handler: () => null });
    const conveyor = db.open({ jobs: [mine.job], now: steppingClock(), promoteInterval: '50ms' });
    // A job of a name this worker cannot run waits ready in the queue: it is ahead of the next one.
    const producer = db.open({ jobs: [foreign] });
    await producer.enqueue(foreign, {});
    const worker = await conveyor
      .worker({ concurrency: 4, pollInterval: '1h', handleSignals: false })
      .start();
    await conveyor.enqueue(mine.job, { n: 1 });
    await expect.poll(() => mine.seen.length).toBe(1);
    expect(handedOff(mine.seen[0]!)).toBe(false);

    await sql(db.url, "DELETE FROM conveyor.jobs WHERE name = 'handoff-foreign'");
    await conveyor.enqueue(mine.job, { n: 2 }, { delay: 100 });
    await expect.poll(() => mine.seen.length).toBe(2);
    expect(handedOff(mine.seen[1]!)).toBe(false);
    // With nothing ahead, the next one is handed off, unless it has a unique key.
    await conveyor.enqueue(mine.job, { n: 3 });
    await expect.poll(() => mine.seen.length).toBe(3);
    expect(handedOff(mine.seen[2]!)).toBe(true);
    await conveyor.enqueue(mine.job, { n: 4 }, { uniqueKey: 'handoff-unique' });
    await expect.poll(() => mine.seen.length).toBe(4);
    expect(handedOff(mine.seen[3]!)).toBe(false);
    await worker.stop();
  });

  it('never hands off a job enqueued inside the caller’s transaction', async () => {
    const { job, seen } = recordingJob('handoff-tx', 'handoff-tx');
    const conveyor = db.open({ jobs: [job], now: steppingClock() });
    const worker = await conveyor
      .worker({ concurrency: 4, pollInterval: '1h', handleSignals: false })
      .start();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const { id } = await conveyor.enqueue(job, { n: 1 }, { tx: client });
      const [row] = await client
        .query<{ state: string; lease_owner: string | null }>(
          'SELECT state, lease_owner FROM conveyor.jobs WHERE id = $1::bigint',
          [id],
        )
        .then((r) => r.rows);
      expect(row).toEqual({ state: 'ready', lease_owner: null });
      await client.query('COMMIT');
      worker.wake('handoff-tx');
      await expect.poll(() => seen.length).toBe(1);
      expect(handedOff(seen[0]!)).toBe(false);
    } finally {
      await client.end();
      await worker.stop();
    }
  });

  it('leaves a handed-off job under the lease: a killed process’s job is rescued and run', async () => {
    const runs: RunningJobInfo[] = [];
    const job = defineJob({
      name: 'handoff-crash',
      queue: 'handoff-crash',
      handler: ({ job: info }) => {
        runs.push(info);
      },
    });
    const child = spawnFixture('handoff-worker', { DATABASE_URL: db.url, LEASE: '1s' });
    const workerId = String((await child.waitFor('started')).workerId);
    const running = await child.waitFor('running');
    expect(running.handedOff).toBe(true);
    const jobId = String(running.jobId);
    const [held] = await sql<{ state: string; lease_owner: string; attempt: number }>(
      db.url,
      'SELECT state, lease_owner, attempt FROM conveyor.jobs WHERE id = $1::bigint',
      [jobId],
    );
    expect(held).toEqual({ state: 'active', lease_owner: workerId, attempt: 1 });
    child.child.kill('SIGKILL');
    expect((await exitWithin(child, 5_000)).signal).toBe('SIGKILL');

    const conveyor = db.open({ jobs: [job], lease: '1s' });
    const worker = await conveyor.worker({ concurrency: 2, handleSignals: false }).start();
    await expect.poll(() => runs.length, { timeout: 15_000 }).toBe(1);
    expect(runs[0]).toMatchObject({ id: jobId, attempt: 2 });
    await expect
      .poll(
        async () =>
          (
            await sql<{ attempt: number; status: string }>(
              db.url,
              'SELECT attempt, status FROM conveyor.job_runs WHERE job_id = $1::bigint ORDER BY attempt',
              [jobId],
            )
          ).map((r) => `${r.attempt}:${r.status}`),
        { timeout: 10_000 },
      )
      .toEqual(['1:stalled', '2:completed']);
    await worker.stop();
  });
});
