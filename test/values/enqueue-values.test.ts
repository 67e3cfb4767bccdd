/**
 * Issue 12, defect 3: one bad payload must not fail its neighbours. A value PostgreSQL cannot store
 * is refused by prepareJob, naming the field, before anything is written; a job the database still
 * refuses in a coalesced insert fails alone; job defaults and durations are checked where written.
 */
import { describe, expect, it } from 'vitest';
import { InsertBatcher } from '../../src/client/insert-batcher.ts';
import { prepareJob } from '../../src/core/enqueue-options.ts';
import { DatabaseRejectedError, defineJob, ValidationError } from '../../src/index.ts';
import { createPgDriver } from '../../src/store/postgres/pg-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { newJob } from '../support/new-job.ts';
import { testLogger } from '../support/silent-logger.ts';
import { circular, nested, throwingProxy } from './hostile-values.ts';

const db = useConveyorDatabase();
const now = new Date('2030-01-01T00:00:00Z');
const context = { now, maxPayloadBytes: 1_000_000 };
const note = defineJob<unknown>({ name: 'note', queue: 'notes', handler: () => null });

function refusal(run: () => unknown): { field: string; message: string } | string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ValidationError)) return `threw ${String(error)}`;
    return { field: error.field, message: error.message };
  }
}

async function countJobs(schema: string): Promise<number> {
  const [row] = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM ${schema}.jobs`);
  return row?.n ?? -1;
}

describe('prepareJob refuses what PostgreSQL cannot store, naming the field', () => {
  it.each([
    ['U+0000 in a payload string', { a: { b: 'x\u0000' } }, undefined, 'payload.a.b', /contains U\+0000/],
    [
      'a lone surrogate in a payload key',
      { 'k\udfff': 1 },
      undefined,
      'payload["k\\udfff"]',
      /its key contains a lone surrogate/,
    ],
    ['a cycle', circular(), undefined, 'payload.self', /circular reference/],
    ['a BigInt', { n: [1n] }, undefined, 'payload.n[0]', /is a BigInt/],
    ['nesting past 1,000 levels', nested(1_001), undefined, `payload${'[0]'.repeat(1_000)}`, /nests deeper/],
    ['a Proxy that refuses every trap', throwingProxy(), undefined, 'payload', /./],
    ['U+0000 in metadata', {}, { metadata: { trace: 'a\u0000' } }, 'options.metadata.trace', /U\+0000/],
    ['U+0000 in tenantId', {}, { tenantId: 't\u0000' }, 'options.tenantId', /U\+0000/],
    ['a lone surrogate in groupKey', {}, { groupKey: 'g\ud800' }, 'options.groupKey', /lone surrogate/],
    ['U+0000 in uniqueKey', {}, { uniqueKey: '\u0000' }, 'options.uniqueKey', /U\+0000/],
  ])('%s', (_what, payload, options, field, message) => {
    expect(refusal(() => prepareJob(note, payload, options, context))).toEqual({
      field,
      message: expect.stringMatching(message),
    });
  });

  it('names the item of a bulk enqueue', () => {
    expect(refusal(() => prepareJob(note, { s: '\u0000' }, {}, { ...context, path: 'items[3]' }))).toEqual({
      field: 'items[3].payload.s',
      message: expect.stringContaining('U+0000'),
    });
  });

  it('blames an oversized delay on options.delay and says the maximum', () => {
    expect(refusal(() => prepareJob(note, {}, { delay: '99999999999999999999d' }, context))).toEqual({
      field: 'options.delay',
      message:
        'options.delay: "99999999999999999999d" is longer than the maximum of 36500d (about 100 years)',
    });
    expect(refusal(() => prepareJob(note, {}, { delay: 1e20 }, context))).toMatchObject({
      field: 'options.delay',
    });
  });

  it('refuses every duration and instant that would overflow a column, a Date or a timer', () => {
    expect(refusal(() => prepareJob(note, {}, { runAt: new Date(-8.6e15) }, context))).toMatchObject({
      field: 'options.runAt',
      message: expect.stringContaining('between 0001-01-01 and 9999-12-31'),
    });
    expect(refusal(() => prepareJob(note, {}, { timeout: '30d' }, context))).toMatchObject({
      field: 'options.timeout',
      message: expect.stringContaining('2147483647 ms'),
    });
    expect(
      refusal(() => prepareJob(note, {}, { uniqueKey: 'k', uniqueFor: '40000d' }, context)),
    ).toMatchObject({
      field: 'options.uniqueFor',
    });
    expect(
      refusal(() => prepareJob(note, {}, { backoff: { type: 'fixed', delay: '1e9d' as never } }, context)),
    ).toMatchObject({ field: 'options.backoff.delay' });
    expect(
      refusal(() =>
        prepareJob(
          note,
          {},
          { backoff: { type: 'exponential', delay: '1s', maxDelay: '99999999d' } },
          context,
        ),
      ),
    ).toMatchObject({ field: 'options.backoff.maxDelay' });
  });
});

describe('defineJob checks its defaults where they are written', () => {
  const define = (defaults: unknown) => () =>
    defineJob({ name: 'd', defaults: defaults as never, handler: () => null });
  it.each([
    [{ attempts: 1.5 }, 'defineJob.defaults.attempts', /whole number from 1 to 1000 .*got 1\.5$/],
    [{ attempts: 0 }, 'defineJob.defaults.attempts', /got 0/],
    [{ priority: Number.NaN }, 'defineJob.defaults.priority', /got NaN/],
    [{ priority: 1e12 }, 'defineJob.defaults.priority', /-1000000 to 1000000/],
    [{ timeout: '30d' }, 'defineJob.defaults.timeout', /2147483647 ms/],
    [{ timeout: 'soon' }, 'defineJob.defaults.timeout', /not a duration/],
    [{ uniqueFor: -1 }, 'defineJob.defaults.uniqueFor', /non-negative/],
    [
      { backoff: { type: 'linear', delay: '1s' } },
      'defineJob.defaults.backoff.type',
      /"fixed" or "exponential"/,
    ],
    [
      { backoff: { type: 'fixed', delay: '1s', jitter: Number.NaN } },
      'defineJob.defaults.backoff.jitter',
      /0 to 1/,
    ],
    [
      { backoff: { type: 'fixed', delay: '1s', dealy: 2 } },
      'defineJob.defaults.backoff.dealy',
      /not a backoff option/,
    ],
    [{ backoff: 'exponential' }, 'defineJob.defaults.backoff', /must be \{ type/],
    [{ attempt: 3 }, 'defineJob.defaults.attempt', /not a job default/],
    ['3 attempts', 'defineJob.defaults', /must be an object/],
  ])('refuses %j', (defaults, field, message) => {
    expect(refusal(define(defaults))).toEqual({ field, message: expect.stringMatching(message) });
  });

  it('accepts good defaults and a backoff function', () => {
    expect(refusal(define({ attempts: 1_000, priority: -5, timeout: '24d', uniqueFor: '1d' }))).toBe(
      'accepted',
    );
    expect(refusal(define({ backoff: () => 10 }))).toBe('accepted');
  });
});

describe('a bad job never fails the jobs enqueued beside it', () => {
  it('refuses the bad enqueue before the shared insert; its 15 neighbours commit', async () => {
    const conveyor = db.open({ jobs: [note], schema: 'neighbours' });
    await conveyor.migrate();
    const settled = await Promise.allSettled(
      Array.from({ length: 16 }, (_, n) => conveyor.enqueue(note, n === 7 ? { text: 'bad\u0000' } : { n })),
    );
    expect(settled.map((s) => s.status)).toEqual(
      Array.from({ length: 16 }, (_, n) => (n === 7 ? 'rejected' : 'fulfilled')),
    );
    expect((settled[7] as PromiseRejectedResult).reason).toMatchObject({
      field: 'payload.text',
      code: 'VALIDATION',
    });
    expect(await countJobs('neighbours')).toBe(15);
  });

  it('refuses a bad bulk enqueue whole, naming the item, inside a transaction too', async () => {
    const conveyor = db.open({ jobs: [note], schema: 'bulk' });
    await conveyor.migrate();
    const items = Array.from({ length: 10 }, (_, n) => ({ payload: n === 3 ? { k: '\ud800' } : { n } }));
    await expect(conveyor.enqueueMany(note, items)).rejects.toMatchObject({ field: 'items[3].payload.k' });
    const client = await import('pg').then(({ default: pg }) => new pg.Client({ connectionString: db.url }));
    await client.connect();
    try {
      await client.query('BEGIN');
      await expect(conveyor.enqueueMany(note, items, { tx: client })).rejects.toThrow(
        /^items\[3\]\.payload\.k: /,
      );
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    expect(await countJobs('bulk')).toBe(0);
  });

  it('isolates a job the database refuses in a coalesced insert (validation bypassed)', async () => {
    const conveyor = db.open({ jobs: [note], schema: 'coalesced' });
    await conveyor.migrate();
    const store = createPostgresStore(
      createPgDriver({ connectionString: db.url, logger: testLogger }),
      'coalesced',
    );
    try {
      const batcher = new InsertBatcher(
        async () => store,
        () => new Date(),
      );
      const bad = new Set([2, 9, 13]);
      const jobs = Array.from({ length: 16 }, (_, n) =>
        newJob({
          name: `job-${n}`,
          payload: n === 2 ? { s: 'nul \u0000' } : { n },
          tenantId: n === 9 ? 'tenant \u0000' : null,
          priority: n === 13 ? 1e12 : 0,
        }),
      );
      const settled = await Promise.allSettled(jobs.map((job) => batcher.insert(job)));
      expect(settled.map((s) => s.status)).toEqual(
        jobs.map((_, n) => (bad.has(n) ? 'rejected' : 'fulfilled')),
      );
      for (const n of bad) {
        const reason = (settled[n] as PromiseRejectedResult).reason as DatabaseRejectedError;
        expect(reason).toBeInstanceOf(DatabaseRejectedError);
        expect(reason.message).toMatch(new RegExp(`^job "job-${n}" \\(queue "q"\\) was not enqueued: `));
        expect(reason.sqlState).toMatch(/^22/);
      }
      expect(await countJobs('coalesced')).toBe(13);
    } finally {
      await store.close();
    }
  });
});
