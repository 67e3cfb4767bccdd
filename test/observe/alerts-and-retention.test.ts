/**
 * An error-rate rule beside a count rule (src/maintenance/pruner.ts, alerts/alert-rules.ts
 * errorRateWindows): the pruner keeps the run rows inside the rule's window, so a busy queue whose
 * count rule would keep 10 completions (and every failure) is not reported at a failure rate it
 * does not have. Rows older than the window are pruned as the rule says.
 */
import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { seedRuns } from './runs-seed.ts';

const db = useConveyorDatabase();
const busy = defineJob({ name: 'busy-job', queue: 'busy', handler: () => null });

describe('error-rate rules and retention', () => {
  it('keeps the completions inside the rule’s window, so the rate is the real one', async () => {
    const conveyor = db.open({
      jobs: [busy],
      queues: { busy: { retention: { completed: { count: 10 } } } },
      alerts: {
        rules: [{ id: 'er', kind: 'error-rate', percent: 20, window: '1h', queue: 'busy', minRuns: 4 }],
      },
    });
    await conveyor.migrate();
    const now = Date.now();
    const ago = (ms: number) => new Date(now - ms);
    const inWindow = Array.from({ length: 60 }, (_, i) => ({
      at: ago(10_000 + i * 20_000),
      status: 'completed' as const,
    }));
    const failures = Array.from({ length: 5 }, (_, i) => ({
      at: ago(15_000 + i * 60_000),
      status: 'failed' as const,
    }));
    const older = Array.from({ length: 30 }, (_, i) => ({
      at: ago(2 * 3_600_000 + i * 1_000),
      status: 'completed' as const,
    }));
    await seedRuns(
      db.url,
      [...inWindow, ...failures, ...older].map((r) => ({ ...r, queue: 'busy', name: 'busy-job' })),
    );

    const report = await conveyor.prune();
    // Of the 30 completions older than the window, the newest 10 stay; none inside it is touched.
    expect(report.completed).toBe(20);
    const [left] = await sql(
      db.url,
      `SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM conveyor.job_runs`,
    );
    expect(left).toEqual({ completed: 70, failed: 5 });

    await conveyor.alerts.evaluate(); // 5 of 65 attempts in the hour failed: 7.7 %, under 20 %
    expect(await conveyor.alerts.incidents()).toEqual([]);
  });
});
