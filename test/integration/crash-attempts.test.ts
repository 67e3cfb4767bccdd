/**
 * A crash charges an attempt only to jobs whose handler started (issue 12, defect 7). A worker
 * process holding C running jobs and C buffered ones is SIGKILLed; the rescuer charges the C that
 * started (WORKER_LOST, a 'stalled' run) and returns the buffered ones as they were: attempt
 * unused, no error, no run row. Before, every claimed job lost an attempt, so a job caught in
 * three crashes could die without ever running.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { exitWithin, killFixtures, spawnFixture } from '../fixtures/spawn-fixture.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
afterAll(killFixtures);

const CONCURRENCY = 5;
/** The job of test/fixtures/blocking-worker.ts (its name and queue). */
const BLOCKING_JOB = 'blocking';

describe('a crash', () => {
  it('charges the jobs that started, not those still in the buffer', async () => {
    const blocking = defineJob<{ n: number }>({
      name: BLOCKING_JOB,
      queue: BLOCKING_JOB,
      handler: () => null,
    });
    const other = defineJob({ name: 'crash-attempts-other', queue: 'other', handler: () => null });
    const conveyor = db.open({ jobs: [blocking, other], lease: '1s' });
    await conveyor.enqueueMany(
      blocking,
      Array.from({ length: 4 * CONCURRENCY }, (_, n) => ({ payload: { n } })),
    );
    const child = spawnFixture('blocking-worker', {
      DATABASE_URL: db.url,
      CONCURRENCY: String(CONCURRENCY),
      LEASE: '1s',
    });
    const workerId = String((await child.waitFor('started')).workerId);
    const running = new Set<string>();
    for (let i = 0; i < CONCURRENCY; i += 1) {
      const message = await child.waitFor('running', (m) => !running.has(String(m.jobId)));
      running.add(String(message.jobId));
    }
    // The buffer fills with the claim that started them: C running + C buffered.
    const held = async () =>
      (
        await sql<{ id: string }>(
          db.url,
          "SELECT id::text AS id FROM conveyor.jobs WHERE state = 'active' AND lease_owner = $1",
          [workerId],
        )
      ).map((r) => r.id);
    await expect.poll(async () => (await held()).length, { timeout: 10_000 }).toBe(2 * CONCURRENCY);
    const heldIds = new Set(await held());
    child.child.kill('SIGKILL');
    expect((await exitWithin(child, 5_000)).signal).toBe('SIGKILL');

    // A worker of another queue in this process runs the rescuer.
    await conveyor.worker({ queues: ['other'], handleSignals: false }).start();
    await expect
      .poll(async () => (await sql(db.url, "SELECT 1 FROM conveyor.jobs WHERE state = 'active'")).length, {
        timeout: 10_000,
      })
      .toBe(0);

    const rows = await sql<{ id: string; state: string; attempt: number; errors: { code: string }[] }>(
      db.url,
      'SELECT id::text AS id, state, attempt, errors FROM conveyor.jobs WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[...heldIds]],
    );
    const charged = rows.filter((r) => r.attempt === 1);
    const returned = rows.filter((r) => r.attempt === 0);
    expect(new Set(charged.map((r) => r.id))).toEqual(running);
    expect(
      charged.every((r) => r.state === 'ready' && r.errors.map((e) => e.code).join() === 'WORKER_LOST'),
    ).toBe(true);
    expect(returned).toHaveLength(CONCURRENCY);
    expect(returned.every((r) => r.state === 'ready' && r.errors.length === 0)).toBe(true);
    const stalled = await sql<{ id: string }>(
      db.url,
      "SELECT job_id::text AS id FROM conveyor.job_runs WHERE status = 'stalled'",
    );
    expect(new Set(stalled.map((r) => r.id))).toEqual(running);
    expect(stalled).toHaveLength(CONCURRENCY);
  }, 30_000);
});
