/** Every route does what it says, as an unscoped admin or operator (roles and tenancy have their own files). */
import { describe, expect, it } from 'vitest';
import { sql } from '../support/database.ts';
import { useApiFixture } from './api-fixture.ts';

const api = useApiFixture();

async function jobState(id: string): Promise<string | null> {
  const [row] = await sql<{ state: string }>(api.url, 'SELECT state FROM conveyor.jobs WHERE id = $1', [id]);
  return row?.state ?? null;
}

async function untilBulkDone(id: string) {
  for (let i = 0; i < 200; i++) {
    const handle = await api.call('viewer', 'GET', `/bulk/${id}`);
    if (handle.body.status !== 'running') return handle.body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('bulk action did not finish');
}

describe('jobs', () => {
  it('search filters by state, queue, name, tenant, payload containment and time, newest first, in cursor pages', async () => {
    const dead = await api.call('viewer', 'GET', '/jobs?state=dead');
    expect(dead.body.items.map((j: { id: string }) => j.id)).toEqual([api.globex.dead, api.acme.dead]);
    const byPayload = await api.call(
      'viewer',
      'GET',
      `/jobs?payload=${encodeURIComponent('{"orderId":"acme-dead"}')}`,
    );
    expect(byPayload.body.items.map((j: { id: string }) => j.id)).toEqual([api.acme.dead]);
    const byName = await api.call('viewer', 'GET', '/jobs?name=send-email&tenant=globex');
    expect(byName.body.items.map((j: { id: string }) => j.id)).toEqual([api.globex.email]);
    const completed = await api.call('viewer', 'GET', '/jobs?state=completed&queue=work');
    expect(completed.body.items.map((j: { id: string }) => j.id)).toEqual([
      api.globex.completed,
      api.acme.completed,
    ]);
    expect(completed.body.items[0].result).toEqual({ done: 'globex-done' });
    const future = await api.call('viewer', 'GET', '/jobs?from=2999-01-01T00:00:00Z');
    expect(future.body.items).toEqual([]);
    const past = await api.call(
      'viewer',
      'GET',
      `/jobs?until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(past.body.items).toHaveLength(10);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
        'viewer',
        'GET',
        `/jobs?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((j) => j.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
    expect(seen).toEqual([...seen].sort((a, b) => Number(b) - Number(a)));
  });

  it('detail has the payload and every attempt with its error and stack', async () => {
    const detail = await api.call('viewer', 'GET', `/jobs/${api.acme.dead}`);
    expect(detail.status).toBe(200);
    expect(detail.body.job).toMatchObject({
      id: api.acme.dead,
      state: 'dead',
      payload: { fail: true, orderId: 'acme-dead' },
    });
    expect(detail.body.runs).toHaveLength(1);
    expect(detail.body.runs[0]).toMatchObject({ attempt: 1, status: 'dead' });
    expect(detail.body.runs[0].error.message).toBe('order acme-dead failed');
    expect(detail.body.runs[0].error.stack).toMatch(/api-fixture/);
    expect((await api.call('viewer', 'GET', '/jobs/999999')).status).toBe(404);
  });

  it('retry, replay, cancel, promote and delete change the job, each audited; a second retry is 409', async () => {
    const retry = await api.call('operator', 'POST', `/jobs/${api.globex.dead}/retry`);
    expect(retry.body).toEqual({ id: api.globex.dead, state: 'ready' });
    expect((await api.call('operator', 'POST', `/jobs/${api.globex.dead}/retry`)).status).toBe(409);

    const replay = await api.call('operator', 'POST', `/jobs/${api.globex.completed}/replay`);
    expect(replay.status).toBe(200);
    expect(await jobState(replay.body.replayedAs)).toBe('ready');
    const copy = await api.call('viewer', 'GET', `/jobs/${replay.body.replayedAs}`);
    expect(copy.body.job).toMatchObject({ tenantId: 'globex', payload: { orderId: 'globex-done' } });

    expect((await api.call('operator', 'POST', `/jobs/${api.globex.scheduled}/cancel`)).body.state).toBe(
      'cancelled',
    );
    const runs = await sql(api.url, 'SELECT status FROM conveyor.job_runs WHERE job_id = $1', [
      api.globex.scheduled,
    ]);
    expect(runs).toEqual([{ status: 'cancelled' }]);

    expect((await api.call('operator', 'POST', `/jobs/${api.globex.email}/promote`)).body.state).toBe(
      'ready',
    );

    expect((await api.call('admin', 'DELETE', `/jobs/${api.globex.scheduled}`)).status).toBe(200);
    expect((await api.call('viewer', 'GET', `/jobs/${api.globex.scheduled}`)).status).toBe(404);

    const audit = await api.call('admin', 'GET', '/audit?limit=10');
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['job.retry', 'job.replay', 'job.cancel', 'job.promote', 'job.delete']),
    );
    const entry = audit.body.items.find((e: { action: string }) => e.action === 'job.retry');
    expect(entry).toMatchObject({
      actor: expect.stringMatching(/^key:/),
      role: 'operator',
      tenantId: null,
      target: `job:${api.globex.dead}`,
      before: { state: 'dead' },
      after: { state: 'ready' },
      ip: '10.0.0.1',
    });
  });

  it("editing a payload checks it with the job's schema, retries a dead job, and audits the diff", async () => {
    const bad = await api.call('operator', 'PUT', `/jobs/${api.acme.email}/payload`, { payload: { to: 7 } });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('body.payload.to');
    const edited = await api.call('operator', 'PUT', `/jobs/${api.acme.email}/payload`, {
      payload: { to: 'billing@acme.test', orderId: 'acme-mail' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.job.payload).toEqual({ to: 'billing@acme.test', orderId: 'acme-mail' });

    const dead = await api.call('operator', 'PUT', `/jobs/${api.acme.dead}/payload`, {
      payload: { orderId: 'acme-dead', fail: false },
    });
    expect(dead.body).toMatchObject({
      retried: true,
      job: { state: 'ready', payload: { orderId: 'acme-dead', fail: false } },
    });
    const audit = await api.call('admin', 'GET', '/audit?action=job.edit');
    const diff = audit.body.items.find((e: { target: string }) => e.target === `job:${api.acme.dead}`).after
      .diff;
    expect(diff).toEqual([{ path: 'fail', before: true, after: false }]);
  });

  it('enqueues by hand; a dry run validates and writes nothing', async () => {
    const count = async () =>
      (await sql<{ n: number }>(api.url, 'SELECT count(*)::int AS n FROM conveyor.jobs'))[0]!.n;
    const before = await count();
    const dry = await api.call('operator', 'POST', '/jobs', {
      name: 'send-email',
      payload: { to: 'x@y.z' },
      options: { tenantId: 'acme', delay: '5m' },
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      dryRun: true,
      job: { name: 'send-email', queue: 'emails', tenantId: 'acme' },
    });
    expect(await count()).toBe(before);
    const invalid = await api.call('operator', 'POST', '/jobs', {
      name: 'send-email',
      payload: { to: 1 },
      dryRun: true,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.field).toBe('body.payload.to');
    const unknown = await api.call('operator', 'POST', '/jobs', { name: 'nope', payload: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('UNKNOWN_JOB');
    const real = await api.call('operator', 'POST', '/jobs', {
      name: 'send-email',
      payload: { to: 'x@y.z' },
      options: { delay: '5m' },
    });
    expect(real.status).toBe(201);
    expect(await jobState(real.body.id)).toBe('scheduled');
    expect(await count()).toBe(before + 1);
  });

  it('a bulk action by filter answers 202 with a handle that reports its progress to the end', async () => {
    await sql(api.url, "UPDATE conveyor.jobs SET state = 'dead', finished_at = now() WHERE queue = 'emails'");
    const started = await api.call('operator', 'POST', '/jobs/bulk', {
      action: 'retry',
      filter: { state: ['dead'], queue: 'emails' },
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ action: 'retry', status: 'running' });
    const done = await untilBulkDone(started.body.id);
    expect(done).toMatchObject({
      status: 'done',
      total: started.body.total,
      processed: started.body.total,
      affected: started.body.total,
    });
    expect(started.body.total).toBeGreaterThan(0);
    const left = await sql(api.url, "SELECT id FROM conveyor.jobs WHERE queue = 'emails' AND state = 'dead'");
    expect(left).toEqual([]);
  });
});

describe('queues', () => {
  it('lists counts per state with settings and retention; pauses and resumes queues and groups; sets limits', async () => {
    const list = await api.call('viewer', 'GET', '/queues');
    const work = list.body.items.find((q: { queue: string }) => q.queue === 'work');
    expect(work.counts.completed).toBeGreaterThanOrEqual(1);
    expect(work.retention.completed).toBeDefined();

    expect((await api.call('operator', 'POST', '/queues/work/pause')).body).toEqual({
      queue: 'work',
      paused: true,
    });
    expect((await api.conveyor.queues.list()).find((q) => q.name === 'work')?.paused).toBe(true);
    await api.call('operator', 'POST', '/queues/work/resume');
    expect((await api.conveyor.queues.list()).find((q) => q.name === 'work')?.paused).toBe(false);

    expect((await api.call('operator', 'POST', '/queues/work/groups/acme/pause')).body).toMatchObject({
      groupKey: 'acme',
      paused: true,
    });
    await api.call('operator', 'POST', '/queues/work/groups/acme/resume');
    expect(
      (await api.conveyor.queues.groups('work')).find((g) => g.groupKey === 'acme')?.paused ?? false,
    ).toBe(false);

    const limits = await api.call('admin', 'PATCH', '/queues/work/limits', {
      groupConcurrency: 2,
      rateLimit: { max: 5, per: '1s' },
    });
    expect(limits.body).toMatchObject({ groupConcurrency: 2, rateLimit: 5, rateIntervalMs: 1000 });
    const cleared = await api.call('admin', 'PATCH', '/queues/work/limits', { groupConcurrency: null });
    expect(cleared.body.groupConcurrency).toBeNull();
    const unknown = await api.call('operator', 'POST', '/queues/nope/pause');
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('queue');
  });
});

describe('schedules', () => {
  it('lists with next fire times and last run; creates, updates, pauses, resumes, fires and removes', async () => {
    const list = await api.call('viewer', 'GET', '/schedules');
    expect(list.body.items.map((s: { name: string }) => s.name)).toEqual(['acme-nightly', 'globex-nightly']);
    expect(list.body.items[0].nextFireTimes).toHaveLength(5);
    expect(list.body.items[0].lastRun).toBeNull();

    const created = await api.call('operator', 'POST', '/schedules', {
      name: 'hourly',
      job: 'work',
      cron: '@hourly',
      tenantId: 'acme',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'hourly', job: 'work', tenantId: 'acme', source: 'runtime' });
    const updated = await api.call('operator', 'PATCH', '/schedules/hourly', { cron: '30 * * * *' });
    expect(updated.body.cron).toBe('30 * * * *');
    expect((await api.call('operator', 'POST', '/schedules/hourly/pause')).body.paused).toBe(true);
    expect((await api.call('operator', 'POST', '/schedules/hourly/resume')).body.paused).toBe(false);

    const fired = await api.call('operator', 'POST', '/schedules/acme-nightly/fire');
    expect(fired.status).toBe(201);
    const job = await api.call('viewer', 'GET', `/jobs/${fired.body.id}`);
    expect(job.body.job).toMatchObject({ name: 'work', tenantId: 'acme', payload: { orderId: 'acme-cron' } });
    const again = await api.call('viewer', 'GET', '/schedules/acme-nightly');
    expect(again.body.nextFireTimes).toHaveLength(5);

    expect((await api.call('admin', 'DELETE', '/schedules/hourly')).body).toEqual({
      name: 'hourly',
      removed: true,
    });
    expect((await api.call('viewer', 'GET', '/schedules/hourly')).status).toBe(404);
    const bad = await api.call('operator', 'POST', '/schedules', {
      name: 'x',
      job: 'work',
      cron: 'not a cron',
    });
    expect(bad.status).toBe(400);
  });
});

describe('views', () => {
  it('dead letters, analytics, workers, tenants, me and the OpenAPI document', async () => {
    const dead = await api.call('viewer', 'GET', '/dead-letters');
    expect(dead.status).toBe(200);
    expect(dead.body.items.every((j: { state: string }) => j.state === 'dead')).toBe(true);

    const overall = await api.call('viewer', 'GET', '/analytics/overall?since=24h');
    expect(overall.body.report).toBe('overall');
    expect(overall.body.data.completed).toBeGreaterThanOrEqual(2);
    const throughput = await api.call('viewer', 'GET', '/analytics/throughput?since=1h&bucket=5m');
    expect(throughput.body.data.length).toBeGreaterThan(0);
    const groups = await api.call('viewer', 'GET', '/analytics/error-groups?limit=5');
    expect(groups.body.data[0].count).toBeGreaterThanOrEqual(1);

    const worker = api.conveyor.worker({ queues: ['emails'], concurrency: 1 });
    await worker.start();
    try {
      const workers = await api.call('viewer', 'GET', '/workers');
      expect(workers.body.items).toHaveLength(1);
      expect(workers.body.items[0]).toMatchObject({ queues: ['emails'], pid: process.pid });
    } finally {
      await worker.stop();
    }

    await api.call('operator', 'POST', '/queues/emails/groups/globex/pause');
    const tenants = await api.call('viewer', 'GET', '/tenants?since=24h');
    expect(tenants.body.items[1].groups).toEqual([
      { queue: 'emails', paused: true, concurrency: null, weight: 1 },
    ]);
    expect(tenants.body.items[0].groups).toEqual([]);
    expect(tenants.body.items.map((t: { tenantId: string }) => t.tenantId)).toEqual(['acme', 'globex']);
    expect(tenants.body.items[0].completed).toBeGreaterThanOrEqual(1);

    expect((await api.call('acmeViewer', 'GET', '/me')).body).toMatchObject({
      role: 'viewer',
      tenantId: 'acme',
    });
    const keys = await api.call('admin', 'GET', '/keys');
    expect(keys.body.items.length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(keys.body)).not.toMatch(/secret|cvk_/i);
  });
});
