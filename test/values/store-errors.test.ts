/**
 * The store's error classification (transient or permanent), batch splitting, and the flush
 * batcher's handling of each kind. Pure: the writes here are functions, not a database.
 */
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { DatabaseRejectedError, DatabaseTransientError } from '../../src/core/errors.ts';
import { writeIsolated } from '../../src/store/batch-isolation.ts';
import { isTransientStoreError, storeErrorFrom } from '../../src/store/store-errors.ts';
import { FlushBatcher } from '../../src/worker/flush-batcher.ts';

const withCode = (code: string, message = 'driver says no') => Object.assign(new Error(message), { code });

describe('storeErrorFrom', () => {
  it.each([
    ['08006', 'connection failure'],
    ['08001', 'cannot connect'],
    ['57P01', 'admin shutdown'],
    ['57P02', 'crash shutdown'],
    ['57P03', 'cannot connect now'],
    ['57014', 'statement timeout'],
    ['53100', 'disk full'],
    ['53300', 'too many connections'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['55P03', 'lock not available'],
    ['58030', 'I/O error'],
    ['28P01', 'password rotated'],
    ['3D000', 'database missing'],
    ['ECONNRESET', 'reset'],
    ['ECONNREFUSED', 'refused'],
    ['EPIPE', 'broken pipe'],
    ['ETIMEDOUT', 'timed out'],
  ])('%s (%s) is transient', (code) => {
    const error = storeErrorFrom(withCode(code));
    expect(error).toBeInstanceOf(DatabaseTransientError);
    expect(error.code).toBe('DATABASE_TRANSIENT');
    expect(isTransientStoreError(withCode(code))).toBe(true);
  });

  it.each([
    ['22P05', 'unsupported Unicode escape'],
    ['22P02', 'invalid JSON'],
    ['22003', 'integer out of range'],
    ['22008', 'timestamp out of range'],
    ['22021', 'U+0000 in text'],
    ['23505', 'unique violation'],
    ['23502', 'not null violation'],
    ['42601', 'syntax error'],
    ['42P01', 'undefined table'],
    ['54001', 'nesting too deep'],
    ['XX000', 'internal error'],
  ])('%s (%s) is permanent', (code) => {
    const error = storeErrorFrom(withCode(code));
    expect(error).toBeInstanceOf(DatabaseRejectedError);
    expect((error as DatabaseRejectedError).sqlState).toBe(code);
    expect(isTransientStoreError(withCode(code))).toBe(false);
  });

  it('treats lost connections without a code as transient and input errors as permanent', () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'Client has encountered a connection error and is not queryable',
      'Query read timeout',
    ]) {
      expect(storeErrorFrom(new Error(message)), message).toBeInstanceOf(DatabaseTransientError);
    }
    expect(storeErrorFrom(new TypeError('Do not know how to serialize a BigInt'))).toBeInstanceOf(
      DatabaseRejectedError,
    );
    expect(storeErrorFrom(new RangeError('Invalid time value'))).toBeInstanceOf(DatabaseRejectedError);
  });

  it('keeps a plain copy of the code and message, capped and storable, and never throws', () => {
    const error = storeErrorFrom(withCode('22P05', `bad \u0000 ${'x'.repeat(10_000)}`));
    expect(error.cause).toBeInstanceOf(Error);
    expect(Object.getPrototypeOf(error.cause)).toBe(Error.prototype);
    expect((error.cause as { code?: string }).code).toBe('22P05');
    expect(error.message.length).toBeLessThan(700);
    expect(error.message).not.toContain('\u0000');
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(storeErrorFrom(hostile)).toBeInstanceOf(DatabaseTransientError);
  });
});

describe('writeIsolated', () => {
  const refusing =
    (bad: Set<number>, calls: number[][] = []) =>
    async (batch: number[]): Promise<number[]> => {
      calls.push(batch);
      if (batch.some((n) => bad.has(n))) throw withCode('22P05');
      return batch.map((n) => n * 10);
    };

  it('writes a clean batch in one call', async () => {
    const calls: number[][] = [];
    const outcome = await writeIsolated([1, 2, 3], refusing(new Set(), calls));
    expect(calls).toEqual([[1, 2, 3]]);
    expect(outcome.written).toEqual([{ items: [1, 2, 3], result: [10, 20, 30] }]);
    expect(outcome.rejected).toEqual([]);
  });

  it('splits a refused batch until each refused item is alone', async () => {
    const calls: number[][] = [];
    const items = Array.from({ length: 1_000 }, (_, n) => n);
    const outcome = await writeIsolated(items, refusing(new Set([3, 777]), calls));
    expect(outcome.rejected.map((r) => [r.item, r.index, r.error.sqlState])).toEqual([
      [3, 3, '22P05'],
      [777, 777, '22P05'],
    ]);
    expect(outcome.written.flatMap((w) => w.items)).toEqual(items.filter((n) => n !== 3 && n !== 777));
    // Two bad items in 1,000: about 2 · 2 · log2(1000) statements, not 1,000.
    expect(calls.length).toBeLessThanOrEqual(1 + 4 * 10);
  });

  it('throws a transient failure without splitting', async () => {
    const calls: number[][] = [];
    const write = async (batch: number[]) => {
      calls.push(batch);
      throw withCode('ECONNRESET');
    };
    await expect(writeIsolated([1, 2, 3, 4], write)).rejects.toBeInstanceOf(DatabaseTransientError);
    expect(calls).toEqual([[1, 2, 3, 4]]);
  });
});

describe('FlushBatcher', () => {
  const log = pino({ level: 'silent' });

  it('retries a transient failure and abandons a permanent one at once', async () => {
    const attempts: string[] = [];
    const abandoned: string[][] = [];
    let resets = 2;
    const batcher = new FlushBatcher<string>(
      async (items) => {
        attempts.push(items.join());
        if (items.includes('bad')) throw withCode('22P05');
        if (resets-- > 0) throw withCode('ECONNRESET');
      },
      { log, what: 'test items', abandoned: (items) => abandoned.push(items) },
    );
    batcher.add('bad');
    expect(await batcher.drain()).toBe(true);
    batcher.add('a');
    batcher.add('b');
    expect(await batcher.drain()).toBe(true);
    expect(abandoned).toEqual([['bad']]);
    expect(attempts).toEqual(['bad', 'a,b', 'a,b', 'a,b']);
    batcher.dispose();
  });

  it('gives up draining at the bound while writes keep failing, and stops retrying once disposed', async () => {
    let attempts = 0;
    const batcher = new FlushBatcher<number>(
      async () => {
        attempts += 1;
        throw withCode('57P01');
      },
      { log, what: 'test items' },
    );
    vi.useFakeTimers();
    try {
      batcher.add(1);
      const drained = batcher.drain(120);
      await vi.advanceTimersByTimeAsync(200);
      expect(await drained).toBe(false);
      expect(attempts).toBeGreaterThan(1);
      expect(batcher.dispose()).toBe(1);
      const after = attempts;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(attempts).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });
});
