/**
 * Failure groups from real failures: messages that differ only in numbers and quoted values are one
 * group (the analytics normalisation), another job name with the same message is another group;
 * the counts (attempts, distinct jobs and tenants, dead jobs) and GET /jobs?fingerprint= follow the
 * credential's scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHandler, createApiHandler, createApiKey } from '../../src/api/index.ts';
import { internalsOf } from '../../src/client/conveyor-internals.ts';
import { type Conveyor, defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();
const lookup = defineJob({
  name: 'lookup',
  queue: 'failing',
  defaults: { attempts: 2, backoff: { type: 'fixed', delay: '10ms' } },
  handler: async ({ payload }: { payload: { user: number; key: string } }) => {
    throw new Error(`user ${payload.user} not found in "${payload.key}"`);
  },
});
const other = defineJob({
  name: 'other-lookup',
  queue: 'failing',
  defaults: { attempts: 1 },
  handler: async () => {
    throw new Error('user 1 not found in "x"');
  },
});

let conveyor: Conveyor;
let handler: ApiHandler;
const keys = { viewer: '', acme: '' };
const ids: Record<string, string> = {};

async function get(key: string, path: string) {
  const response = await handler.fetch(
    new Request(`http://localhost/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: read field by field.
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  conveyor = db.open({ jobs: [lookup, other] });
  const dead = new Set<string>();
  const allDead = new Promise<void>((resolve) =>
    conveyor.on('job:dead', (e) => {
      dead.add(e.job.id);
      if (dead.size === 3) resolve();
    }),
  );
  ids.acme = (await conveyor.enqueue(lookup, { user: 42, key: 'eu' }, { tenantId: 'acme' })).id;
  ids.globex = (await conveyor.enqueue(lookup, { user: 7, key: 'us' }, { tenantId: 'globex' })).id;
  ids.other = (await conveyor.enqueue(other, {}, { tenantId: 'acme' })).id;
  const worker = conveyor.worker({ queues: ['failing'], concurrency: 3, pollInterval: 20 });
  await worker.start();
  await allDead;
  await worker.stop();
  const store = await internalsOf(conveyor).store();
  keys.viewer = (await createApiKey(store, { name: 'v', role: 'viewer' }, new Date())).key;
  keys.acme = (await createApiKey(store, { name: 'a', role: 'viewer', tenantId: 'acme' }, new Date())).key;
  handler = createApiHandler({ conveyor, auth: {} });
});
afterAll(async () => {
  await handler?.settled();
});

describe('GET /failures', () => {
  it('groups by job name and normalised message, counting attempts, jobs, tenants and dead jobs', async () => {
    const { status, body } = await get(keys.viewer, '/failures?since=1h');
    expect(status).toBe(200);
    expect(body.groups).toHaveLength(2);
    const [lookupGroup, otherGroup] = body.groups;
    expect(lookupGroup).toMatchObject({
      name: 'lookup',
      queue: 'failing',
      message: 'user <n> not found in <str>',
      attempts: 4,
      jobs: 2,
      tenants: 2,
      dead: 2,
    });
    expect(otherGroup).toMatchObject({
      name: 'other-lookup',
      message: 'user <n> not found in <str>',
      attempts: 1,
    });
    expect(otherGroup.fingerprint).not.toBe(lookupGroup.fingerprint);
    const jobs = await get(keys.viewer, `/jobs?fingerprint=${lookupGroup.fingerprint}`);
    expect(jobs.body.items.map((j: { id: string }) => j.id).sort()).toEqual([ids.acme, ids.globex].sort());
  });

  it('a tenant-scoped credential counts and lists its own tenant only', async () => {
    const { body } = await get(keys.acme, '/failures?since=1h&name=lookup');
    expect(body.groups).toHaveLength(1);
    expect(body.groups[0]).toMatchObject({
      attempts: 2,
      jobs: 1,
      tenants: 1,
      dead: 1,
      sampleJobId: ids.acme,
    });
    const jobs = await get(keys.acme, `/jobs?fingerprint=${body.groups[0].fingerprint}`);
    expect(jobs.body.items.map((j: { id: string }) => j.id)).toEqual([ids.acme]);
  });
});
