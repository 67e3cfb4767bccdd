/**
 * The bus's pure parts: UUIDv7 ids sort by time; type patterns and their LIKE form agree; NOTIFY
 * notices stay under 8,000 bytes however many streams a batch touches; defineEvent, upcasting and
 * the backoff factor refuse bad input naming the field.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backoffDelay, normalizeBackoff } from '../../src/core/backoff.ts';
import { upcastPayload } from '../../src/events/event-definition.ts';
import { likeMatches } from '../../src/events/event-relay.ts';
import { assertPattern, likePattern, matchesPattern } from '../../src/events/event-subscriptions.ts';
import { noticePayloads } from '../../src/events/local-event-fanout.ts';
import { uuidv7 } from '../../src/events/uuidv7.ts';
import { createEventBus, defineEvent, PubSubEventBus, ValidationError } from '../../src/index.ts';

describe('event bus building blocks', () => {
  it('makes UUIDv7 ids that are unique and sort by creation time, even within a millisecond', () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => uuidv7(1_700_000_000_000 + Math.floor(i / 1_000)));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids.slice(0, 10))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]!.replace(/-/g, '').slice(0, 12)).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
  });

  it('matches type patterns the same way in code and in SQL LIKE form', () => {
    const cases: [string, string, boolean][] = [
      ['card.*', 'card.transition', true],
      ['card.*', 'cards.x', false],
      ['*', 'anything', true],
      ['order_status', 'order_status', true],
      ['order_status', 'orderXstatus', false],
      ['order.created', 'order.created.v2', false],
    ];
    for (const [pattern, type, expected] of cases) {
      expect(matchesPattern(assertPattern(pattern, 'p'), type)).toBe(expected);
      expect(likeMatches(likePattern(pattern), type)).toBe(expected);
    }
    expect(likePattern('order_status')).toBe('order\\_status');
    for (const bad of ['', 'card.*.x', '*card', 'a b', 42]) {
      expect(() => assertPattern(bad, 'typeOrPattern')).toThrow(ValidationError);
    }
  });

  it('splits fan-out notices under the NOTIFY limit, naming ranges only', () => {
    const ranges: [string, number, number][] = Array.from({ length: 400 }, (_, i) => [
      `tenant-${'x'.repeat(200)}-${i}`,
      i,
      i + 5,
    ]);
    const notices = noticePayloads('origin', ranges);
    expect(notices.length).toBeGreaterThan(1);
    for (const notice of notices) expect(Buffer.byteLength(notice)).toBeLessThan(8_000);
    const back = notices.flatMap((n) => (JSON.parse(n) as { r: [string, number, number][] }).r);
    expect(back).toEqual(ranges);
  });

  it('refuses bad definitions and missing upcasters, naming the field', () => {
    const schema = z.object({ a: z.string() });
    expect(() => defineEvent({ type: 'bad type', schema })).toThrow(/defineEvent.type/);
    expect(() => defineEvent({ type: 'x.y', version: 0, schema })).toThrow(/defineEvent.version/);
    expect(() => defineEvent({ type: 'x.y', schema: {} as never })).toThrow(/defineEvent.schema/);
    expect(() => defineEvent({ type: 'x.y', version: 2, schema, upcasters: { 2: (p: never) => p } })).toThrow(
      /defineEvent.upcasters.2/,
    );
    const v3 = defineEvent({
      type: 'x.y',
      version: 3,
      schema,
      upcasters: { 2: (p: { a: string }) => ({ ...p, b: 1 }) },
    });
    expect(upcastPayload(v3, 2, { a: 'z' })).toEqual({ a: 'z', b: 1 });
    expect(() => upcastPayload(v3, 1, { a: 'z' })).toThrow(/no upcaster from version 1 to 2/);
  });

  it('grows exponential backoff by its factor, and refuses a bad one', () => {
    const policy = normalizeBackoff({ type: 'exponential', delay: '1s', factor: 4 }, 'backoff');
    expect([1, 2, 3].map((n) => backoffDelay(policy, n))).toEqual([1_000, 4_000, 16_000]);
    const doubling = normalizeBackoff({ type: 'exponential', delay: '1s' }, 'backoff');
    expect(doubling).not.toHaveProperty('factor');
    expect([1, 2, 3].map((n) => backoffDelay(doubling, n))).toEqual([1_000, 2_000, 4_000]);
    expect(() => normalizeBackoff({ type: 'exponential', delay: '1s', factor: 0.5 }, 'backoff')).toThrow(
      /backoff.factor/,
    );
  });

  it('refuses a bus without a Conveyor, naming the field', () => {
    expect(() => createEventBus({ conveyor: {} as never })).toThrow(/createEventBus.conveyor/);
    expect(() => createEventBus(undefined as never)).toThrow(ValidationError);
  });

  it('refuses a seed-style publish of a type it has no definition for, and a tenant subscription without a tenant', async () => {
    const down = {
      ping: () => Promise.reject(new Error('database unreachable')),
    } as unknown as Parameters<typeof createEventBus>[0]['conveyor'];
    const facade = new PubSubEventBus({} as never, { events: [], conveyor: down });
    await expect(facade.publish({ type: 'order.created', tenantId: 'acme' })).rejects.toMatchObject({
      field: 'event.type',
    });
    await expect(facade.subscribeTenant('', () => {})).rejects.toMatchObject({ field: 'tenantId' });
    expect(await facade.ping()).toBe(false);
  });
});
