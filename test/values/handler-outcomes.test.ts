/**
 * Issue 12, defect 1: no handler outcome, backoff function or event listener can kill a worker.
 * Each hostile job must end with a stored, storable error; the worker must keep running and finish
 * the ordinary jobs queued after them.
 */
import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { HOSTILE_THROWN } from './hostile-values.ts';
import { captureLogs } from './log-capture.ts';
import { trackOutcomes } from './outcome-tracker.ts';

const db = useConveyorDatabase();

const thrower = defineJob<{ kind: string }>({
  name: 'thrower',
  queue: 'outcomes',
  defaults: { attempts: 1 },
  handler: ({ payload }) => {
    throw HOSTILE_THROWN[payload.kind]!();
  },
});
const ordinary = defineJob<{ n: number }>({
  name: 'ordinary',
  queue: 'outcomes',
  handler: ({ payload }) => ({ n: payload.n }),
});

/** Returns a thenable, not a promise: one whose `then` throws, or one that resolves. */
const thenables = defineJob<{ throws: boolean }>({
  name: 'thenable',
  queue: 'outcomes',
  defaults: { attempts: 1 },
  handler: ({ payload }) =>
    ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable is the point of this job
      then(resolve: (value: unknown) => void) {
        if (payload.throws) throw new Error('then exploded');
        resolve({ via: 'thenable' });
      },
    }) as unknown as Promise<unknown>,
});

const badBackoffs: Record<string, () => number> = {
  throws: () => {
    throw new Error('backoff exploded');
  },
  nan: () => Number.NaN,
  negative: () => -5,
  infinity: () => Number.POSITIVE_INFINITY,
  notANumber: () => 'soon' as unknown as number,
  async: (async () => {
    throw new Error('async backoff rejected');
  }) as unknown as () => number,
};
const backoffJobs = Object.entries(badBackoffs).map(([kind, backoff]) =>
  defineJob<null>({
    name: `backoff-${kind}`,
    queue: 'outcomes',
    defaults: { attempts: 2, backoff },
    handler: ({ job }) => {
      if (job.attempt === 1) throw new Error('first attempt fails');
      return 'second attempt';
    },
  }),
);

describe('a hostile handler outcome never kills the worker', () => {
  it('stores a plain, storable error for every kind of thrown value and keeps working', async () => {
    const { log, lines } = captureLogs();
    const conveyor = db.open({ jobs: [thrower, ordinary], schema: 'thrown', logger: log });
    const outcomes = trackOutcomes(conveyor);
    // Listeners that throw (a Proxy that refuses every trap) or reject must not matter either.
    conveyor.on('job:dead', () => {
      throw HOSTILE_THROWN.proxy!();
    });
    conveyor.on('job:completed', async () => {
      throw new Error('async listener rejected');
    });
    const worker = await conveyor.worker({ queues: ['outcomes'], concurrency: 4 }).start();

    const kinds = Object.keys(HOSTILE_THROWN);
    const hostile = await Promise.all(kinds.map((kind) => conveyor.enqueue(thrower, { kind })));
    const finals = await outcomes.until(hostile.map((job) => job.id));
    expect(Object.values(finals)).toEqual(kinds.map(() => 'dead'));

    for (const [index, kind] of kinds.entries()) {
      const record = await conveyor.getJob(hostile[index]!.id);
      const [error] = record?.errors ?? [];
      expect(error, kind).toBeDefined();
      expect(typeof error?.message, kind).toBe('string');
      expect(error?.message.length, kind).toBeLessThanOrEqual(8_192 + 50);
      expect(JSON.stringify(error), kind).not.toMatch(/\\u0000|\\ud[89a-f]/);
    }
    const byKind = (kind: string) => conveyor.getJob(hostile[kinds.indexOf(kind)]!.id);
    expect((await byKind('bigint'))?.errors[0]).toMatchObject({ name: 'NonError', message: '10n' });
    expect((await byKind('symbol'))?.errors[0]?.message).toBe('Symbol(thrown)');
    expect((await byKind('null'))?.errors[0]?.message).toBe('null');
    expect((await byKind('throwingGetters'))?.errors[0]).toMatchObject({
      name: 'Error',
      message: '(its message could not be read)',
    });
    expect((await byKind('nulAndLoneSurrogate'))?.errors[0]?.message).toBe(
      'bad \ufffd byte and a lone \ufffd surrogate',
    );
    expect((await byKind('hugeMessage'))?.errors[0]?.message).toMatch(/… \[991808 more characters cut\]$/);

    const after = await Promise.all([1, 2, 3].map((n) => conveyor.enqueue(ordinary, { n })));
    expect(Object.values(await outcomes.until(after.map((job) => job.id)))).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
    expect(worker.state).toBe('running');
    expect(lines.some((line) => line.includes('lifecycle event listener threw'))).toBe(true);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(40_000);
  });

  it('falls back to the default backoff when a backoff function throws or returns nonsense', async () => {
    const { log, lines } = captureLogs();
    const conveyor = db.open({ jobs: backoffJobs, schema: 'backoff', logger: log });
    const retries = new Map<string, number>();
    conveyor.on('job:retrying', ({ job, error, retryAt }) => {
      retries.set(job.name, retryAt.getTime() - Date.parse(error.at));
    });
    const outcomes = trackOutcomes(conveyor);
    const worker = await conveyor.worker({ queues: ['outcomes'], concurrency: 8 }).start();
    const jobs = await Promise.all(backoffJobs.map((job) => conveyor.enqueue(job, null)));
    // The default backoff waits 1 s after the first attempt; then each job's second attempt completes.
    const finals = await outcomes.until(jobs.map((job) => job.id));
    expect(Object.values(finals)).toEqual(backoffJobs.map(() => 'completed'));
    expect(Object.fromEntries(retries)).toEqual(
      Object.fromEntries(backoffJobs.map((job) => [job.name, 1_000])),
    );
    expect(worker.state).toBe('running');
    const warned = lines.filter((line) => line.includes('using the default backoff'));
    expect(warned.length).toBe(backoffJobs.length);
  });

  it('fails the attempt whose thenable throws in then, and completes one that resolves', async () => {
    const conveyor = db.open({ jobs: [thenables, ordinary], schema: 'thenables' });
    const outcomes = trackOutcomes(conveyor);
    const worker = await conveyor.worker({ queues: ['outcomes'], concurrency: 2 }).start();
    const [throwing, resolving] = await Promise.all([
      conveyor.enqueue(thenables, { throws: true }),
      conveyor.enqueue(thenables, { throws: false }),
    ]);
    const finals = await outcomes.until([throwing!.id, resolving!.id]);
    expect(finals).toEqual({ [throwing!.id]: 'dead', [resolving!.id]: 'completed' });
    expect((await conveyor.getJob(throwing!.id))?.errors[0]?.message).toBe('then exploded');
    expect((await conveyor.getJob(resolving!.id))?.result).toEqual({ via: 'thenable' });
    expect(worker.state).toBe('running');
  });
});
