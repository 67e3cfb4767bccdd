import { makePayload, wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { WorkerProcess } from '../worker-proc.ts';
import { sleep } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

/**
 * cold_start_ms (issue 17): from spawning a worker process to its first job's handler start, with
 * the job already queued. What a serverless cron tick (Leora's seed) pays every time: Node start,
 * loading the library, connecting, the schema check, the first claim. The process is a fresh Node
 * process each run (fork of child.ts with role 'worker' and startAtOnce), so nothing is warm but
 * the OS file cache and the database.
 */
const coldStart: Scenario = {
  metrics: ['cold_start_ms'],
  skip: (info) => (info.multiProcess ? undefined : 'embedded store is single-process'),
  async run({ spec, run, session, make }: RunEnv): Promise<ScenarioResult> {
    const c = make();
    await c.setup();
    const key = `${run.label}-cold`;
    await c.enqueue(makePayload(key));
    session.ledger.add(1);
    // Let the queue settle: no wake-up of the enqueue may be in flight when the worker starts.
    await sleep(200);
    const t0 = wallMs();
    const worker = new WorkerProcess({ ...spec, role: 'worker', concurrency: 10, startAtOnce: true });
    const first = new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 30_000);
      worker.onBatch(() => {
        const at = worker.started.get(key);
        if (at !== undefined) {
          clearTimeout(timer);
          resolve(at);
        }
      });
    });
    const startedAt = await first;
    await worker.stop();
    const pending = await c.pending();
    const { lost, duplicated } = session.ledger.settle(worker.done, pending);
    await c.close();
    return {
      metrics: {
        cold_start_ms: { value: startedAt === null ? null : startedAt - t0, unit: 'ms' },
      },
      lost,
      duplicated,
      pending,
      ...(startedAt === null ? { note: 'no job ran within 30 s of the spawn' } : {}),
    };
  },
};

export const coldStartScenarios: Record<string, Scenario> = { cold_start_ms: coldStart };
