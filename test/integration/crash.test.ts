/**
 * Crash: a worker process is SIGKILLed mid-batch (handlers running, jobs buffered, acks not yet
 * flushed). A second worker must finish every job; jobs may run twice (at least once, D6), but
 * only those the killed process held, and they must run again within lease + rescue interval.
 * The lost attempt counts only for jobs whose handler had started (crash-attempts.test.ts shows
 * the buffered ones are returned uncharged).
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Conveyor, LifecycleEvents } from '../../src/index.ts';
import { RAN_TABLE_SQL, recordingJob } from '../fixtures/recording-job.ts';
import { exitWithin, killFixtures, spawnFixture } from '../fixtures/spawn-fixture.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
afterAll(killFixtures);

const TOTAL = 2_000;
const KILL_AFTER = 400;
const LEASE_MS = 1_000;

/** Resolves after `count` completions seen by this instance. */
function completions(conveyor: Conveyor, count: number): Promise<void> {
  if (count <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const off = conveyor.on('job:completed', () => {
      seen += 1;
      if (seen === count) {
        off();
        resolve();
      }
    });
  });
}

describe('crash', () => {
  it('loses no job when a worker process is SIGKILLed mid-batch, and reruns only what it held', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    try {
      const job = recordingJob(pool);
      const conveyor = db.open({
        jobs: [job],
        poolSize: 4,
        lease: LEASE_MS,
        retention: { completed: { count: 1_000_000 } },
      });
      await conveyor.migrate();
      await sql(db.url, RAN_TABLE_SQL);
      const ids = (
        await conveyor.enqueueMany(
          job,
          Array.from({ length: TOTAL }, (_, n) => ({ payload: { n } })),
        )
      ).map((e) => e.id);
      expect(new Set(ids).size).toBe(TOTAL);

      // First worker, in its own process; killed once KILL_AFTER handlers have recorded their run.
      const child = spawnFixture('crash-worker', {
        DATABASE_URL: db.url,
        KILL_AFTER: String(KILL_AFTER),
        LEASE: `${LEASE_MS}ms`,
      });
      const workerId = String((await child.waitFor('started')).workerId);
      await child.waitFor('kill-me');
      const killedAt = Date.now();
      child.child.kill('SIGKILL');
      expect((await exitWithin(child, 5_000)).signal).toBe('SIGKILL');

      // What the dead process held (claimed: running or buffered; maybe ran, not acknowledged).
      // Nothing can rescue it yet: no other worker (so no rescuer) runs until after this read.
      const held = new Set(
        (
          await sql<{ id: string }>(
            db.url,
            "SELECT id::text AS id FROM conveyor.jobs WHERE state = 'active' AND lease_owner = $1",
            [workerId],
          )
        ).map((r) => r.id),
      );
      const [before] = await sql<{ ran: number; completed: number; active: number }>(
        db.url,
        `SELECT (SELECT count(*) FROM ran)::int AS ran,
                (SELECT count(*) FROM conveyor.job_runs WHERE status = 'completed')::int AS completed,
                (SELECT count(*) FROM conveyor.jobs WHERE state = 'active')::int AS active`,
      );
      expect(before!.ran).toBeGreaterThanOrEqual(KILL_AFTER);
      expect(before!.completed).toBeLessThan(TOTAL);
      expect(held.size).toBeGreaterThan(0);
      expect(before!.active).toBe(held.size);

      // Second worker, in this process: its rescuer returns the dead process's jobs.
      const stalled: LifecycleEvents['job:stalled'][] = [];
      conveyor.on('job:stalled', (e) => stalled.push(e));
      const firstStalledAt = conveyor.once('job:stalled').then(() => Date.now());
      const firstRerunAt = conveyor.once('job:active', (e) => held.has(e.job.id)).then(() => Date.now());
      const allCompleted = completions(conveyor, TOTAL - before!.completed);
      const worker = conveyor.worker({ concurrency: 20, handleSignals: false });
      await worker.start();
      await allCompleted;
      await worker.stop();
      const recoveryMs = (await firstRerunAt) - killedAt;
      const rescueMs = (await firstStalledAt) - killedAt;

      // Every job completed exactly once (one completed run row), none left behind.
      const completedRuns = await sql<{ id: string; attempt: number; n: number }>(
        db.url,
        "SELECT job_id::text AS id, attempt, count(*) OVER (PARTITION BY job_id)::int AS n FROM conveyor.job_runs WHERE status = 'completed'",
      );
      const completedIds = new Set(completedRuns.map((r) => r.id));
      expect(ids.filter((id) => !completedIds.has(id))).toEqual([]);
      expect(completedRuns.filter((r) => r.n > 1)).toEqual([]);
      expect(completedRuns).toHaveLength(TOTAL);
      expect(await sql(db.url, 'SELECT id FROM conveyor.jobs')).toEqual([]);
      // The rescue is visible: one 'stalled' run row and one job:stalled event per charged job.
      // Charged: the held jobs whose handler had started (or may have: declared started).
      const stalledRuns = await sql<{ id: string; worker_id: string }>(
        db.url,
        "SELECT job_id::text AS id, worker_id FROM conveyor.job_runs WHERE status = 'stalled'",
      );
      const charged = new Set(stalledRuns.map((r) => r.id));
      expect([...charged].filter((id) => !held.has(id))).toEqual([]);
      expect(stalledRuns).toHaveLength(charged.size);
      expect(new Set(stalledRuns.map((r) => r.worker_id))).toEqual(new Set([workerId]));
      expect(new Set(stalled.map((e) => e.jobId))).toEqual(charged);
      expect(stalled.every((e) => e.lostWorker === workerId && e.state === 'ready')).toBe(true);
      // Each carries the job's public info as of the lost attempt, like every lifecycle event.
      expect(
        stalled.every((e) => e.job.id === e.jobId && e.job.name === 'crash-record' && e.job.attempt === 1),
      ).toBe(true);
      // Every held job the dead process had run is charged.
      const ranByKilled = await sql<{ id: string }>(
        db.url,
        'SELECT DISTINCT job_id::text AS id FROM ran WHERE pid = $1',
        [child.pid],
      );
      expect(ranByKilled.map((r) => r.id).filter((id) => held.has(id) && !charged.has(id))).toEqual([]);
      // A charged job completed on its second attempt, any other on its first.
      for (const run of completedRuns) expect(run.attempt, `job ${run.id}`).toBe(charged.has(run.id) ? 2 : 1);

      // Handlers ran at least once each; a second run only for jobs the dead process held.
      const ranCounts = await sql<{ id: string; n: number }>(
        db.url,
        'SELECT job_id::text AS id, count(*)::int AS n FROM ran GROUP BY job_id',
      );
      const ranIds = new Set(ranCounts.map((r) => r.id));
      expect(ids.filter((id) => !ranIds.has(id))).toEqual([]);
      const duplicates = ranCounts.filter((r) => r.n > 1);
      expect(duplicates.filter((r) => !held.has(r.id))).toEqual([]);
      expect(duplicates.filter((r) => r.n > 2)).toEqual([]);

      // Recovery within lease + rescue interval + slack.
      expect(recoveryMs).toBeLessThan(3 * LEASE_MS);
      console.info(
        `[crash] ${TOTAL} jobs; ${before!.ran} handler runs and ${before!.completed} acks before SIGKILL; ` +
          `${held.size} jobs held by the killed worker, ${charged.size} charged; rescued after ${rescueMs} ms, first rerun ${recoveryMs} ms after the kill ` +
          `(lease ${LEASE_MS} ms); duplicates (ran twice): ${duplicates.length}` +
          (duplicates.length > 0 ? ` [${duplicates.map((d) => d.id).join(', ')}]` : ''),
      );
    } finally {
      await pool.end();
    }
  }, 45_000);
});
