/**
 * The dashboard's reads against the fixture's two tenants (each: a ready, two scheduled, a dead and
 * a completed job): the overview's shapes and figures, the failure groups and their jobs
 * (GET /jobs?fingerprint=), "why waiting" for jobs that are not waiting, and tenant isolation of
 * each — a scoped credential naming another tenant gets nothing, never data.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sql } from '../support/database.ts';
import { useApiFixture } from './api-fixture.ts';

const api = useApiFixture();

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('GET /overview', () => {
  it('counts, series, queues and tenants of every tenant for an unscoped credential', async () => {
    const { status, body } = await api.call('viewer', 'GET', '/overview?since=24h');
    expect(status).toBe(200);
    expect(body.bucketMs).toBe(300_000);
    expect(body.totals.counts).toEqual({
      scheduled: 4,
      ready: 2,
      active: 0,
      completed: 2,
      dead: 2,
      cancelled: 0,
    });
    expect(body.totals).toMatchObject({ completed: 2, failed: 2, failureRate: 0.5 });
    expect(body.totals.waitMeanMs).toBeGreaterThanOrEqual(0);
    const { series } = body;
    expect(series.t.length).toBeGreaterThan(280);
    expect(series.t.length).toBeLessThanOrEqual(300);
    for (const key of ['completed', 'failed', 'waitMeanMs', 'waitP95Ms', 'depth']) {
      expect(series[key], key).toHaveLength(series.t.length);
    }
    expect(series.t[1] - series.t[0]).toBe(300_000);
    expect(series.t[0]).toBe(Date.parse(body.since));
    expect(sum(series.completed)).toBe(2);
    expect(sum(series.failed)).toBe(2);
    // The two ready jobs are due and not started at the end of the window.
    expect(series.depth.at(-1)).toBe(2);
    expect(series.waitP95Ms.some((v: number | null) => v !== null)).toBe(true);
    const work = body.queues.find((q: { queue: string }) => q.queue === 'work');
    expect(work).toMatchObject({ paused: false, completed: 2, failed: 2 });
    expect(work.counts).toMatchObject({ ready: 2, scheduled: 2, dead: 2, completed: 2 });
    expect(body.tenants.map((t: { tenantId: string }) => t.tenantId).sort()).toEqual(['acme', 'globex']);
    expect(body.tenants[0]).toMatchObject({ completed: 1, failed: 1 });
  });

  it('a tenant-scoped credential sees its tenant only; naming another tenant gets nothing', async () => {
    const own = await api.call('acmeViewer', 'GET', '/overview?since=24h');
    expect(own.status).toBe(200);
    expect(own.body.totals.counts).toEqual({
      scheduled: 2,
      ready: 1,
      active: 0,
      completed: 1,
      dead: 1,
      cancelled: 0,
    });
    expect(own.body.tenants.map((t: { tenantId: string }) => t.tenantId)).toEqual(['acme']);
    expect(own.body.series.depth.at(-1)).toBe(1);
    const other = await api.call('acmeViewer', 'GET', '/overview?since=24h&tenant=globex');
    expect(other.status).toBe(200);
    expect(JSON.stringify(other.body)).not.toContain('globex');
    expect(sum(Object.values(other.body.totals.counts) as number[])).toBe(0);
    expect(other.body.totals.completed + other.body.totals.failed).toBe(0);
    expect(other.body.tenants).toEqual([]);
    // The unscoped credential may narrow to one tenant.
    const narrowed = await api.call('viewer', 'GET', '/overview?since=24h&tenant=globex&queue=work');
    expect(narrowed.body.totals.counts).toMatchObject({ ready: 1, scheduled: 1, dead: 1, completed: 1 });
    expect(narrowed.body.queues.map((q: { queue: string }) => q.queue)).toEqual(['work']);
  });

  it('explicit buckets and ISO windows; bad windows are 400 naming the field', async () => {
    const until = new Date();
    const since = new Date(until.getTime() - 3_600_000);
    const { body } = await api.call(
      'viewer',
      'GET',
      `/overview?since=${since.toISOString()}&until=${until.toISOString()}&bucket=1m`,
    );
    expect(body.bucketMs).toBe(60_000);
    expect(body.series.t.length).toBeGreaterThanOrEqual(60);
    expect(body.series.t.length).toBeLessThanOrEqual(61);
    for (const [query, field] of [
      ['since=7d&bucket=1s', 'query.bucket'],
      ['bucket=1500ms', 'query.bucket'],
      ['bucket=often', 'query.bucket'],
      ['since=yesterday', 'query.since'],
      ['since=2026-13-45T00:00:00Z', 'query.since'],
      [`since=${new Date(Date.now() + 3_600_000).toISOString()}`, 'query.since'],
      ['color=red', 'query'],
    ] as const) {
      const response = await api.call('viewer', 'GET', `/overview?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.contentType).toBe('application/problem+json');
      expect(response.body.field, query).toBe(field);
    }
  });

  it('depth at each bucket end counts the attempts due and not yet started then', async () => {
    // A window two days back, in minutes: t0 … t0 + 5m. Attempt A was due at 0:30 and started at
    // 2:30 (waiting at the ends 1:00 and 2:00); B was due before the window and started at 3:20
    // (waiting at 1:00, 2:00, 3:00); C waited 10 s inside one bucket (never at an end).
    const t0 = Math.floor((Date.now() - 2 * 86_400_000) / 60_000) * 60_000;
    const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
    for (const [due, started, finished] of [
      [30, 150, 160],
      [-600, 200, 210],
      [70, 80, 90],
    ] as const) {
      await sql(
        api.url,
        `INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, enqueued_at, due_at, started_at, finished_at)
         VALUES (999999, 'work', 'work', 'zeta', 1, 'completed', $1, $1, $2, $3)`,
        [at(due), at(started), at(finished)],
      );
    }
    const { body } = await api.call(
      'viewer',
      'GET',
      `/overview?since=${at(0)}&until=${at(300)}&bucket=1m&tenant=zeta`,
    );
    expect(body.series.t).toEqual([0, 60, 120, 180, 240].map((s) => t0 + s * 1000));
    expect(body.series.depth).toEqual([2, 2, 1, 0, 0]);
    expect(body.series.completed).toEqual([0, 1, 1, 1, 0]);
    expect(body.series.waitMeanMs).toEqual([null, 10_000, 120_000, 800_000, null]);
    expect(body.totals).toMatchObject({ completed: 3, failed: 0 });
  });

  it('a time exactly on a bucket edge: due or started at an end counts at that end, finished at a start in that bucket', async () => {
    // Three days back, 1-minute buckets t0 … t0 + 5m, tenant 'edge' only. Attempt A was due exactly
    // at the end of bucket 0 (t0 + 60 s) and started exactly at the end of bucket 1 (t0 + 120 s):
    // waiting at the end t0 + 60 (due ≤ T < started), not at t0 + 120. It finished exactly at the
    // start of bucket 2. B was due exactly at `since` and started 30 s later: never waiting at an
    // end. A live ready job due exactly at t0 + 60 waits at every end from bucket 0 on.
    const t0 = Math.floor((Date.now() - 3 * 86_400_000) / 60_000) * 60_000;
    const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
    for (const [due, started, finished] of [
      [60, 120, 120],
      [0, 30, 40],
    ] as const) {
      await sql(
        api.url,
        `INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, enqueued_at, due_at, started_at, finished_at)
         VALUES (999998, 'work', 'work', 'edge', 1, 'completed', $1, $1, $2, $3)`,
        [at(due), at(started), at(finished)],
      );
    }
    await sql(
      api.url,
      `INSERT INTO conveyor.jobs (queue, name, state, run_at, payload, max_attempts, tenant_id, group_key, created_at, sort_key)
       VALUES ('work', 'work', 'ready', $1, '{}', 3, 'edge', 'edge', $1, 0)`,
      [at(60)],
    );
    try {
      const { body } = await api.call(
        'viewer',
        'GET',
        `/overview?since=${at(0)}&until=${at(300)}&bucket=1m&tenant=edge`,
      );
      expect(body.series.completed).toEqual([1, 0, 1, 0, 0]);
      expect(body.series.depth).toEqual([2, 1, 1, 1, 1]);
      expect(body.series.waitMeanMs).toEqual([30_000, null, 60_000, null, null]);
      expect(body.series.waitP95Ms).toEqual([30_000, null, 60_000, null, null]);
    } finally {
      await sql(api.url, `DELETE FROM conveyor.jobs WHERE tenant_id = 'edge'`);
    }
  });
});

describe('GET /failures and GET /jobs?fingerprint=', () => {
  const fingerprintOf = (name: string, message: string) =>
    createHash('md5').update(`${name}\u001f${message}`).digest('hex').slice(0, 16);

  it('groups failed attempts by job name and normalised message, with a stable fingerprint', async () => {
    const { status, body } = await api.call('viewer', 'GET', '/failures?since=24h');
    expect(status).toBe(200);
    expect(body.groups).toHaveLength(2);
    const acme = body.groups.find((g: { message: string }) => g.message === 'order acme-dead failed');
    expect(acme).toMatchObject({
      fingerprint: fingerprintOf('work', 'order acme-dead failed'),
      name: 'work',
      queue: 'work',
      attempts: 1,
      jobs: 1,
      tenants: 1,
      dead: 1,
      sampleJobId: api.acme.dead,
    });
    expect(Date.parse(acme.firstSeen)).toBeLessThanOrEqual(Date.parse(acme.lastSeen));
  });

  it('lists the jobs of a group; a scoped credential sees its own groups and jobs only', async () => {
    const fingerprint = fingerprintOf('work', 'order acme-dead failed');
    const jobs = await api.call('viewer', 'GET', `/jobs?fingerprint=${fingerprint}`);
    expect(jobs.status).toBe(200);
    expect(jobs.body.items.map((j: { id: string }) => j.id)).toEqual([api.acme.dead]);
    const scoped = await api.call('acmeViewer', 'GET', '/failures?since=24h');
    expect(scoped.body.groups.map((g: { sampleJobId: string }) => g.sampleJobId)).toEqual([api.acme.dead]);
    const globexPrint = fingerprintOf('work', 'order globex-dead failed');
    const guessed = await api.call('acmeViewer', 'GET', `/jobs?fingerprint=${globexPrint}`);
    expect(guessed.body.items).toEqual([]);
    const named = await api.call('acmeViewer', 'GET', '/failures?since=24h&tenant=globex');
    expect(named.body.groups).toEqual([]);
    const bad = await api.call('viewer', 'GET', '/jobs?fingerprint=xyz');
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('query.fingerprint');
    const badLimit = await api.call('viewer', 'GET', '/failures?limit=0');
    expect(badLimit.body.field).toBe('query.limit');
  });
});

describe('GET /jobs/{id}/waiting', () => {
  it('a job that is not waiting says so; unknown and other tenants’ ids are 404', async () => {
    for (const id of [api.acme.completed, api.acme.dead]) {
      const { status, body } = await api.call('acmeViewer', 'GET', `/jobs/${id}/waiting`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ jobId: id, waiting: false, reasons: [] });
    }
    const ready = await api.call('acmeViewer', 'GET', `/jobs/${api.acme.ready}/waiting`);
    expect(ready.body).toMatchObject({ jobId: api.acme.ready, state: 'ready', waiting: true });
    for (const id of [api.globex.ready, api.globex.dead, '987654321']) {
      const response = await api.call('acmeViewer', 'GET', `/jobs/${id}/waiting`);
      expect(response.status, id).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain('globex');
    }
  });
});
