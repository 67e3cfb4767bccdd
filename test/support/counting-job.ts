import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJob } from '../../src/index.ts';

/** A job whose handler only counts its runs, for tests that wait for a number of jobs to finish. */
export function countingJob(name: string, queue: string) {
  let done = 0;
  const job = defineJob({
    name,
    queue,
    schema: z.object({ n: z.number() }),
    handler: () => {
      done += 1;
    },
  });
  return { job, done: () => done };
}

/** Waits until `count()` reaches `target`, or `timeoutMs` passed; the caller asserts the count. */
export async function waitForCount(count: () => number, target: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count() < target && Date.now() < deadline) await sleep(20);
}
