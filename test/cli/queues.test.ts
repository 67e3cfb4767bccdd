/** `conveyor queues …` against a real PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { sql } from '../support/database.ts';
import { useCliDatabase } from './cli-database.ts';

const env = useCliDatabase();
const cli = env.cli;

describe('conveyor queues', { timeout: 60_000 }, () => {
  it('sets limits, pauses and resumes a queue and a group, and lists them', async () => {
    expect((await cli('migrate')).code).toBe(0);
    const set = await cli(
      'queues',
      'set',
      'cli',
      '--rate',
      '20/1s',
      '--group-concurrency',
      '1',
      '--priority',
      '2',
    );
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect((await cli('queues', 'pause', 'cli')).code).toBe(0);
    const group = await cli('queues', 'group', 'cli', 'acme', '--pause', '--weight', '2', '--json');
    expect(group.code).toBe(0);
    expect(JSON.parse(group.stdout)).toMatchObject({
      queue: 'cli',
      groupKey: 'acme',
      paused: true,
      weight: 2,
    });

    const listed = await cli('queues', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        name: 'cli',
        paused: true,
        priority: 2,
        groupConcurrency: 1,
        rateLimit: 20,
        rateIntervalMs: 1_000,
        hasGroupRules: true,
      }),
    ]);
    expect((await cli('queues', 'resume', 'cli')).code).toBe(0);
    expect((await cli('queues', 'set', 'cli', '--rate', 'none')).code).toBe(0);
    const [row] = await sql<{ paused: boolean; rate_limit: number | null }>(
      env.url,
      "SELECT paused, rate_limit FROM conveyor.queues WHERE name = 'cli'",
    );
    expect(row).toEqual({ paused: false, rate_limit: null });
  });

  it('rejects bad flags and unknown queues with clear errors', async () => {
    const badRate = await cli('queues', 'set', 'cli', '--rate', 'fast');
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/--rate must look like MAX\/PER/);
    const nothing = await cli('queues', 'set', 'cli');
    expect(nothing.code).toBe(2);
    const negative = await cli('queues', 'set', 'cli', '--global-concurrency', '0');
    expect(negative.code).toBe(4);
    expect(negative.stderr).toMatch(/globalConcurrency: must be a whole number ≥ 1/);
    const unknown = await cli('queues', 'pause', 'nope');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/"nope" is not a known queue/);
  });
});
