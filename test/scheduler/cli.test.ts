/** `conveyor schedules …` and `conveyor worker --once --budget` as a user runs them. */
import { describe, expect, it } from 'vitest';
import { useCliDatabase } from '../cli/cli-database.ts';
import { echo } from '../cli/fixtures/test.config.ts';

const env = useCliDatabase({ withConveyor: true });
const cli = env.cli;

describe('conveyor schedules', { timeout: 60_000 }, () => {
  it('adds, lists (--json, with next fire times), pauses, resumes and removes', async () => {
    const added = await cli(
      'schedules',
      'add',
      'sync:acme',
      '--job',
      'echo',
      '--cron',
      '*/5 * * * *',
      '--timezone',
      'Europe/Berlin',
      '--tenant',
      'acme',
      '--payload',
      '{"type":"all"}',
      '--missed',
      'catchUp:2',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/sync:acme\s+echo\s+\*\/5 \* \* \* \*\s+Europe\/Berlin\s+acme\s+active/);

    const listed = await cli('schedules', 'list', '--json', '--fire-times', '4');
    expect(listed.code, listed.stderr).toBe(0);
    const [schedule] = JSON.parse(listed.stdout) as {
      name: string;
      missed: unknown;
      nextFireTimes: string[];
      payload: unknown;
    }[];
    expect(schedule).toMatchObject({ name: 'sync:acme', missed: { catchUp: 2 }, payload: { type: 'all' } });
    expect(schedule!.nextFireTimes).toHaveLength(4);
    const gaps = schedule!.nextFireTimes
      .slice(1)
      .map((t, i) => Date.parse(t) - Date.parse(schedule!.nextFireTimes[i]!));
    expect(gaps).toEqual([300_000, 300_000, 300_000]);

    const paused = await cli('schedules', 'pause', 'sync:acme', '--json');
    expect(JSON.parse(paused.stdout)[0]).toMatchObject({ paused: true, nextFireTimes: [] });
    const resumed = await cli('schedules', 'resume', 'sync:acme');
    expect(resumed.stdout).toMatch(/active/);
    expect((await cli('schedules', 'remove', 'sync:acme')).stdout).toMatch(/removed schedule sync:acme/);
    const again = await cli('schedules', 'remove', 'sync:acme');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no schedule named "sync:acme"/);
  });

  it('rejects bad input naming the field and stores nothing', async () => {
    const bad = await cli(
      'schedules',
      'add',
      'x',
      '--job',
      'echo',
      '--cron',
      '0 2 * * *',
      '--timezone',
      'Nowhere/City',
    );
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/timezone: "Nowhere\/City" is not a known IANA time zone/);
    const unknown = await cli('schedules', 'add', 'x', '--job', 'ghost', '--cron', '0 2 * * *');
    expect(unknown.stderr).toMatch(/job: job "ghost" is not registered/);
    const cron = await cli('schedules', 'add', 'x', '--job', 'echo', '--cron', '0 2 * *');
    expect(cron.stderr).toMatch(/cron: "0 2 \* \*" is not a valid cron expression/);
    expect(await env.conveyor.schedules.get('x')).toBeNull();
  });
});

describe('conveyor worker --once --budget', { timeout: 60_000 }, () => {
  it('drains queued work and exits 0 with the summary', async () => {
    for (let i = 0; i < 4; i += 1) await env.conveyor.enqueue(echo, { i });
    const result = await cli('worker', '--once', '--budget', '10s', '--queues', 'cli', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ processed: 4, completed: 4, failed: 0, remaining: 0 });
    const text = await cli('worker', '--once', '--budget', '2s');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^processed 0 \(0 completed, 0 failed\); 0 remaining; \d+ ms/);
    const usage = await cli('worker', '--budget', '2s');
    expect(usage.code).toBe(2);
  });
});
