/** `npm start -- --once` (`conveyor dev --demo --once`): the demo on an embedded database, start to finish. */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createConveyor } from '../../src/index.ts';
import { createTestDatabase, sql, type TestDatabase } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { killAll, REPO_ROOT, runCli, TEST_CONFIG } from './cli-process.ts';
import { echo, slow, testJobs } from './fixtures/test.config.ts';

afterAll(killAll);

describe('conveyor dev --demo --once', { timeout: 60_000 }, () => {
  it('is what `npm start` runs', () => {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe('tsx src/cli/main.ts dev --demo');
  });

  it('runs the demo without a server and exits 0, showing the retry, the delayed job and progress', async () => {
    const started = Date.now();
    const result = await runCli(['dev', '--demo', '--once'], { timeoutMs: 30_000 });
    const out = result.stdout;
    expect(result.code, `${out}\n${result.stderr}`).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(out).toContain('database embedded PGlite (memory://)');
    // The retry: attempt 1 fails, attempt 2 completes.
    expect(out).toMatch(
      /↻ charge-card \(fails once, retried\) #\d+ attempt 1 failed: payment gateway timed out/,
    );
    expect(out).toMatch(/▶ charge-card \(fails once, retried\) #\d+ started \(attempt 2\/3\)/);
    expect(out).toMatch(/✓ charge-card \(fails once, retried\) #\d+ completed .*"attempt":2/);
    // The delayed job ran after its delay.
    const waited = /✓ send-reminder \(delayed 1\.5 s\) #\d+ completed .*"waitedMs":(\d+)/.exec(out);
    expect(waited).not.toBeNull();
    expect(Number(waited![1])).toBeGreaterThanOrEqual(1_500);
    // Progress lines, then completion.
    expect(out).toMatch(/… import-contacts \(reports progress\) #\d+ progress \{"percent":50,"rows":1000\}/);
    expect(out).toMatch(/✓ import-contacts \(reports progress\) #\d+ completed/);
    expect(out).toMatch(/✓ send-welcome #\d+ completed/);
    expect(out).toContain('demo finished: 4 jobs, all as expected');
    // Pretty logs (pino-pretty), not JSON lines.
    expect(out).toMatch(/INFO.*\(conveyor\):.*worker started/);
    expect(out).not.toMatch(/^\{"level"/m);
  });
});

describe('conveyor dev --once with a config', { timeout: 60_000 }, () => {
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  it('migrates, works the queued jobs, prints them and exits 0 when nothing is left', async () => {
    db = await createTestDatabase();
    const conveyor = createConveyor({ jobs: testJobs, databaseUrl: db.url, logger: testLogger });
    const jobs = await Promise.all([conveyor.enqueue(echo, { n: 1 }), conveyor.enqueue(slow, { ms: 300 })]);
    await conveyor.close();

    const result = await runCli(['dev', '--once', '--config', TEST_CONFIG, '--database-url', db.url]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`conveyor dev: database postgres://${new URL(db.url).host}/`);
    expect(result.stdout).toMatch(
      new RegExp(`✓ echo #${jobs[0]!.id} completed in \\d+ ms → \\{"echoed":\\{"n":1\\}`),
    );
    expect(result.stdout).toMatch(new RegExp(`✓ slow #${jobs[1]!.id} completed`));
    expect(result.stdout).toContain('nothing left to do');
    const [row] = await sql<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM conveyor.jobs WHERE state IN ('ready', 'active', 'scheduled')",
    );
    expect(row!.n).toBe(0);
  });
});
