import { Ledger } from '../ledger.ts';
import { wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { WorkerProcess } from '../worker-proc.ts';
import { keys, prefill, sleep } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

/**
 * Worker 1 (own process, concurrency 10, 50 ms handlers) is SIGKILLed mid-batch; worker 2 (own
 * process) then runs what is left. crash_recovery_s = seconds from the kill until every job worker 1
 * had not finished (in flight, or claimed/locked ahead) has started in worker 2; null if that did
 * not happen within the window. Jobs neither run nor still in the store (pending()) then are lost;
 * jobs still stored (locked by the dead worker) are reported as not run within the window.
 */
const crash: Scenario = {
  metrics: ['crash_recovery_s'],
  fastRecovery: true,
  storePerRun: true,
  skip: (info) =>
    info.multiProcess ? undefined : 'embedded store is single-process (a second process cannot open it)',
  async run({ spec, run, make }: RunEnv): Promise<ScenarioResult> {
    const c = make();
    await c.setup();
    const all = keys(run.label, run.sizes.crashJobs);
    const w1 = new WorkerProcess({ ...spec, role: 'worker', concurrency: 10, sleepMs: 50 });
    // worker 2's process is started (connected, idle) beforehand, like a replica already running:
    // the recovery time then holds its worker start-up but not a process start
    const w2 = new WorkerProcess({ ...spec, role: 'worker', concurrency: 10, sleepMs: 0 });
    await Promise.all([w1.ready(), w2.ready()]);
    w1.go();
    await prefill(c, new Ledger(), all, { producers: 1 });
    const killAfter = Math.floor(all.length / 5);
    const waitUntil = wallMs() + 60_000;
    while (w1.doneCount < killAfter && wallMs() < waitUntil) await sleep(5);
    const killedAt = wallMs();
    w1.kill();
    await sleep(100); // collect IPC batches already on their way
    const orphans = [...w1.started.keys()].filter((k) => !w1.done.has(k));

    w2.go();
    const windowEnd = killedAt + run.sizes.crashWindowSeconds * 1000;
    const allDone = () => {
      for (const k of all) if (!w1.done.has(k) && !w2.done.has(k)) return false;
      return true;
    };
    while (wallMs() < windowEnd) {
      if (w2.done.size + w1.done.size >= all.length && allDone()) break;
      await sleep(50);
    }
    await w2.stop();
    const pending = await c.pending();
    await c.close();

    const unfinished = all.filter((k) => !w1.done.has(k));
    const restarts = unfinished.map((k) => w2.started.get(k));
    const recovered = restarts.every((at) => at !== undefined);
    const recovery =
      recovered && restarts.length > 0 ? (Math.max(...(restarts as number[])) - killedAt) / 1000 : null;
    let notDone = 0;
    for (const k of all) if (!w1.done.has(k) && !w2.done.has(k)) notDone++;
    const lost = Math.max(0, notDone - pending);
    let duplicated = 0;
    for (const k of all) {
      const n = (w1.done.get(k) ?? 0) + (w2.done.get(k) ?? 0);
      if (n > 1) duplicated += n - 1;
    }
    const stuck = restarts.filter((at) => at === undefined).length;
    const orphansStuck = orphans.filter((k) => !w2.started.has(k)).length;
    return {
      metrics: {
        crash_recovery_s: {
          value: recovery,
          unit: 's',
          extra: {
            jobs: all.length,
            inFlightAtKill: orphans.length,
            notRunWithinWindow: stuck,
            inFlightNotRerun: orphansStuck,
            windowSeconds: run.sizes.crashWindowSeconds,
            doneBeforeKill: w1.done.size,
            stillStoredAfterWindow: pending,
          },
        },
      },
      lost,
      duplicated,
      pending,
      ...(stuck
        ? {
            note: `${stuck} jobs left by the killed worker (${orphansStuck} of them in flight) did not run within ${run.sizes.crashWindowSeconds} s (${pending} jobs still stored, not lost)`,
          }
        : {}),
    };
  },
};

export const crashScenarios: Record<string, Scenario> = { crash };
