import type { BulkItem, Contender } from '../contenders/types.ts';
import { type CpuMeterOptions, type CpuPerJob, startCpuMeter } from '../cpu-meter.ts';
import type { Ledger } from '../ledger.ts';
import { makePayload, wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { Tally } from '../tally.ts';
import type { RunEnv } from './types.ts';

export const BATCH = 1_000;

export function keys(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}

export interface PrefillOptions {
  /** Concurrent producers, each taking the next batch of 1,000 in order. */
  producers: number;
  /** Far-future jobs (not due during the session). */
  delayMs?: number;
  /** The tenant of the key at this index in the list. */
  tenantOf?: (index: number) => string;
}

/** Queue `keyList` with the bulk API (not timed) and enter the jobs in the ledger. */
export async function prefill(
  c: Contender,
  ledger: Ledger,
  keyList: string[],
  { producers, delayMs, tenantOf }: PrefillOptions,
): Promise<void> {
  let next = 0;
  const item = (key: string, index: number): BulkItem => {
    const tenant = tenantOf?.(index);
    const out: BulkItem = { payload: makePayload(key, tenant) };
    if (tenant !== undefined) out.tenant = tenant;
    if (delayMs !== undefined) out.delayMs = delayMs;
    return out;
  };
  const loop = async () => {
    while (next < keyList.length) {
      const from = next;
      next += BATCH;
      await c.enqueueBulk(keyList.slice(from, from + BATCH).map((k, i) => item(k, from + i)));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, producers) }, loop));
  ledger.add(keyList.length, delayMs !== undefined);
}

/** New keys that bring the due jobs in the store up to `target` (the store is reused across runs). */
export function topUpKeys(ledger: Ledger, prefix: string, target: number): string[] {
  return keys(prefix, Math.max(0, target - ledger.outstanding));
}

export interface DrainWindow {
  /** Distinct jobs whose handler started within the window: the throughput numerator. */
  completed: number;
  /** Jobs the window started with. */
  queued: number;
  seconds: number;
  rate: number;
  /** The cap ended the window before every queued job ran (the rest stays queued). */
  capped: boolean;
  /** Unfinished jobs in the store after the worker stopped (contender's own count). */
  pending: number;
  lost: number;
  duplicated: number;
  /** CPU per job over the window, when the workload asked for it. */
  cpu?: CpuPerJob;
}

/**
 * Starts a worker on the filled queue and times it until every due job in the ledger ran, or until
 * `capSeconds` after the worker start (start-up included). Then stops the worker gracefully and
 * settles the ledger with the store's count, so jobs left by the cap are pending, not lost.
 */
export async function drainWindow(
  c: Contender,
  ledger: Ledger,
  concurrency: number,
  capSeconds: number,
  cpu?: CpuMeterOptions,
): Promise<DrainWindow> {
  const queued = ledger.outstanding;
  const tally = new Tally();
  const meter = cpu ? startCpuMeter(cpu) : null;
  const t0 = wallMs();
  const deadline = t0 + capSeconds * 1000;
  // Counted in the handler, not when the timer fires: an embedded store (PGlite) runs on this
  // thread and can hold the timer back past the deadline.
  let inWindow = 0;
  let capReached!: () => void;
  const capped = new Promise<boolean>((resolve) => {
    capReached = () => resolve(false);
  });
  await c.startWorker({
    concurrency,
    onJob: (p) => {
      const at = wallMs();
      if (at <= deadline && !tally.seen.has(p.k)) inWindow++;
      tally.record(p.k, at);
      if (at > deadline) capReached();
      return undefined;
    },
  });
  const complete = await Promise.race([tally.waitFor(queued, Math.max(0, deadline - wallMs())), capped]);
  const completed = complete ? queued : inWindow;
  const cpuPerJob = meter?.stop(completed);
  const end = complete ? Math.max(t0, tally.lastAt) : deadline;
  if (complete) await sleep(100); // let late duplicates show up
  await c.stopWorker();
  const pending = await c.pending();
  const seconds = (end - t0) / 1000;
  return {
    completed,
    queued,
    seconds,
    rate: seconds > 0 ? completed / seconds : 0,
    capped: !complete,
    pending,
    ...ledger.settle(tally.seen, pending),
    ...(cpuPerJob ? { cpu: cpuPerJob } : {}),
  };
}

/** The accounting fields a run reports for one drain window. */
export function windowFields(w: DrainWindow) {
  return {
    capped: w.capped,
    completed: w.completed,
    pending: w.pending,
    lost: w.lost,
    duplicated: w.duplicated,
  };
}

/** A drain run's result: its throughput with what the window saw (plus `extra`), and its counts. */
export function drainResult(
  metric: string,
  w: DrainWindow,
  window: { capSeconds: number; topUp: number },
  extra: Record<string, unknown>,
): ScenarioResult {
  return {
    metrics: {
      [metric]: {
        value: w.rate,
        unit: 'jobs/s',
        ...w.cpu,
        extra: { jobs: w.queued, completed: w.completed, seconds: w.seconds, ...window, ...extra },
      },
    },
    ...windowFields(w),
  };
}

/** What the CPU meter of a run needs: the contender's backend and the target's servers. */
export function cpuOptions(env: Pick<RunEnv, 'info' | 'spec'>, clientPids?: () => number[]): CpuMeterOptions {
  return {
    backend: env.info.backend,
    pgUrl: env.spec.target.pgUrl,
    redisPort: env.spec.target.redis.port,
    ...(clientPids ? { clientPids } : {}),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
