import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { countingJob, waitForCount } from '../support/counting-job.ts';

const db = useConveyorDatabase();

describe('claims in flight together', () => {
  it('do not idle a queue with work when one of them came back short', async () => {
    // Two claims overlap; the second skips the rows the first locked, so with many small groups
    // it comes back short. If that marked the queue empty, the worker would wait for the poll,
    // here an hour, and the jobs below would not finish.
    const { job, done } = countingJob('tenant-job', 'overlap');
    const conveyor = db.open({ jobs: [job] });
    await conveyor.migrate();
    await conveyor.enqueueMany(
      job,
      Array.from({ length: 5_000 }, (_, n) => ({ payload: { n }, options: { tenantId: 'big' } })),
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('ANALYZE conveyor.jobs');
    await client.end();
    for (let t = 0; t < 99; t += 1) {
      await conveyor.enqueueMany(
        job,
        Array.from({ length: 10 }, (_, n) => ({ payload: { n }, options: { tenantId: `t${t}` } })),
      );
    }
    const total = 5_000 + 99 * 10;
    const worker = conveyor.worker({ concurrency: 50, pollInterval: '1h', handleSignals: false });
    await worker.start();
    await waitForCount(done, total);
    await worker.stop();
    expect(done()).toBe(total);
  });
});

describe('an emptied queue', () => {
  it('is not claimed from over and over once its work is done', async () => {
    const { job, done } = countingJob('idle-after', 'emptied');
    const conveyor = db.open({ jobs: [job] });
    await conveyor.migrate();
    await conveyor.enqueueMany(
      job,
      Array.from({ length: 2_000 }, (_, n) => ({ payload: { n } })),
    );
    const worker = conveyor.worker({ concurrency: 50, pollInterval: '1h', handleSignals: false });
    await worker.start();
    await waitForCount(done, 2_000);
    expect(done()).toBe(2_000);
    // Commits in this database over two idle seconds (statistics reach the view within a second).
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const commits = async (): Promise<number> => {
      await sleep(1_100);
      const { rows } = await client.query(
        'SELECT xact_commit::integer AS n FROM pg_stat_database WHERE datname = current_database()',
      );
      return rows[0].n as number;
    };
    const before = await commits();
    await sleep(2_000);
    const after = await commits();
    await client.end();
    await worker.stop();
    // Heartbeats, the promoter and the rescuer commit a few times a second; a claim loop spinning
    // on the empty queue commits thousands of times.
    expect(after - before).toBeLessThan(200);
  });
});
