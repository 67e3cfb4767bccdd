import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();

describe('prefetch', () => {
  it('does not let one process hoard slow jobs while another has free slots', async () => {
    const ranBy = new Map<string, number>();
    const slow = (who: string) =>
      defineJob({
        name: 'slow',
        queue: 'prefetch',
        schema: z.object({ n: z.number() }),
        handler: async () => {
          await sleep(100);
          ranBy.set(who, (ranBy.get(who) ?? 0) + 1);
        },
      });
    const firstJob = slow('first');
    const first = db.open({ jobs: [firstJob] });
    const second = db.open({ jobs: [slow('second')] });
    await first.migrate();
    await first.enqueueMany(
      firstJob,
      Array.from({ length: 24 }, (_, n) => ({ payload: { n } })),
    );
    // Both have the default prefetch (500): a buffer sized by that alone would take all 24 jobs.
    const a = first.worker({ concurrency: 2, handleSignals: false });
    await a.start();
    await sleep(50);
    const b = second.worker({ concurrency: 2, handleSignals: false });
    await b.start();
    const deadline = Date.now() + 10_000;
    while ((ranBy.get('first') ?? 0) + (ranBy.get('second') ?? 0) < 24 && Date.now() < deadline) {
      await sleep(20);
    }
    await Promise.all([a.stop(), b.stop()]);
    expect((ranBy.get('first') ?? 0) + (ranBy.get('second') ?? 0)).toBe(24);
    // Slow jobs are buffered at about `concurrency` ahead, so the second worker gets a fair share.
    expect(ranBy.get('second') ?? 0).toBeGreaterThanOrEqual(8);
  });
});
