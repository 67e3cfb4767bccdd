import type { BulkItem, Contender } from '../contenders/types.ts';
import { makePayload, wallMs } from '../payload.ts';
import { Tally } from '../tally.ts';

export const BATCH = 1_000;

export function keys(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}

/** Queue `keyList` in bulk batches of 1,000 (not timed). */
export async function prefill(
  c: Contender,
  keyList: string[],
  extra: Omit<BulkItem, 'payload'> = {},
): Promise<void> {
  for (let i = 0; i < keyList.length; i += BATCH) {
    const items = keyList
      .slice(i, i + BATCH)
      .map((k) => ({ ...extra, payload: makePayload(k, extra.tenant) }));
    await c.enqueueBulk(items);
  }
}

export interface DrainOutcome {
  rate: number;
  seconds: number;
  complete: boolean;
  lost: number;
  duplicated: number;
}

/** Start a worker on an already-filled queue and time until every key in `expected` was handled. */
export async function drain(
  c: Contender,
  expected: string[],
  concurrency: number,
  timeoutMs: number,
): Promise<DrainOutcome> {
  const tally = new Tally();
  const t0 = wallMs();
  await c.startWorker({
    concurrency,
    onJob: (p) => {
      tally.record(p.k, wallMs());
      return undefined;
    },
  });
  const complete = await tally.waitFor(expected.length, timeoutMs);
  const end = complete ? tally.lastAt : wallMs();
  await sleep(100); // let late duplicates show up
  await c.stopWorker();
  const seconds = (end - t0) / 1000;
  const { lost, duplicated } = tally.check(expected);
  return { rate: (expected.length - lost) / seconds, seconds, complete, lost, duplicated };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
