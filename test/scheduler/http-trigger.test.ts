/** The HTTP trigger: bearer secret in constant time, enqueue by name, budgeted drain with a summary. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { bearerToken, secretMatches } from '../../src/http/bearer-auth.ts';
import { createTriggerHandler, toNodeHandler } from '../../src/http/index.ts';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
const SECRET = 'cron-secret-0123456789abcdef';
const ran: unknown[] = [];
const daily = defineJob({ name: 'daily', queue: 'http', handler: ({ payload }) => void ran.push(payload) });
const flaky = defineJob({
  name: 'flaky',
  queue: 'http',
  defaults: { attempts: 1 },
  handler: () => {
    throw new Error('nope');
  },
});

let server: Server | null = null;
afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
});

const jobCount = async () =>
  Number((await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM conveyor.jobs'))[0]!.n) +
  Number((await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM conveyor.job_runs'))[0]!.n);

describe('secret comparison', () => {
  it('hashes both sides to a fixed length, so any length or prefix goes through timingSafeEqual', () => {
    expect(secretMatches(SECRET, [SECRET])).toBe(true);
    expect(secretMatches('', [SECRET])).toBe(false);
    expect(secretMatches(SECRET.slice(0, -1), [SECRET])).toBe(false);
    expect(secretMatches(`${SECRET}x`, [SECRET])).toBe(false);
    expect(secretMatches(`X${SECRET.slice(1)}`, [SECRET])).toBe(false);
    expect(secretMatches('x'.repeat(10_000), [SECRET])).toBe(false);
    expect(secretMatches(SECRET, ['another-secret-value-xyz', SECRET])).toBe(true); // rotation
    expect(bearerToken(`Bearer ${SECRET}`)).toBe(SECRET);
    expect(bearerToken(`Basic ${SECRET}`)).toBe('');
    expect(bearerToken(null)).toBe('');
  });

  it('takes about as long for a wrong first character as for a wrong last one (coarse median check)', () => {
    const firstWrong = `X${SECRET.slice(1)}`;
    const lastWrong = `${SECRET.slice(0, -1)}X`;
    const median = (given: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 2_001; i += 1) {
        const start = process.hrtime.bigint();
        secretMatches(given, [SECRET]);
        samples.push(Number(process.hrtime.bigint() - start));
      }
      return samples.sort((a, b) => a - b)[1_000]!;
    };
    median(SECRET); // warm up
    const [a, b] = [median(firstWrong), median(lastWrong)];
    // Generous: a leaky early-exit comparison of hashes cannot be shown at this scale anyway; the
    // bound catches gross differences (e.g. a path that skips hashing) without flaking.
    expect(Math.max(a, b) / Math.min(a, b)).toBeLessThan(5);
  });
});

describe('secret setup', () => {
  it('refuses at setup a secret no Authorization header can carry, naming the option and the fix', () => {
    const conveyor = db.open({ jobs: [daily] });
    // '✓' is beyond Latin-1 (a header cannot hold it); 'é' arrives re-encoded from a UTF-8 client;
    // a space ends the token. Each would make every request a 401.
    for (const secret of ['sécret-0123456789✓', 'sécret-0123456789abc', 'cron secret 0123456789']) {
      expect(() => createTriggerHandler(conveyor, { secret })).toThrow(
        /^secret: has a space or a character outside printable ASCII .*openssl rand -hex 32/,
      );
    }
    expect(() => createTriggerHandler(conveyor, { secret: [SECRET, 'rotated-secret-ünïcode'] })).toThrow(
      /^secret\[1\]: /,
    );
    // The message never repeats the secret.
    expect(() => createTriggerHandler(conveyor, { secret: 'sécret-0123456789✓' })).not.toThrow(/sécret/);
    expect(() => createTriggerHandler(conveyor, { secret: SECRET })).not.toThrow();
  });
});

describe('HTTP trigger', { timeout: 30_000 }, () => {
  it('rejects a missing or wrong secret with 401 and runs nothing', async () => {
    const conveyor = db.open({ jobs: [daily] });
    await conveyor.migrate();
    const handler = createTriggerHandler(conveyor, { secret: SECRET });
    const before = await jobCount();
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${SECRET}x`, `Basic ${SECRET}`]) {
      const response = await handler(
        new Request('http://host/jobs/process?job=daily', {
          method: 'POST',
          ...(authorization ? { headers: { authorization } } : {}),
        }),
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect(await jobCount()).toBe(before);
    expect(() => createTriggerHandler(conveyor, { secret: 'short' })).toThrow(/secret/);
  });

  it('enqueues a job by name with a JSON body, and names the field of bad input', async () => {
    const conveyor = db.open({ jobs: [daily] });
    const handler = createTriggerHandler(conveyor, { secret: SECRET });
    const post = (query: string, body?: string) =>
      handler(
        new Request(`http://host/jobs/process?${query}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${SECRET}` },
          ...(body !== undefined ? { body } : {}),
        }),
      );
    const ok = await post('job=daily', '{"tenant":"t1"}');
    expect(ok.status).toBe(202);
    const { enqueued } = (await ok.json()) as { enqueued: { id: string; created: boolean } };
    expect((await conveyor.getJob(enqueued.id))?.payload).toEqual({ tenant: 't1' });
    expect(((await (await post('job=nope')).json()) as { error: { code: string } }).error.code).toBe(
      'UNKNOWN_JOB',
    );
    const badJson = await post('job=daily', '{nope');
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { field: string } }).error.field).toBe('body');
    expect((await post('')).status).toBe(400);
    expect((await post('budget=1h')).status).toBe(400); // above maxBudget (15m)
    const get = await handler(
      new Request('http://host/jobs/process?job=daily', { headers: { authorization: `Bearer ${SECRET}` } }),
    );
    expect(get.status).toBe(405);
  });

  it('drains queued work for a budget over Node http and returns { processed, failed, remaining }', async () => {
    const conveyor = db.open({ jobs: [daily, flaky] });
    for (let i = 0; i < 5; i += 1) await conveyor.enqueue(daily, { i });
    await conveyor.enqueue(flaky, {});
    server = createServer(toNodeHandler(createTriggerHandler(conveyor, { secret: SECRET })));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/jobs/process?budget=5s&queues=http`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(response.status).toBe(200);
    const summary = (await response.json()) as Record<string, number>;
    expect(summary).toMatchObject({ processed: 7, completed: 6, failed: 1, remaining: 0 });
    expect(summary.durationMs).toBeLessThan(5_000);
    const denied = await fetch(`http://127.0.0.1:${port}/jobs/process?budget=5s`, { method: 'POST' });
    expect(denied.status).toBe(401);
  });
});
