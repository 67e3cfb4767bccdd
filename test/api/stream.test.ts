/**
 * GET /stream over real HTTP (createApiServer, fetch and a stream reader): a worker completes jobs
 * of two tenants while an unscoped and two acme-scoped streams are open. The unscoped stream sees
 * every job complete; the acme streams see acme's and never a globex job; streams of one scope share
 * one poller; closing the last client of a scope stops its poller; settled() ends open streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, createApiKey, createApiServer } from '../../src/api/index.ts';
import { StreamHub } from '../../src/api/stream-hub.ts';
import { internalsOf } from '../../src/client/conveyor-internals.ts';
import { ALL_TENANTS, tenantScope } from '../../src/core/scope.ts';
import { type Conveyor, defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();
const tick = defineJob({ name: 'tick', queue: 'live', handler: async () => ({ ok: true }) });

interface SseEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: events are read field by field.
  data: any;
}

/** A client of the stream: collects events as they arrive. */
class StreamClient {
  readonly events: SseEvent[] = [];
  raw = '';
  ended = false;
  readonly #abort = new AbortController();
  #reading: Promise<void> = Promise.resolve();

  async open(url: string, key: string): Promise<Response> {
    const response = await fetch(`${url}/api/v1/stream`, {
      headers: { authorization: `Bearer ${key}` },
      signal: this.#abort.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.#reading = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          this.raw += value;
          buffer += value;
          const blocks = buffer.split('\n\n');
          buffer = blocks.pop() ?? '';
          for (const block of blocks) {
            const event = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (event && data) this.events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted by close()
      }
      this.ended = true;
    })();
    return response;
  }

  /** Job ids and their last state seen in `jobs` events. */
  states(): Map<string, string | null> {
    const map = new Map<string, string | null>();
    for (const e of this.events) {
      if (e.event === 'jobs') for (const job of e.data.changed) map.set(job.id, job.state);
    }
    return map;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#reading;
  }

  async finished(): Promise<void> {
    await this.#reading;
  }
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let conveyor: Conveyor;
let server: ApiServer;
let url: string;
const keys: Record<'viewer' | 'acme', string> = { viewer: '', acme: '' };

beforeAll(async () => {
  conveyor = db.open({ jobs: [tick] });
  const store = await internalsOf(conveyor).store();
  keys.viewer = (await createApiKey(store, { name: 'all', role: 'viewer' }, new Date())).key;
  keys.acme = (await createApiKey(store, { name: 'acme', role: 'viewer', tenantId: 'acme' }, new Date())).key;
  server = createApiServer({ conveyor, auth: {}, port: 0 });
  url = (await server.listen()).url;
});

afterAll(async () => {
  await server?.close();
});

describe('GET /stream', () => {
  it('carries counts and job changes to each scope, shares a poller per scope, and stops it with its last client', async () => {
    const hub = server.handler.streams;
    const all = new StreamClient();
    const acme = new StreamClient();
    const acme2 = new StreamClient();
    const response = await all.open(url, keys.viewer);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await acme.open(url, keys.acme);
    await acme2.open(url, keys.acme);
    await until(() => [all, acme, acme2].every((c) => c.events.some((e) => e.event === 'counts')), 'counts');
    expect(hub.streams).toBe(3);
    expect(hub.pollers).toBe(2);

    const acmeIds = new Set<string>();
    const globexIds = new Set<string>();
    for (let i = 0; i < 3; i++) {
      acmeIds.add((await conveyor.enqueue(tick, {}, { tenantId: 'acme' })).id);
      globexIds.add((await conveyor.enqueue(tick, {}, { tenantId: 'globex' })).id);
    }
    const worker = conveyor.worker({ queues: ['live'], concurrency: 2, pollInterval: 50 });
    await worker.start();
    try {
      const completed = (client: StreamClient, ids: Set<string>) => () =>
        [...ids].every((id) => client.states().get(id) === 'completed');
      await until(
        completed(all, new Set([...acmeIds, ...globexIds])),
        'the unscoped stream to see every job complete',
      );
      await until(completed(acme, acmeIds), "acme's stream to see its jobs complete");
      await until(completed(acme2, acmeIds), "acme's second stream to see its jobs complete");
      await until(
        () =>
          acme.events.some(
            (e) =>
              e.event === 'counts' &&
              e.data.queues.some(
                (q: { queue: string; counts: { completed: number } }) =>
                  q.queue === 'live' && q.counts.completed === 3,
              ),
          ),
        "acme's counts to show 3 completed",
      );
      // The unscoped poller reads its counts on its own ticks (throttled by their cost): wait for it
      // rather than take whichever counts it had sent when acme's arrived (a race on a busy machine).
      await until(
        () =>
          all.events.some(
            (e) =>
              e.event === 'counts' &&
              e.data.queues.some(
                (q: { queue: string; counts: { completed: number } }) =>
                  q.queue === 'live' && q.counts.completed === 6,
              ),
          ),
        'the unscoped counts to show 6 completed',
      );
    } finally {
      await worker.stop();
    }
    for (const client of [acme, acme2]) {
      for (const id of client.states().keys())
        expect(acmeIds.has(id), `job ${id} on acme's stream`).toBe(true);
      expect(client.raw).not.toContain('globex');
    }
    const allCounts = all.events.filter((e) => e.event === 'counts').at(-1)!.data;
    expect(allCounts.queues.find((q: { queue: string }) => q.queue === 'live').counts.completed).toBe(6);

    // Clients leave: the scope's poller runs until its last client is gone.
    await acme.close();
    await until(() => hub.streams === 2, 'the server to notice the first client left');
    expect(hub.pollers).toBe(2);
    await acme2.close();
    await until(() => hub.pollers === 1, "acme's poller to stop");
    expect(hub.ticksOf(tenantScope('acme'))).toBeUndefined();
    await all.close();
    await until(() => hub.pollers === 0, 'the last poller to stop');
    expect(hub.ticksOf(ALL_TENANTS)).toBeUndefined();
  });

  it('sends a `: ping` comment every pingMs, and the stream ends when its request is aborted', async () => {
    const internals = internalsOf(conveyor);
    const hub = new StreamHub({ store: internals.store, log: internals.log, pingMs: 1 });
    const abort = new AbortController();
    const response = hub.open(ALL_TENANTS, abort.signal);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(': ping\n\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`ended before a ping: ${text}`);
      text += value;
    }
    expect(text).toMatch(/^retry: 3000\n\n/);
    expect(text).toContain('event: counts\n');
    expect(hub.pollers).toBe(1);
    abort.abort();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    expect(hub.pollers).toBe(0);
    expect(hub.streams).toBe(0);
  });

  it('settled() ends the open streams and stops their pollers', async () => {
    const client = new StreamClient();
    await client.open(url, keys.acme);
    await until(() => client.events.length > 0, 'the first event');
    expect(server.handler.streams.pollers).toBe(1);
    await server.handler.settled();
    await client.finished();
    expect(client.ended).toBe(true);
    expect(server.handler.streams.pollers).toBe(0);
    expect(server.handler.streams.streams).toBe(0);
  });
});
