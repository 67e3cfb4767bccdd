/**
 * Every alert rule fires once and resolves, delivered to a real local webhook with a valid
 * HMAC-SHA256 signature; two instances evaluating at once open each incident once.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertRule, type Conveyor, defineJob, verifyWebhookSignature } from '../../src/index.ts';
import { signWebhook } from '../../src/observe/alerts/webhook.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { minutes, seedRuns } from './runs-seed.ts';
import { type Received, startReceiver } from './webhook-receiver.ts';

const db = useConveyorDatabase();
const SECRET = 'test-shared-secret';
const rules: AlertRule[] = [
  { id: 'cf', kind: 'consecutive-failures', threshold: 2, job: 'cf' },
  { id: 'sr', kind: 'slow-run', factor: 3, job: 'sr', minSamples: 3 },
  { id: 'er', kind: 'error-rate', percent: 50, window: '1h', job: 'er', minRuns: 4 },
  { id: 'dl', kind: 'dead-letters', queue: 'dl' },
  { id: 'qd', kind: 'queue-depth', threshold: 2, queue: 'qd' },
  { id: 'mr', kind: 'missed-run', job: 'mr', within: '1h' },
];
const dies = defineJob({
  name: 'dies',
  queue: 'dl',
  defaults: { attempts: 1 },
  handler: () => Promise.reject(new Error('x')),
});
const waits = defineJob({ name: 'waits', queue: 'qd', handler: () => null });

let receiver: Awaited<ReturnType<typeof startReceiver>>;
const logLines: { msg: string; rule?: string }[] = [];
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function open(): Conveyor {
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as { msg: string; rule?: string });
        done();
      },
    }),
  );
  return db.open({
    jobs: [dies, waits],
    logger,
    alerts: { rules, webhooks: [{ url: receiver.url, secret: SECRET }] },
  });
}

interface Delivered {
  type: string;
  incident: { rule: string; subject: string; message: string };
}

function delivered(from: number): Delivered[] {
  return receiver.received.slice(from).map((r: Received) => {
    expect(r.headers['content-type']).toBe('application/json');
    const ok = verifyWebhookSignature({
      secret: SECRET,
      rawBody: r.rawBody,
      signature: r.headers['x-conveyor-signature'] as string,
      timestamp: r.headers['x-conveyor-timestamp'] as string,
    });
    expect(ok).toBe(true);
    expect(
      verifyWebhookSignature({
        secret: 'wrong',
        rawBody: r.rawBody,
        signature: r.headers['x-conveyor-signature'] as string,
        timestamp: r.headers['x-conveyor-timestamp'] as string,
      }),
    ).toBe(false);
    return JSON.parse(r.rawBody) as Delivered;
  });
}

const keys = (list: Delivered[]): string[] =>
  list.map((d) => `${d.type}:${d.incident.rule}:${d.incident.subject}`).sort();

describe('alerts', () => {
  it('each rule fires once per incident and resolves when the condition clears', async () => {
    const a = open();
    const b = open();
    await a.migrate();
    const T = new Date();
    // Conditions: 2 consecutive failures; a run 10× the mean; 75 % failing; a dead job; 3 waiting.
    await seedRuns(db.url, [
      { name: 'cf', status: 'completed', at: minutes(T, -30) },
      { name: 'cf', status: 'failed', at: minutes(T, -20), error: 'boom 1' },
      { name: 'cf', status: 'dead', at: minutes(T, -10), error: 'boom 2' },
      ...[50, 40, 30].map((m) => ({
        name: 'sr',
        status: 'completed' as const,
        at: minutes(T, -m),
        durationMs: 100,
      })),
      { name: 'sr', status: 'completed', at: minutes(T, -20), durationMs: 1_000 },
      ...[40, 30, 20].map((m) => ({
        name: 'er',
        status: 'failed' as const,
        at: minutes(T, -m),
        error: 'bad',
      })),
      { name: 'er', status: 'completed', at: minutes(T, -10) },
    ]);
    const dead = await a.enqueue(dies, null);
    const died = a.once('job:dead', (e) => e.job.id === dead.id);
    const worker = a.worker({ queues: ['dl'], handleSignals: false });
    await worker.start();
    await died;
    await worker.stop();
    const waiting = await Promise.all([1, 2, 3].map(() => a.enqueue(waits, null)));

    // Two processes evaluate at once: each incident is opened (and delivered) once.
    const [ea, eb] = await Promise.all([a.alerts.evaluate(T), b.alerts.evaluate(T)]);
    const opened = [...ea.opened, ...eb.opened].map((i) => i.rule).sort();
    expect(opened).toEqual(['cf', 'dl', 'er', 'qd', 'sr']);
    expect(keys(delivered(0))).toEqual([
      'alert.firing:cf:cf',
      'alert.firing:dl:dl',
      'alert.firing:er:er',
      'alert.firing:qd:qd',
      'alert.firing:sr:sr',
    ]);
    expect(
      logLines
        .filter((l) => l.msg.startsWith('alert firing'))
        .map((l) => l.rule)
        .sort(),
    ).toEqual(opened);
    expect((await a.alerts.incidents()).map((i) => i.rule).sort()).toEqual(opened);

    // Still firing: nothing new is opened or delivered.
    const again = await a.alerts.evaluate(new Date(T.getTime() + 1_000));
    expect(again).toEqual({ opened: [], resolved: [] });
    expect(receiver.received).toHaveLength(5);

    // Clear every condition.
    await seedRuns(db.url, [
      { name: 'cf', status: 'completed', at: minutes(T, 1) },
      { name: 'sr', status: 'completed', at: minutes(T, 1), durationMs: 100 },
      ...[1, 1, 1, 1].map(() => ({ name: 'er', status: 'completed' as const, at: minutes(T, 1) })),
    ]);
    await a.deadLetters.replay({ ids: [dead.id] });
    expect(await a.cancel(waiting[0]!.id)).toBe(true);
    const cleared = await a.alerts.evaluate(minutes(T, 2));
    expect(cleared.opened).toEqual([]);
    expect(cleared.resolved.map((i) => i.rule).sort()).toEqual(opened);
    expect(keys(delivered(5))).toEqual([
      'alert.resolved:cf:cf',
      'alert.resolved:dl:dl',
      'alert.resolved:er:er',
      'alert.resolved:qd:qd',
      'alert.resolved:sr:sr',
    ]);
    expect(await b.alerts.evaluate(minutes(T, 3))).toEqual({ opened: [], resolved: [] });

    // A scheduled job with no success within its period fires, then resolves on a success.
    const missed = await a.alerts.evaluate(minutes(T, 120));
    expect(missed.opened.map((i) => [i.rule, i.subject])).toEqual([['mr', 'mr']]);
    await seedRuns(db.url, [{ name: 'mr', status: 'completed', at: minutes(T, 121) }]);
    const recovered = await a.alerts.evaluate(minutes(T, 122));
    expect(recovered.resolved.map((i) => i.rule)).toEqual(['mr']);
    expect(keys(delivered(10))).toEqual(['alert.firing:mr:mr', 'alert.resolved:mr:mr']);

    const rows = await sql<{ rule: string; open: number; resolved: number }>(
      db.url,
      `SELECT rule, count(*) FILTER (WHERE resolved_at IS NULL)::int AS open,
         count(*) FILTER (WHERE resolved_at IS NOT NULL)::int AS resolved
       FROM conveyor.alert_incidents GROUP BY rule ORDER BY rule`,
    );
    expect(rows).toEqual(
      ['cf', 'dl', 'er', 'mr', 'qd', 'sr'].map((rule) => ({ rule, open: 0, resolved: 1 })),
    );
  });

  it('rejects a tampered body, a wrong secret or an old timestamp', () => {
    const rawBody = '{"type":"alert.firing","incident":{"rule":"cf"}}';
    const now = new Date('2026-05-01T12:00:00Z');
    const timestamp = Math.floor(now.getTime() / 1000);
    const signature = signWebhook(SECRET, timestamp, rawBody);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const check = (changes: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({
        secret: SECRET,
        rawBody,
        signature,
        timestamp: String(timestamp),
        now,
        ...changes,
      });
    expect(check({})).toBe(true);
    expect(check({ rawBody: `${rawBody} ` })).toBe(false);
    expect(check({ secret: 'other' })).toBe(false);
    expect(check({ timestamp: String(timestamp + 1) })).toBe(false);
    expect(check({ now: new Date(now.getTime() + 10 * 60_000) })).toBe(false);
    expect(check({ signature: undefined })).toBe(false);
  });
});
