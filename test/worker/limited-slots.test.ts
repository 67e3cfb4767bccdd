import { describe, expect, it } from 'vitest';
import { createConveyor } from '../../src/index.ts';
import { countingJob, waitForCount } from '../support/counting-job.ts';
import { testLogger } from '../support/silent-logger.ts';

describe('a queue with a per-group limit', () => {
  it('claims again once outcomes are written, without waiting for the poll', async () => {
    // A claim right after a handler returns still sees that job as active (its outcome is not
    // written yet), so it comes back short. The write itself must wake the queue; with the poll
    // an hour away, a queue left waiting would not finish.
    const { job, done } = countingJob('limited-tenant-job', 'limited');
    const conveyor = createConveyor({
      jobs: [job],
      dataDir: 'memory://',
      logger: testLogger,
      queues: { limited: { groupConcurrency: 2 } },
    });
    try {
      await conveyor.migrate();
      await conveyor.enqueueMany(
        job,
        Array.from({ length: 2_000 }, (_, n) => ({ payload: { n }, options: { tenantId: `t${n % 100}` } })),
      );
      const worker = conveyor.worker({ concurrency: 50, pollInterval: '1h', handleSignals: false });
      await worker.start();
      await waitForCount(done, 2_000);
      await worker.stop();
      expect(done()).toBe(2_000);
    } finally {
      await conveyor.close();
    }
  });
});
