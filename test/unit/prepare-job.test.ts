import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { prepareJob } from '../../src/core/enqueue-options.ts';
import { PayloadTooLargeError, ValidationError } from '../../src/core/errors.ts';
import { defineJob } from '../../src/index.ts';

const now = new Date('2030-01-01T00:00:00Z');
const digest = defineJob({
  name: 'digest',
  queue: 'emails',
  schema: z.object({ userId: z.string().uuid(), count: z.number().int().default(1) }),
  defaults: { attempts: 5, backoff: { type: 'fixed', delay: '1s' }, timeout: '30s', priority: 3 },
  handler: async () => null,
});
const ctx = { now, maxPayloadBytes: 1_000 };
const userId = '7f1c0b7e-8a3e-4c53-9f0e-6f3b3f1c2d4e';

describe('prepareJob', () => {
  it('applies schema output and definition defaults', () => {
    const job = prepareJob(digest, { userId }, { tenantId: 't1' }, ctx);
    expect(job).toMatchObject({
      queue: 'emails',
      name: 'digest',
      payload: { userId, count: 1 },
      priority: 3,
      maxAttempts: 5,
      timeoutMs: 30_000,
      tenantId: 't1',
      groupKey: 't1',
      backoff: { type: 'fixed', delayMs: 1_000, maxDelayMs: null, jitter: 0 },
    });
    expect(job.runAt).toEqual(now);
  });

  it('resolves delay, runAt and a unique window against now', () => {
    const delayed = prepareJob(digest, { userId }, { delay: '5m', uniqueKey: 'k', uniqueFor: '1h' }, ctx);
    expect(delayed.runAt.getTime() - now.getTime()).toBe(300_000);
    expect(delayed.uniqueUntil?.getTime()).toBe(now.getTime() + 3_600_000);
    const at = new Date('2031-01-01T00:00:00Z');
    expect(prepareJob(digest, { userId }, { runAt: at }, ctx).runAt).toBe(at);
  });

  it('names the payload field that fails the schema', () => {
    const attempt = () => prepareJob(digest, { userId: 'not-a-uuid' }, {}, ctx);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/^payload\.userId: /);
  });

  it('names the option that is wrong, including unknown ones', () => {
    expect(() => prepareJob(digest, { userId }, { priority: 1.5 }, ctx)).toThrow(/options\.priority/);
    expect(() => prepareJob(digest, { userId }, { attempts: 0 }, ctx)).toThrow(/options\.attempts/);
    expect(() => prepareJob(digest, { userId }, { delay: 'soon' }, ctx)).toThrow(/options\.delay/);
    expect(() => prepareJob(digest, { userId }, { delay: '1s', runAt: now }, ctx)).toThrow(
      /either delay or runAt/,
    );
    expect(() => prepareJob(digest, { userId }, { dealy: '1s' } as never, ctx)).toThrow(/options/);
    expect(() => prepareJob(digest, { userId }, { uniqueFor: '1h' }, ctx)).toThrow(
      /options\.uniqueFor: needs a uniqueKey/,
    );
    expect(() =>
      prepareJob(digest, { userId }, { backoff: { type: 'exponential', delay: 'x' } }, ctx),
    ).toThrow(/options\.backoff\.delay/);
    const wrong: [unknown, RegExp][] = [
      [{ dealy: '1s' }, /^options: has an unknown key "dealy"/],
      ['fast', /^options: must be an object/],
      [{ runAt: '2030-01-01' }, /^options\.runAt: must be a Date/],
      [{ tenantId: 7 }, /^options\.tenantId: must be a string of 1 to 256/],
      [{ groupKey: '' }, /^options\.groupKey: must be a string/],
      [{ uniqueKey: 'k'.repeat(513) }, /^options\.uniqueKey: must be a string of 1 to 512/],
      [{ metadata: ['a'] }, /^options\.metadata: must be an object/],
      [{ timeout: true }, /^options\.timeout: must be milliseconds or a duration/],
      [
        { backoff: { type: 'linear', delay: 1 } },
        /^options\.backoff\.type: must be 'fixed' or 'exponential'/,
      ],
      [
        { backoff: { type: 'fixed', delay: 1, jitter: 2 } },
        /^options\.backoff\.jitter: must be a number from 0 to 1/,
      ],
      [{ backoff: { type: 'fixed', delay: 1, extra: 1 } }, /^options\.backoff: has an unknown key "extra"/],
    ];
    for (const [options, message] of wrong) {
      expect(() => prepareJob(digest, { userId }, options as never, ctx)).toThrow(message);
    }
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys for you');
        },
      },
    );
    expect(() => prepareJob(digest, { userId }, trap, ctx)).toThrow(
      /^options: cannot be read: no keys for you/,
    );
  });

  it('rejects payloads over the size limit', () => {
    const big = defineJob<{ blob: string }>({ name: 'big', handler: async () => null });
    expect(() => prepareJob(big, { blob: 'x'.repeat(2_000) }, {}, ctx)).toThrow(PayloadTooLargeError);
    expect(() => prepareJob(big, undefined as never, {}, ctx)).toThrow(/payload: is required/);
  });

  it('prefixes fields with the item path in bulk enqueues', () => {
    expect(() => prepareJob(digest, { userId: 1 }, {}, { ...ctx, path: 'items[3]' })).toThrow(
      /^items\[3\]\.payload\.userId/,
    );
  });
});

describe('defineJob', () => {
  it('rejects bad names and missing handlers by field', () => {
    expect(() => defineJob({ name: 'has space', handler: async () => null })).toThrow(/defineJob\.name/);
    expect(() => defineJob({ name: 'ok', queue: '', handler: async () => null })).toThrow(/defineJob\.queue/);
    expect(() => defineJob({ name: 'ok', handler: undefined as never })).toThrow(/defineJob\.handler/);
  });
});
