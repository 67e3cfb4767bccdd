/**
 * The API on the embedded database (PGlite, in memory): the same SQL, migrations 0010 and 0012
 * included, serves search by payload, a scoped read and an action, and the dashboard's reads
 * (overview, failure groups, why waiting, the live stream).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createApiHandler, createApiKey } from '../../src/api/index.ts';
import { internalsOf } from '../../src/client/conveyor-internals.ts';
import { createConveyor } from '../../src/index.ts';
import { testLogger } from '../support/silent-logger.ts';
import { emailJob, firstEvent } from './api-fixture.ts';

const conveyor = createConveyor({ jobs: [emailJob], dataDir: 'memory://', logger: testLogger });
afterAll(() => conveyor.close());

describe('on PGlite', () => {
  // PGlite starts in process (WASM): slow on a loaded machine.
  it('searches by payload, scopes by tenant and acts', { timeout: 120_000 }, async () => {
    const acme = await conveyor.enqueue(
      emailJob,
      { to: 'ops@acme.test', orderId: 'o_1' },
      { tenantId: 'acme' },
    );
    const globex = await conveyor.enqueue(
      emailJob,
      { to: 'ops@globex.test', orderId: 'o_2' },
      { tenantId: 'globex' },
    );
    const store = await internalsOf(conveyor).store();
    const key = (await createApiKey(store, { name: 'acme', role: 'operator', tenantId: 'acme' }, new Date()))
      .key;
    const handler = createApiHandler({ conveyor, auth: {} });
    const call = async (method: string, path: string) => {
      const response = await handler.fetch(
        new Request(`http://localhost/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${key}` },
        }),
      );
      return { status: response.status, body: (await response.json()) as { items?: { id: string }[] } };
    };
    const found = await call('GET', `/jobs?payload=${encodeURIComponent('{"orderId":"o_1"}')}`);
    expect(found.body.items?.map((j) => j.id)).toEqual([acme.id]);
    expect(
      (await call('GET', `/jobs?payload=${encodeURIComponent('{"orderId":"o_2"}')}`)).body.items,
    ).toEqual([]);
    expect((await call('GET', `/jobs/${globex.id}`)).status).toBe(404);
    expect((await call('POST', `/jobs/${acme.id}/cancel`)).status).toBe(200);
    expect((await conveyor.getJob(acme.id))?.state).toBe('cancelled');
  });

  it('serves the overview, failure groups, why waiting and the live stream', {
    timeout: 120_000,
  }, async () => {
    const job = await conveyor.enqueue(emailJob, { to: 'ops@acme.test' }, { tenantId: 'acme', delay: '1h' });
    const store = await internalsOf(conveyor).store();
    const key = (await createApiKey(store, { name: 'viewer', role: 'viewer' }, new Date())).key;
    const handler = createApiHandler({ conveyor, auth: {} });
    const get = (path: string) =>
      handler.fetch(
        new Request(`http://localhost/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } }),
      );
    const overview = (await (await get('/overview?since=1h')).json()) as {
      totals: { counts: Record<string, number> };
      series: { t: number[]; depth: number[] };
    };
    expect(overview.totals.counts).toMatchObject({ scheduled: 1, ready: 1, cancelled: 1 });
    expect(overview.series.depth).toHaveLength(overview.series.t.length);
    // The ready job is due and not started at the window's end (bucket numbers by width_bucket
    // over the bucket ends, on PGlite as on the server); the one scheduled an hour out is not due.
    expect(overview.series.depth.at(-1)).toBe(1);
    expect(await (await get('/failures')).json()).toEqual(expect.objectContaining({ groups: [] }));
    const waiting = (await (await get(`/jobs/${job.id}/waiting`)).json()) as { reasons: { code: string }[] };
    expect(waiting.reasons.map((r) => r.code)).toEqual(['scheduled_later', 'no_worker']);
    const stream = await get('/stream');
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const event = await firstEvent(stream);
    expect(event.event).toBe('counts');
    await handler.settled();
    expect(handler.streams.pollers).toBe(0);
  });
});
