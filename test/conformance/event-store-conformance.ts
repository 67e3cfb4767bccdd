/**
 * The event slice of the store conformance suite: every Store adapter must pass it unchanged.
 * Streams are named per test, so tests need no reset of the event tables.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent, Store } from '../../src/store/store.ts';
import { newJob } from '../support/new-job.ts';

const T0 = new Date('2030-01-01T00:00:00.000Z');

function event(stream: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id: randomUUID(),
    stream,
    type: 'card.transition',
    schemaVersion: 1,
    source: 'test',
    tenantId: stream === '' ? null : stream,
    correlationId: null,
    causationId: null,
    occurredAt: T0,
    payload: { n: 1 },
    ...overrides,
  };
}

export function describeEventStoreConformance(
  adapter: string,
  open: () => Promise<{ store: Store; close(): Promise<void> }>,
): void {
  describe(`EventStore conformance: ${adapter}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
      await store.migrate();
    });
    afterAll(async () => {
      await close?.();
    });
    const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

    it('numbers each stream from 1 across batches, in input order, the global stream too', async () => {
      const [a, b] = [unique('a'), unique('b')];
      const first = await store.eventPublishMany({ events: [event(a), event(b), event(a), event('')] });
      expect(first.map((r) => [r.stream, r.sequence])).toEqual([
        [a, 1],
        [b, 1],
        [a, 2],
        ['', expect.any(Number)],
      ]);
      const second = await store.eventPublishMany({ events: [event(b), event(a)] });
      expect(second.map((r) => r.sequence)).toEqual([2, 3]);
      const since = await store.eventListSince({ stream: a, afterSequence: 1, limit: 10 });
      expect(since).toMatchObject({ lastSequence: 3, prunedSequence: 0 });
      expect(since?.events.map((e) => e.sequence)).toEqual([2, 3]);
      expect(since?.events[0]).toMatchObject({ type: 'card.transition', tenantId: a, payload: { n: 1 } });
      expect(await store.eventListSince({ stream: unique('none'), afterSequence: 0, limit: 10 })).toBeNull();
    });

    it('dispatches a batch with its jobs only from the position it read', async () => {
      const s = unique('d');
      await store.eventPublishMany({ events: [event(s), event(s)] });
      const pending = (await store.eventListUndispatched({ streams: 1_000, perStream: 10 })).filter(
        (e) => e.stream === s,
      );
      expect(pending.map((e) => [e.sequence, e.from])).toEqual([
        [1, 0],
        [2, 0],
      ]);
      const jobs = pending.map((e) =>
        newJob({ queue: 'events', name: 'event:x', payload: { id: e.id }, uniqueKey: `x:${e.id}` }),
      );
      const won = await store.eventDispatch({ advances: [{ stream: s, from: 0, to: 2 }], jobs, now: T0 });
      expect(won.dispatched).toBe(true);
      expect(won.jobs.every((j) => j.created)).toBe(true);
      // A second relay that read the same position writes nothing.
      const lost = await store.eventDispatch({
        advances: [{ stream: s, from: 0, to: 2 }],
        jobs: [newJob({ name: 'dup' })],
        now: T0,
      });
      expect(lost).toEqual({ dispatched: false, jobs: [] });
      expect(await store.jobList({ filter: { name: 'dup' }, limit: 10 })).toEqual([]);
      expect(
        (await store.eventListUndispatched({ streams: 1_000, perStream: 10 })).some((e) => e.stream === s),
      ).toBe(false);
    });

    it('keeps a fan-out position per sink, advanced only forward', async () => {
      const sink = unique('sink');
      const s = unique('f');
      await store.eventSinkRegister({ sink, now: T0 });
      await store.eventPublishMany({ events: [event(s), event(s), event(s)] });
      const mine = async () =>
        (await store.eventListUnfanned({ sink, streams: 1_000, perStream: 2 })).filter((e) => e.stream === s);
      expect((await mine()).map((e) => e.sequence)).toEqual([1, 2]);
      await store.eventFanoutAdvance({ sink, positions: [{ stream: s, sequence: 2 }] });
      await store.eventFanoutAdvance({ sink, positions: [{ stream: s, sequence: 1 }] });
      expect((await mine()).map((e) => e.sequence)).toEqual([3]);
      await store.eventFanoutNotify({ payload: '{"o":"x","r":[]}' });
    });

    it('prunes old dispatched events only, and records how far history has gaps', async () => {
      const s = unique('p');
      const old = new Date(T0.getTime() - 86_400_000);
      await store.eventPublishMany({
        events: [event(s, { occurredAt: old }), event(s, { occurredAt: old }), event(s)],
      });
      const pending = (await store.eventListUndispatched({ streams: 1_000, perStream: 10 })).filter(
        (e) => e.stream === s,
      );
      await store.eventDispatch({ advances: [{ stream: s, from: 0, to: 1 }], jobs: [], now: T0 });
      expect(pending).toHaveLength(3);
      expect(await store.eventPrune({ before: T0, limit: 1_000 })).toBeGreaterThanOrEqual(1);
      const since = await store.eventListSince({ stream: s, afterSequence: 0, limit: 10 });
      expect(since?.prunedSequence).toBe(1);
      expect(since?.events.map((e) => e.sequence)).toEqual([2, 3]);
      const window = await store.eventListWindow({
        stream: s,
        since: old,
        until: T0,
        pattern: 'card.%',
        afterSequence: 0,
        limit: 10,
      });
      expect(window.map((e) => e.sequence)).toEqual([2]);
    });
  });
}
