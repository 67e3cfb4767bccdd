/**
 * Issue 12, defect 2: one bad value must not poison the outcomes written with it. A result or
 * progress value PostgreSQL cannot store fails that attempt alone, naming the path; an error message
 * is sanitized and capped; a completion the database still refuses becomes a failed attempt
 * (RESULT_REJECTED); and stop() returns even while writes keep failing.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { defineJob, type JobRecord } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { circular, nested } from './hostile-values.ts';
import { trackOutcomes } from './outcome-tracker.ts';

const db = useConveyorDatabase();

const BAD_RESULTS: Record<string, { value: () => unknown; field: RegExp; message: RegExp }> = {
  nul: {
    value: () => ({ items: [{}, {}, {}, { name: 'a\u0000b' }] }),
    field: /^result\.items\[3\]\.name$/,
    message: /^result\.items\[3\]\.name: contains U\+0000, which PostgreSQL cannot store/,
  },
  loneSurrogate: {
    value: () => ({ text: 'cut \ud83d' }),
    field: /^result\.text$/,
    message: /lone surrogate \(U\+D83D at index 4\)/,
  },
  nulKey: {
    value: () => ({ meta: { 'a\u0000b': 1 } }),
    field: /^result\.meta\["a\\u0000b"\]$/,
    message: /its key contains U\+0000/,
  },
  cycle: { value: circular, field: /^result\.self$/, message: /circular reference/ },
  bigint: { value: () => ({ total: 12n }), field: /^result\.total$/, message: /is a BigInt/ },
  deep: { value: () => nested(1_001), field: /^result(\[0\]){1000}$/, message: /nests deeper than 1000/ },
  toJSON: {
    value: () => ({
      toJSON() {
        throw new Error('nope');
      },
    }),
    field: /^result$/,
    message: /toJSON\(\) threw: nope/,
  },
};

const produce = defineJob<{ kind: string }>({
  name: 'produce',
  queue: 'results',
  defaults: { attempts: 1 },
  handler: ({ payload }) => BAD_RESULTS[payload.kind]?.value() ?? { ok: payload.kind },
});

function failureOf(record: JobRecord | null) {
  return record?.errors[0];
}

describe('a value PostgreSQL cannot store fails only its own attempt', () => {
  it('fails each unstorable result, naming its path, while the results around it complete', async () => {
    const conveyor = db.open({ jobs: [produce], schema: 'results' });
    const outcomes = trackOutcomes(conveyor);
    await conveyor.worker({ queues: ['results'], concurrency: 20 }).start();
    const kinds = Object.keys(BAD_RESULTS);
    const bad = await Promise.all(kinds.map((kind) => conveyor.enqueue(produce, { kind })));
    const good = await Promise.all(
      Array.from({ length: 30 }, (_, n) => conveyor.enqueue(produce, { kind: `fine-${n}` })),
    );
    const finals = await outcomes.until([...bad, ...good].map((job) => job.id));
    expect(bad.map((job) => finals[job.id])).toEqual(kinds.map(() => 'dead'));
    expect(good.map((job) => finals[job.id])).toEqual(good.map(() => 'completed'));
    for (const [index, kind] of kinds.entries()) {
      const error = failureOf(await conveyor.getJob(bad[index]!.id));
      expect(error?.code, kind).toBe('VALIDATION');
      expect(error?.message, kind).toMatch(BAD_RESULTS[kind]!.message);
      expect(error?.message.split(': ')[0], kind).toMatch(BAD_RESULTS[kind]!.field);
    }
    expect((await conveyor.getJob(good[7]!.id))?.result).toEqual({ ok: 'fine-7' });
  });

  it('stores error messages and stacks sanitized and capped', async () => {
    const fail = defineJob<{ size: number }>({
      name: 'fail',
      queue: 'errors',
      defaults: { attempts: 1 },
      handler: ({ payload }) => {
        const error = new Error(`nul \u0000, lone \udc00, then ${'m'.repeat(payload.size)}`);
        error.stack = `Error: stack \u0000\n${'    at frame\n'.repeat(payload.size / 10)}`;
        throw error;
      },
    });
    const ok = defineJob<null>({ name: 'ok', queue: 'errors', handler: () => 'fine' });
    const conveyor = db.open({ jobs: [fail, ok], schema: 'errors' });
    const outcomes = trackOutcomes(conveyor);
    await conveyor.worker({ queues: ['errors'], concurrency: 10 }).start();
    const failing = await Promise.all([10, 1_000_000].map((size) => conveyor.enqueue(fail, { size })));
    const fine = await Promise.all(Array.from({ length: 10 }, () => conveyor.enqueue(ok, null)));
    const finals = await outcomes.until([...failing, ...fine].map((job) => job.id));
    expect(Object.values(finals)).toEqual([...failing.map(() => 'dead'), ...fine.map(() => 'completed')]);

    const small = failureOf(await conveyor.getJob(failing[0]!.id));
    expect(small?.message).toBe(`nul \ufffd, lone \ufffd, then ${'m'.repeat(10)}`);
    expect(small?.stack?.startsWith('Error: stack \ufffd\n')).toBe(true);
    const huge = failureOf(await conveyor.getJob(failing[1]!.id));
    const marker = `… [${'nul _, lone _, then '.length + 1_000_000 - 8_192} more characters cut]`;
    expect(huge?.message).toHaveLength(8_192 + marker.length);
    expect(huge?.message.endsWith(marker)).toBe(true);
    expect(huge?.stack?.length).toBeLessThan(16_384 + 40);
    const [run] = await sql<{ n: number }>(
      db.url,
      `SELECT max(length(error::text))::int AS n FROM errors.job_runs WHERE job_id = $1`,
      [failing[1]!.id],
    );
    expect(run?.n).toBeLessThan(30_000);
  });

  it('refuses unstorable progress with a ValidationError and writes nothing', async () => {
    const seen: { field?: string; code?: string; message: string }[] = [];
    const report = defineJob<null>({
      name: 'report',
      queue: 'progress',
      handler: async ({ progress }) => {
        await progress({ pct: 10 });
        for (const value of [{ note: 'a\u0000' }, { items: [1, 12n] }, circular(), 'x\ud800']) {
          try {
            await progress(value);
            seen.push({ message: 'accepted' });
          } catch (error) {
            const { field, code, message } = error as { field?: string; code?: string; message: string };
            seen.push({ field, code, message });
          }
        }
        return 'done';
      },
    });
    const conveyor = db.open({ jobs: [report], schema: 'progress' });
    const outcomes = trackOutcomes(conveyor);
    const progressEvents: unknown[] = [];
    conveyor.on('job:progress', ({ progress }) => progressEvents.push(progress));
    await conveyor.worker({ queues: ['progress'] }).start();
    const { id } = await conveyor.enqueue(report, null);
    expect(await outcomes.until([id])).toEqual({ [id]: 'completed' });
    expect(seen.map((s) => [s.code, s.field])).toEqual([
      ['VALIDATION', 'progress.note'],
      ['VALIDATION', 'progress.items[1]'],
      ['VALIDATION', 'progress.self'],
      ['VALIDATION', 'progress'],
    ]);
    expect(progressEvents).toEqual([{ pct: 10 }]);
  });

  it('turns a completion the database refuses into a failed attempt, retried, without blocking others', async () => {
    // A result whose toJSON is clean when checked and holds U+0000 when written: the check cannot
    // see it, the database refuses it, and only this job's completion may suffer.
    let calls = 0;
    const sly = defineJob<null>({
      name: 'sly',
      queue: 'sly',
      defaults: { attempts: 2, backoff: { type: 'fixed', delay: 0 } },
      handler: ({ job }) =>
        job.attempt === 1 ? { toJSON: () => (calls++ === 0 ? 'clean' : 'dirty \u0000') } : 'clean at last',
    });
    const ok = defineJob<{ n: number }>({ name: 'ok', queue: 'sly', handler: ({ payload }) => payload.n });
    const conveyor = db.open({ jobs: [sly, ok], schema: 'sly' });
    const outcomes = trackOutcomes(conveyor);
    await conveyor.worker({ queues: ['sly'], concurrency: 20 }).start();
    const [first] = await Promise.all([
      conveyor.enqueue(sly, null),
      ...Array.from({ length: 5 }, (_, n) => conveyor.enqueue(ok, { n })),
    ]);
    const others = await Promise.all(Array.from({ length: 20 }, (_, n) => conveyor.enqueue(ok, { n })));
    const finals = await outcomes.until([first!.id, ...others.map((job) => job.id)]);
    expect(Object.values(finals)).toEqual([first, ...others].map(() => 'completed'));
    expect((await conveyor.getJob(first!.id))?.result).toBe('clean at last');
    const runs = await sql<{ status: string; error: { code?: string; message?: string } | null }>(
      db.url,
      'SELECT status, error FROM sly.job_runs WHERE job_id = $1 ORDER BY id',
      [first!.id],
    );
    expect(runs.map((run) => [run.status, run.error?.code ?? null])).toEqual([
      ['failed', 'RESULT_REJECTED'],
      ['completed', null],
    ]);
    expect(runs[0]?.error?.message).toBe(
      'the database refused to store the handler result (SQLSTATE 22P05: unsupported Unicode escape sequence)',
    );
  });

  it('stops within the shutdown deadline while the completion write keeps failing', async () => {
    // Every write that waits for a row lock fails after 100 ms (55P03, transient): while the test
    // holds the job's row lock, the completion is retried and never lands.
    const [{ current }] = (await sql<{ current: string }>(
      db.url,
      'SELECT current_database() AS current',
    )) as [{ current: string }];
    await sql(db.url, `ALTER DATABASE ${current} SET lock_timeout = '100ms'`);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = defineJob<null>({ name: 'held', queue: 'held', handler: () => gate.then(() => 'late') });
    const conveyor = db.open({ jobs: [held], schema: 'held' });
    const worker = await conveyor.worker({ queues: ['held'], shutdownTimeout: '300ms' }).start();
    const active = conveyor.once('job:active');
    const { id } = await conveyor.enqueue(held, null);
    await active;
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM held.jobs WHERE id = $1 FOR UPDATE', [id]);
      release();
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        worker.stop().then(() => 'stopped' as const),
        new Promise<'still waiting'>((resolve) => {
          timer = setTimeout(() => resolve('still waiting'), 10_000);
        }),
      ]);
      clearTimeout(timer);
      expect(stopped).toBe('stopped');
      const { rows } = await locker.query('SELECT state FROM held.jobs WHERE id = $1', [id]);
      // Not written: still active under the (now removed) lease, for the rescuer.
      expect(rows[0]?.state).toBe('active');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
      await sql(db.url, `ALTER DATABASE ${current} RESET lock_timeout`);
    }
  });
});
