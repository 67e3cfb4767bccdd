/** `conveyor stats <report>` over a seeded history, and `conveyor dev` serving /health and /metrics. */
import { afterAll, describe, expect, it } from 'vitest';
import { createConveyor } from '../../src/index.ts';
import { killAll, runCli, startCli, TEST_CONFIG } from '../cli/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { get } from './http-client.ts';
import { minutes, seedRuns } from './runs-seed.ts';

let db: TestDatabase | undefined;
afterAll(async () => {
  killAll();
  await db?.drop();
});

describe('conveyor stats reports and dev endpoints', { timeout: 60_000 }, () => {
  it('prints history reports as tables and JSON, filtered', async () => {
    db = await createTestDatabase();
    const conveyor = createConveyor({ jobs: [], databaseUrl: db.url, logger: testLogger });
    await conveyor.migrate();
    await conveyor.close();
    const now = new Date();
    await seedRuns(db.url, [
      { name: 'alpha', queue: 'q', status: 'completed', at: minutes(now, -5), durationMs: 120 },
      { name: 'alpha', queue: 'q', status: 'failed', at: minutes(now, -4), error: 'row 12 failed' },
      { name: 'beta', queue: 'q', status: 'completed', at: minutes(now, -3), durationMs: 80, tenantId: 't' },
    ]);
    const url = ['--database-url', db.url];
    const jobs = await runCli(['stats', 'jobs', '--since', '1h', '--json', ...url]);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(
      (JSON.parse(jobs.stdout) as { name: string; total: number }[]).map((r) => [r.name, r.total]),
    ).toEqual([
      ['alpha', 2],
      ['beta', 1],
    ]);
    const errors = await runCli(['stats', 'errors', '--since', '1h', ...url]);
    expect(errors.stdout).toMatch(/COUNT\s+ERROR\s+PATTERN/);
    expect(errors.stdout).toContain('row <n> failed');
    const tenant = await runCli(['stats', 'overall', '--tenant', 't', '--json', ...url]);
    expect(JSON.parse(tenant.stdout)).toMatchObject({ total: 1, completed: 1 });
    const bad = await runCli(['stats', 'nonsense', ...url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown report "nonsense"');
  });

  it('conveyor dev serves /health and /metrics on --port, loopback only', async () => {
    const dev = startCli(['dev', '--config', TEST_CONFIG, '--database-url', db!.url, '--port', '0']);
    await dev.waitFor(/conveyor dev: (http:\/\/127\.0\.0\.1:\d+)\/metrics/, 30_000);
    const base = /conveyor dev: (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(dev.stdout())![1]!;
    const health = await get(`${base}/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', jobs: { database: 'connected' } });
    const metrics = await get(`${base}/metrics`);
    expect(metrics.body).toContain('# TYPE conveyor_queue_jobs gauge');
    dev.child.kill('SIGTERM');
    expect((await dev.exited).code).toBe(0);
  });
});
