/**
 * Property-based suite (fast-check) for issue 12: arbitrary JSON-like and hostile values as
 * payloads, options, results, thrown values and progress. The invariant everywhere: a bad item gets
 * a clear error naming its field and nothing of it is written; its neighbours are unaffected; the
 * worker lives and every other job completes. The oracle of what PostgreSQL can store is written
 * independently of Conveyor's check (hostile-values.ts), and PostgreSQL itself is the final judge.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EnqueueOptions, type NewJob, prepareJob } from '../../src/core/enqueue-options.ts';
import { type ConveyorError, PayloadTooLargeError, ValidationError } from '../../src/core/errors.ts';
import { storableJson } from '../../src/core/storable-value.ts';
import { defineJob } from '../../src/index.ts';
import { createPgDriver } from '../../src/store/postgres/pg-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { attemptErrorFrom } from '../../src/worker/attempt-error.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { anyValueArb, HOSTILE_THROWN, jsonLikeArb, storableByOracle, textArb } from './hostile-values.ts';
import { trackOutcomes } from './outcome-tracker.ts';

const db = useConveyorDatabase();
const MAX_PAYLOAD = 256 * 1024;

/** JSON text with keys sorted at every level: compares values the way jsonb keeps them. */
function canonical(value: unknown): string {
  const sortKeys = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sortKeys);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.keys(node)
      .sort()
      .map((key) => [key, sortKeys((node as Record<string, unknown>)[key])]);
    return Object.fromEntries(entries);
  };
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

/** What JSON.stringify makes of a value, parsed back (null for what JSON omits). */
function asStored(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? 'null');
}

describe('properties of the checks (pure)', () => {
  it('storableJson agrees with the oracle, and refuses only with a ValidationError naming a path in the value', () => {
    const literalEscapes = fc.constantFrom('\\u0000', 'a\\\\u0000', '\\ud800', { '\\u0000': '\\ud83d' });
    fc.assert(
      fc.property(fc.oneof(anyValueArb, literalEscapes), (value) => {
        const storable = storableByOracle(value);
        let text: string | undefined;
        try {
          text = storableJson(value, 'payload');
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).field).toMatch(/^payload(\.|\[|$)/);
          expect((error as ValidationError).message.startsWith(`${(error as ValidationError).field}: `)).toBe(
            true,
          );
          expect(storable).toBe(false);
          return;
        }
        expect(storable).toBe(true);
        expect(text).toBe(JSON.stringify(value));
      }),
      { numRuns: 400 },
    );
  });

  it('attemptErrorFrom turns anything thrown into a plain, storable, capped error', () => {
    const thrownArb = fc.oneof(
      fc.anything({
        withBigInt: true,
        withMap: true,
        withSet: true,
        withTypedArray: true,
        withNullPrototype: true,
      }),
      anyValueArb,
      fc.constantFrom(...Object.values(HOSTILE_THROWN)).map((make) => make()),
      textArb.map((message) => new Error(message)),
    );
    fc.assert(
      fc.property(thrownArb, fc.integer({ min: 1, max: 1_000 }), (thrown, attempt) => {
        const error = attemptErrorFrom(thrown, attempt, new Date());
        expect(storableByOracle(error)).toBe(true);
        expect(JSON.parse(JSON.stringify(error))).toEqual(error);
        expect(error.message.length).toBeLessThanOrEqual(8_192 + 40);
        expect((error.stack ?? '').length).toBeLessThanOrEqual(16_384 + 40);
        expect(error.attempt).toBe(attempt);
      }),
      { numRuns: 300 },
    );
  });

  it('prepareJob accepts arbitrary options only into values every column can hold, else names the option', async () => {
    const job = defineJob<unknown>({ name: 'opts', queue: 'opts', handler: () => null });
    // Mostly valid values, so that many option sets pass and reach the database; sometimes not.
    const sometimes = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>) =>
      fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: invalid });
    const durationArb = sometimes(
      fc.oneof(fc.nat({ max: 86_400_000 }), fc.constantFrom('1s', '5m', '2h', '1d', '24d', '36500d')),
      fc.oneof(fc.double(), fc.constantFrom('25d', '36501d', '99999999999999999999d', 'soon', '', -1)),
    );
    const optionsArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
      {
        delay: durationArb,
        priority: sometimes(
          fc.integer({ min: -1_000_000, max: 1_000_000 }),
          fc.oneof(fc.double(), fc.constant(1e12)),
        ),
        attempts: sometimes(fc.integer({ min: 1, max: 1_000 }), fc.oneof(fc.double(), fc.integer())),
        backoff: fc.record(
          {
            type: sometimes(fc.constantFrom('fixed', 'exponential'), fc.constant('linear')),
            delay: durationArb,
            jitter: sometimes(fc.double({ min: 0, max: 1, noNaN: true }), fc.double()),
          },
          { requiredKeys: ['type', 'delay'] },
        ),
        timeout: durationArb,
        uniqueKey: textArb.filter((text) => text.length > 0 && text.length <= 512),
        uniqueFor: durationArb,
        tenantId: textArb.filter((text) => text.length > 0 && text.length <= 256),
        groupKey: textArb.filter((text) => text.length > 0 && text.length <= 256),
        metadata: fc.dictionary(fc.string({ maxLength: 4 }), anyValueArb, { maxKeys: 2 }),
      },
      { requiredKeys: [] },
    );
    const rarely = <T>(arb: fc.Arbitrary<T>, weight: number) =>
      fc.oneof({ weight, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
    const whenArb = rarely(
      sometimes(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.date(),
      ),
      3,
    );
    const bogusArb = rarely(fc.anything(), 10);
    const accepted: NewJob[] = [];
    fc.assert(
      fc.property(jsonLikeArb, optionsArb, whenArb, bogusArb, (payload, given, runAt, bogus) => {
        const options = {
          ...given,
          ...(runAt === null ? {} : { runAt, delay: undefined }),
          ...(bogus === null ? {} : { bogus }),
        };
        let prepared: NewJob;
        try {
          prepared = prepareJob(job, payload, options as EnqueueOptions, {
            now: new Date(),
            maxPayloadBytes: MAX_PAYLOAD,
          });
        } catch (error) {
          expect(error instanceof ValidationError || error instanceof PayloadTooLargeError).toBe(true);
          if (error instanceof ValidationError)
            expect(error.field).toMatch(/^(options|payload|defaults)(\.|\[|$)/);
          return;
        }
        expect(storableByOracle(prepared.payload)).toBe(true);
        expect(storableByOracle(prepared.metadata)).toBe(true);
        for (const text of [prepared.tenantId, prepared.groupKey, prepared.uniqueKey]) {
          expect(storableByOracle(text)).toBe(true);
        }
        expect(Number.isInteger(prepared.priority) && Math.abs(prepared.priority) <= 1_000_000).toBe(true);
        expect(Number.isInteger(prepared.maxAttempts) && prepared.maxAttempts >= 1).toBe(true);
        expect(prepared.timeoutMs === null || prepared.timeoutMs <= 2_147_483_647).toBe(true);
        expect(prepared.runAt.getFullYear()).toBeLessThanOrEqual(9999);
        accepted.push(prepared);
      }),
      { numRuns: 300 },
    );
    // PostgreSQL is the judge: every accepted job goes into one insert (each unique key once).
    const byKey = new Map<string, NewJob>();
    const keyless = accepted.filter((prepared) => {
      if (prepared.uniqueKey === null) return true;
      byKey.set(prepared.uniqueKey, prepared);
      return false;
    });
    const jobs = [...keyless, ...byKey.values()];
    expect(jobs.length).toBeGreaterThan(10);
    const store = createPostgresStore(
      createPgDriver({ connectionString: db.url, logger: testLogger }),
      'opts',
    );
    try {
      await store.migrate();
      const inserted = await store.jobInsertMany({ jobs, now: new Date() });
      expect(inserted).toHaveLength(jobs.length);
    } finally {
      await store.close();
    }
  });
});

describe('properties end to end (PostgreSQL)', () => {
  it('a batch of concurrent enqueues: each stores exactly its JSON or is refused alone, naming the payload', async () => {
    const note = defineJob<unknown>({ name: 'note', queue: 'notes', handler: () => null });
    const conveyor = db.open({ jobs: [note], schema: 'payloads', maxPayloadBytes: MAX_PAYLOAD });
    await conveyor.migrate();
    await fc.assert(
      fc.asyncProperty(fc.array(anyValueArb, { minLength: 1, maxLength: 8 }), async (payloads) => {
        const [before] = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM payloads.jobs');
        const settled = await Promise.allSettled(payloads.map((payload) => conveyor.enqueue(note, payload)));
        for (const [index, outcome] of settled.entries()) {
          const payload = payloads[index];
          if (outcome.status === 'rejected') {
            const error = outcome.reason as ConveyorError;
            expect(['VALIDATION', 'PAYLOAD_TOO_LARGE']).toContain(error.code);
            if (error instanceof ValidationError) {
              expect(error.field).toMatch(/^payload(\.|\[|$)/);
              expect(storableByOracle(payload)).toBe(false);
            }
            continue;
          }
          expect(storableByOracle(payload)).toBe(true);
          const record = await conveyor.getJob(outcome.value.id);
          expect(canonical(record?.payload)).toBe(canonical(asStored(payload)));
        }
        const [after] = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM payloads.jobs');
        expect(after!.n - before!.n).toBe(settled.filter((s) => s.status === 'fulfilled').length);
      }),
      { numRuns: 25 },
    );
  });

  it('results, progress and thrown values: the worker lives and every job ends as its value allows', async () => {
    // The handler returns (or throws) the value at its payload's index, after reporting it as progress.
    const values: unknown[] = [];
    const progressSeen = new Map<number, string>();
    const echo = defineJob<{ index: number; thrown: boolean }>({
      name: 'echo',
      queue: 'echo',
      defaults: { attempts: 1 },
      handler: async ({ payload, progress }) => {
        const value = values[payload.index];
        try {
          await progress(value);
          progressSeen.set(payload.index, 'stored');
        } catch (error) {
          progressSeen.set(payload.index, (error as ValidationError).field ?? 'other error');
        }
        if (payload.thrown) throw value;
        return value;
      },
    });
    const conveyor = db.open({ jobs: [echo], schema: 'echo' });
    const outcomes = trackOutcomes(conveyor);
    const worker = await conveyor.worker({ queues: ['echo'], concurrency: 8 }).start();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(anyValueArb, fc.boolean()), { minLength: 1, maxLength: 8 }),
        async (cases) => {
          const indexes = cases.map(([value]) => values.push(value) - 1);
          const jobs = await Promise.all(
            cases.map(([, thrown], n) => conveyor.enqueue(echo, { index: indexes[n]!, thrown })),
          );
          const finals = await outcomes.until(jobs.map((job) => job.id));
          for (const [n, [value, thrown]] of cases.entries()) {
            const { id } = jobs[n]!;
            const storable = storableByOracle(value);
            const seen = progressSeen.get(indexes[n]!);
            if (storable) expect(seen).toBe('stored');
            else expect(seen).toMatch(/^progress(\.|\[|$)|^other error$/);
            const record = await conveyor.getJob(id);
            if (!thrown && storable && !isThenable(value)) {
              expect(finals[id]).toBe('completed');
              expect(canonical(record?.result)).toBe(canonical(asStored(value)));
            } else {
              expect(finals[id]).toBe('dead');
              const [error] = record?.errors ?? [];
              expect(storableByOracle(error)).toBe(true);
              if (!thrown && !isThenable(value)) expect(error?.message).toMatch(/^result(\.|\[|:)/);
            }
          }
          expect(worker.state).toBe('running');
        },
      ),
      { numRuns: 8 },
    );
  });
});

/** A value the promise machinery reads `then` from (a Proxy refusing traps counts: reading throws). */
function isThenable(value: unknown): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}
