/**
 * Bad input ends with a one-line error on stderr and the documented exit code (2 usage, 3 unknown
 * job, 4 validation, 5 database unreachable), and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, sql, type TestDatabase } from '../support/database.ts';
import { type CliResult, killAll, runCli, TEST_CONFIG } from './cli-process.ts';

let db: TestDatabase;
let cli: (...args: string[]) => Promise<CliResult>;

beforeAll(async () => {
  db = await createTestDatabase();
  cli = (...args) => runCli([...args, '--config', TEST_CONFIG, '--database-url', db.url]);
  expect((await cli('migrate')).code).toBe(0);
});

afterAll(async () => {
  await killAll();
  await db?.drop();
});

function expectOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^conveyor: /);
  expect(lines[0]).toMatch(pattern);
}

/** Runs the cases' commands together, then checks each one's exit code and message. */
async function expectErrors(cases: [string[], number, RegExp][]): Promise<void> {
  const results = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [index, [, code, pattern]] of cases.entries())
    expectOneLineError(results[index]!, code, pattern);
}

async function jobCount(): Promise<number> {
  const [row] = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM conveyor.jobs');
  return row!.n;
}

// Each case spawns node with tsx (1–3 s on a busy 2-core machine): run the spawns of a test together.
describe('conveyor CLI errors', { timeout: 60_000 }, () => {
  it('exits 2 on an unknown command, listing the commands', async () => {
    expectOneLineError(
      await cli('frobnicate'),
      2,
      /unknown command "frobnicate"; commands: migrate, worker, enqueue/,
    );
    expectOneLineError(await cli('dlq', 'purge'), 2, /unknown command "dlq purge"/);
  });

  it('exits 2 on an unknown flag, naming it', async () => {
    expectOneLineError(
      await cli('enqueue', 'echo', '--payload', '{}', '--frob'),
      2,
      /unknown flag --frob; see `conveyor enqueue --help`/,
    );
    expectOneLineError(await cli('stats', '--queues', 'x'), 2, /unknown flag --queues/);
  });

  it('exits 2 on a missing flag, a missing value or a malformed number', async () => {
    await expectErrors([
      [['enqueue', 'echo'], 2, /missing --payload; .*--payload '\{"userId":"u_1"\}'/],
      [['enqueue', '--payload', '{}'], 2, /missing <job>/],
      [['enqueue', 'echo', '--payload'], 2, /--payload needs a value/],
      [
        ['enqueue', 'echo', '--payload', '{}', '--priority', 'high'],
        2,
        /--priority must be a whole number, got "high"/,
      ],
      [['worker', '--concurrency', 'lots'], 2, /--concurrency must be a whole number, got "lots"/],
      [['dlq', 'replay'], 2, /missing job ids/],
      [['dlq', 'replay', 'abc'], 2, /"abc" is not a job id/],
    ]);
    expect(await jobCount()).toBe(0);
  });

  it('exits 2 on invalid JSON in --payload, showing the fix', async () => {
    const result = await cli('enqueue', 'echo', '--payload', "{name:'x'}");
    expectOneLineError(
      result,
      2,
      /--payload is not valid JSON \(.+\); quote it for the shell.*e\.g\. --payload '\{"userId":"u_1"\}'/,
    );
    expect(await jobCount()).toBe(0);
  });

  it('exits 3 on an unknown job, listing the known ones', async () => {
    expectOneLineError(
      await cli('enqueue', 'nope', '--payload', '{}'),
      3,
      /job "nope" is not registered; known jobs: echo, always-fails, strict, slow/,
    );
    expectOneLineError(await cli('run', 'nope', '--payload', '{}'), 3, /job "nope" is not registered/);
    expect(await jobCount()).toBe(0);
  });

  it('exits 4 on a schema violation, naming the payload field', async () => {
    const result = await cli('enqueue', 'strict', '--payload', '{"userId":"not-a-uuid","count":1}');
    expectOneLineError(result, 4, /payload\.userId: /);
    expectOneLineError(
      await cli(
        'enqueue',
        'strict',
        '--payload',
        '{"userId":"0b7f8a4e-5c1d-4f3e-9a2b-1c2d3e4f5a6b","count":1.5}',
      ),
      4,
      /payload\.count: /,
    );
    expectOneLineError(
      await cli('enqueue', 'echo', '--payload', '{}', '--delay', 'soon'),
      4,
      /options\.delay: "soon" is not a duration/,
    );
    expect(await jobCount()).toBe(0);
  });

  it('exits 5 when the database is unreachable, naming the host but never the password', async () => {
    const result = await runCli([
      'enqueue',
      'echo',
      '--payload',
      '{}',
      '--config',
      TEST_CONFIG,
      '--database-url',
      'postgres://root:hunter2@127.0.0.1:1/x',
    ]);
    expectOneLineError(
      result,
      5,
      /cannot reach the database at postgres:\/\/127\.0\.0\.1:1\/x \(.*ECONNREFUSED.*\)/,
    );
    expect(result.stderr).not.toContain('hunter2');

    const stats = await runCli([
      'stats',
      '--json',
      '--database-url',
      'postgres://root:hunter2@127.0.0.1:1/x',
    ]);
    expect(stats.code).toBe(5);
    expect(JSON.parse(stats.stderr)).toEqual({
      error: { code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('127.0.0.1:1') },
    });
    expect(stats.stderr).not.toContain('hunter2');
    expect(await jobCount()).toBe(0);
  });

  it('prints errors as JSON with --json', async () => {
    const result = await cli('enqueue', 'nope', '--payload', '{}', '--json');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stderr)).toEqual({
      error: { code: 'UNKNOWN_JOB', message: expect.stringContaining('"nope"') },
    });
    const usage = await cli('enqueue', 'echo', '--payload', 'nope', '--json');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toMatchObject({ error: { code: 'USAGE' } });
  });

  it('exits 2 when --config names a missing file', async () => {
    expectOneLineError(
      await runCli(['stats', '--config', 'missing.config.ts', '--database-url', db.url]),
      2,
      /--config: missing\.config\.ts does not exist/,
    );
  });
});
