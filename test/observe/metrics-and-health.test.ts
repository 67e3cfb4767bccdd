/** /metrics scraped and parsed as jobs run; /health with Postgres up, Redis down, Postgres unreachable. */
import { afterAll, describe, expect, it } from 'vitest';
import { createObservabilityServer, type ObservabilityServer } from '../../src/http/index.ts';
import { createConveyor, defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { testLogger } from '../support/silent-logger.ts';
import { get, parseMetrics, sampleValue } from './http-client.ts';

const db = useConveyorDatabase();
const servers: ObservabilityServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const ok = defineJob({ name: 'ok', queue: 'm', handler: () => 'fine' });
const bad = defineJob({
  name: 'bad',
  queue: 'm',
  defaults: { attempts: 1 },
  handler: () => Promise.reject(new Error('nope')),
});
const later = defineJob({ name: 'later', queue: 'm2', handler: () => null });

async function serve(conveyor: Parameters<typeof createObservabilityServer>[0]): Promise<string> {
  const server = createObservabilityServer(conveyor, { port: 0 });
  servers.push(server);
  const { url, host } = await server.listen();
  expect(host).toBe('127.0.0.1');
  return url;
}

describe('/metrics', () => {
  it('exposes job, queue and event metrics by Prometheus conventions, moving as jobs run', async () => {
    const conveyor = db.open({ jobs: [ok, bad, later], metrics: { cacheMs: 0 } });
    const url = await serve(conveyor);
    await conveyor.enqueue(later, null, { delay: '1h' });
    await conveyor.enqueue(later, null, { delay: '1h' });

    const before = await get(`${url}/metrics`);
    expect(before.status).toBe(200);
    expect(before.type).toContain('text/plain');
    const initial = parseMetrics(before.body);
    expect(initial.types.get('conveyor_job_duration_seconds')).toBe('histogram');
    expect(initial.types.get('conveyor_jobs_failed_total')).toBe('counter');
    expect(initial.types.get('conveyor_queue_jobs')).toBe('gauge');
    expect(initial.types.get('conveyor_dead_letter_jobs')).toBe('gauge');
    expect(initial.types.get('conveyor_event_publish_duration_seconds')).toBe('histogram');
    expect(initial.types.get('conveyor_event_handler_duration_seconds')).toBe('histogram');
    expect(initial.types.get('conveyor_notification_fanout_total')).toBe('counter');
    expect(sampleValue(initial.samples, 'conveyor_queue_jobs', { queue: 'm2', state: 'scheduled' })).toBe(2);
    expect(sampleValue(initial.samples, 'conveyor_jobs_completed_total', { job: 'ok' })).toBeUndefined();

    const jobs = [await conveyor.enqueue(ok, null), await conveyor.enqueue(ok, null)];
    const dead = await conveyor.enqueue(bad, null);
    const done = Promise.all([
      ...jobs.map((j) => conveyor.once('job:completed', (e) => e.job.id === j.id)),
      conveyor.once('job:dead', (e) => e.job.id === dead.id),
    ]);
    const worker = conveyor.worker({ queues: ['m'], handleSignals: false });
    await worker.start();
    await done;

    const { samples } = parseMetrics((await get(`${url}/metrics`)).body);
    expect(sampleValue(samples, 'conveyor_jobs_completed_total', { queue: 'm', job: 'ok' })).toBe(2);
    expect(sampleValue(samples, 'conveyor_job_duration_seconds_count', { queue: 'm', job: 'ok' })).toBe(2);
    expect(
      sampleValue(samples, 'conveyor_job_duration_seconds_bucket', { queue: 'm', job: 'ok', le: '+Inf' }),
    ).toBe(2);
    expect(
      sampleValue(samples, 'conveyor_jobs_failed_total', { queue: 'm', job: 'bad', final: 'true' }),
    ).toBe(1);
    expect(sampleValue(samples, 'conveyor_queue_jobs', { queue: 'm', state: 'dead' })).toBe(1);
    expect(sampleValue(samples, 'conveyor_dead_letter_jobs', { queue: 'm' })).toBe(1);
    expect(sampleValue(samples, 'conveyor_queue_jobs', { queue: 'm', state: 'waiting' })).toBeUndefined();
    await worker.stop();
  });

  it('serves analytics JSON and rejects bad filters with 400', async () => {
    const conveyor = db.open({ jobs: [ok] });
    const url = await serve(conveyor);
    const overall = await get(`${url}/analytics/overall?since=1h&queue=m`);
    expect(overall.status).toBe(200);
    expect(JSON.parse(overall.body)).toMatchObject({ completed: 2, failed: 1, dead: 1 });
    const jobs = JSON.parse((await get(`${url}/analytics/jobs?since=1h&job=ok`)).body) as { name: string }[];
    expect(jobs.map((j) => j.name)).toEqual(['ok']);
    expect((await get(`${url}/analytics/throughput?since=1h&bucket=5m`)).status).toBe(200);
    expect((await get(`${url}/analytics/slowest?limit=abc`)).status).toBe(400);
    expect((await get(`${url}/analytics/overall?since=yesterday`)).status).toBe(400);
    expect((await get(`${url}/nope`)).status).toBe(404);
  });
});

describe('/health', () => {
  it('is 200 ok with Postgres up and Redis not configured', async () => {
    const conveyor = db.open({ jobs: [ok] });
    const response = await get(`${await serve(conveyor)}/health`);
    expect(response.status).toBe(200);
    const report = JSON.parse(response.body);
    expect(report).toMatchObject({
      status: 'ok',
      jobs: {
        database: 'connected',
        redis: 'not_configured',
        queue: { active: 0, waiting: 0, dlq: 1, failed: 1 },
      },
    });
    expect(new Date(report.timestamp).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is ok with a reachable Redis', async () => {
    const conveyor = db.open({
      jobs: [ok],
      redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    const report = await conveyor.health();
    expect(report.jobs.redis).toBe('connected');
    expect(report.status).toBe('ok');
  });

  it('is degraded (503) when the configured Redis is down', async () => {
    const conveyor = db.open({ jobs: [ok], redisUrl: 'redis://127.0.0.1:1' });
    const response = await get(`${await serve(conveyor)}/health`);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({
      status: 'degraded',
      jobs: { database: 'connected', redis: 'unreachable' },
    });
  });

  it('is 503 down when Postgres is unreachable', async () => {
    const conveyor = createConveyor({
      jobs: [ok],
      databaseUrl: 'postgres://root@127.0.0.1:1/none',
      logger: testLogger,
    });
    try {
      const response = await get(`${await serve(conveyor)}/health`);
      expect(response.status).toBe(503);
      expect(JSON.parse(response.body)).toMatchObject({
        status: 'down',
        jobs: { database: 'unreachable', redis: 'not_configured', queue: null },
      });
      expect(response.body).not.toContain('password');
    } finally {
      await conveyor.close();
    }
  });
});
