/** The commands against a real PostgreSQL: migrate, enqueue, stats, run, dlq list/replay. */
import { describe, expect, it } from 'vitest';
import { createConveyor } from '../../src/index.ts';
import { sql } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { useCliDatabase } from './cli-database.ts';
import { alwaysFails, testJobs } from './fixtures/test.config.ts';

const env = useCliDatabase();
const cli = env.cli;

describe('conveyor CLI commands', { timeout: 60_000 }, () => {
  it('migrates, enqueues, and shows the job in stats', async () => {
    const migrated = await cli('migrate');
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/applied migration\(s\) 1\b/);
    const again = await cli('migrate', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ schema: 'conveyor', applied: [] });

    const enqueued = await cli(
      'enqueue',
      'echo',
      '--payload',
      '{"hello":"world"}',
      '--tenant',
      'acme',
      '--priority',
      '3',
      '--json',
    );
    expect(enqueued.code).toBe(0);
    const { id, created } = JSON.parse(enqueued.stdout) as { id: string; created: boolean };
    expect(created).toBe(true);
    const [row] = await sql<{
      name: string;
      payload: unknown;
      tenant_id: string;
      priority: number;
      state: string;
    }>(env.url, 'SELECT name, payload, tenant_id, priority, state FROM conveyor.jobs WHERE id = $1', [id]);
    expect(row).toEqual({
      name: 'echo',
      payload: { hello: 'world' },
      tenant_id: 'acme',
      priority: 3,
      state: 'ready',
    });

    const stats = await cli('stats', '--json');
    expect(stats.code).toBe(0);
    const cliQueue = (JSON.parse(stats.stdout) as { queue: string; counts: Record<string, number> }[]).find(
      (s) => s.queue === 'cli',
    );
    expect(cliQueue?.counts.ready).toBe(1);

    const table = await cli('stats');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^QUEUE\s+SCHEDULED\s+READY\s+ACTIVE\s+COMPLETED\s+DEAD\s+CANCELLED$/m);
    expect(table.stdout).toMatch(/^cli\s+0\s+1\s+0\s+0\s+0\s+0$/m);
  });

  it('enqueues with a delay and deduplicates by unique key', async () => {
    const first = await cli(
      'enqueue',
      'echo',
      '--payload',
      '{}',
      '--delay',
      '5m',
      '--unique-key',
      'k-1',
      '--json',
    );
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout) as { id: string; created: boolean };
    const second = await cli('enqueue', 'echo', '--payload', '{}', '--unique-key', 'k-1');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`not enqueued: job ${a.id} already holds unique key "k-1"`);
    const rows = await sql<{ state: string; delay_s: number }>(
      env.url,
      'SELECT state, extract(epoch FROM run_at - created_at)::int AS delay_s FROM conveyor.jobs WHERE unique_key = $1',
      ['k-1'],
    );
    expect(rows).toEqual([{ state: 'scheduled', delay_s: 300 }]);
  });

  it('reads --payload @file', async () => {
    const result = await cli('run', 'echo', '--payload', '@test/cli/fixtures/payload.json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ echoed: { fromFile: true } });
  });

  it('runs a job in-process and prints its result; --dry-run reaches the handler', async () => {
    const run = await cli('run', 'echo', '--payload', '{"n":1}', '--tenant', 't1');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ echoed: { n: 1 }, dryRun: false, tenantId: 't1' });

    const dry = await cli('run', 'echo', '--payload', '{"n":2}', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const parsed = JSON.parse(dry.stdout) as { result: unknown; durationMs: number; dryRun: boolean };
    expect(parsed.result).toEqual({ echoed: { n: 2 }, dryRun: true, tenantId: null });
    expect(parsed.dryRun).toBe(true);
    expect(typeof parsed.durationMs).toBe('number');

    const validated = await cli('run', 'strict', '--payload', '{"userId":"u","count":1}');
    expect(validated.code).toBe(4);
    expect(validated.stderr).toMatch(/^conveyor: payload\.userId: /);

    const failed = await cli('run', 'always-fails', '--payload', '{}');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('conveyor: job "always-fails" failed: boom: this job always fails');
  });

  it('lists a dead job with its last error and replays it', async () => {
    // Make one job dead through the API: a worker runs it once (attempts: 1) and it throws.
    const conveyor = createConveyor({ jobs: testJobs, databaseUrl: env.url, logger: testLogger });
    const { id } = await conveyor.enqueue(alwaysFails, { why: 'test' }, { tenantId: 'acme' });
    const dead = conveyor.once('job:dead', (event) => event.job.id === id);
    await conveyor.worker({ queues: ['cli'], handleSignals: false }).start();
    await dead;
    await conveyor.close();

    const list = await cli('dlq', 'list', '--json', '--queue', 'cli');
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout) as {
      id: string;
      name: string;
      queue: string;
      tenantId: string;
      attempts: number;
      lastError: string;
    }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      id,
      name: 'always-fails',
      queue: 'cli',
      tenantId: 'acme',
      attempts: 1,
      lastError: 'boom: this job always fails',
    });

    const table = await cli('dlq', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+JOB\s+QUEUE\s+TENANT\s+ATTEMPTS\s+LAST ERROR$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${id}\\s+always-fails\\s+cli\\s+acme\\s+1/1\\s+boom: this job always fails$`, 'm'),
    );

    const none = await cli('dlq', 'list', '--queue', 'slow');
    expect(none.stdout.trim()).toBe('no dead jobs');

    const replay = await cli('dlq', 'replay', id, '--json');
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ replayed: [id], notDead: [] });
    const [row] = await sql<{ state: string; attempt: number }>(
      env.url,
      'SELECT state, attempt FROM conveyor.jobs WHERE id = $1',
      [id],
    );
    expect(row).toEqual({ state: 'ready', attempt: 0 });

    const again = await cli('dlq', 'replay', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`not replayed (no dead job with this id): ${id}`);
  });
});
