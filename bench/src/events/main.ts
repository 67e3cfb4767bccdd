/**
 * Event bus throughput: npm run bench:events [-- --seconds=N --runs=N --no-build]
 *
 * Workload `event_publish_16` (events/s): 16 concurrent producers, each awaiting one
 * `bus.publish(...)` after another (a durable publish: resolved only after its commit; concurrent
 * publishes share one statement), tenants spread over 16 streams, ~100-byte payloads. The relay is
 * off in this process (`relay: false`), so the figure is the outbox's publish rate alone. After
 * each run the events in the outbox are counted: lost = acknowledged but not stored.
 *
 * Beside it, the baseline `redis-publish`: the Arda seed's EventBus.publish on Redis, i.e. the
 * same 16 producers each awaiting a PUBLISH to `arda:events:{tenant}` and one to
 * `arda:events:global` (what the seed does per event, fire and forget: nothing is stored).
 *
 * Writes results/events.json in the contender bench's format ({ meta, results: { workload: {
 * contender: Entry } } }), each entry the median of the counted runs after one warm-up.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Redis } from 'ioredis';
import { type RunRecord, summarize } from '../aggregate.ts';
import { makePayload } from '../payload.ts';
import { progress } from '../progress.ts';
import { dropDatabase, freshDatabase, postgresMeta, REDIS, redisMeta, withClient } from '../stores.ts';

const BENCH = new URL('../../', import.meta.url);
const ROOT = new URL('../', BENCH);
const DIST = new URL('dist/index.js', ROOT);
const DATABASE = 'bench_events';
const PRODUCERS = 16;
const TENANTS = Array.from({ length: 16 }, (_, i) => `tenant-${i}`);

interface EventBusLike {
  publish(event: unknown, payload: unknown, options: { tenantId: string }): Promise<{ sequence: number }>;
}
interface ConveyorModule {
  createConveyor(options: Record<string, unknown>): {
    migrate(): Promise<unknown>;
    enqueue(job: unknown, payload: unknown, options: { tenantId: string }): Promise<unknown>;
    close(): Promise<void>;
  };
  createEventBus(options: Record<string, unknown>): EventBusLike;
  defineJob(definition: { name: string; queue: string; handler: () => Promise<void> }): unknown;
  defineEvent(definition: { type: string; schema: unknown }): unknown;
  createLogger(options: { level?: string }): unknown;
}

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

/** Runs 16 producers for `seconds`; returns how many publishes each acknowledged. */
async function producers(seconds: number, publish: (producer: number, n: number) => Promise<unknown>) {
  const end = performance.now() + seconds * 1_000;
  let acknowledged = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: PRODUCERS }, async (_, producer) => {
      for (let n = 0; performance.now() < end; n += 1) {
        await publish(producer, n);
        acknowledged += 1;
      }
    }),
  );
  return { acknowledged, elapsed: (performance.now() - started) / 1_000 };
}

async function main(): Promise<void> {
  const seconds = flag('seconds', 2);
  const runs = flag('runs', 3);
  if (!process.argv.includes('--no-build')) {
    progress('building Conveyor (npm run build)');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT.pathname, stdio: 'ignore' });
  }
  const conveyorModule = (await import(DIST.href)) as ConveyorModule;
  const { z } = (await import(new URL('node_modules/zod/index.js', ROOT).href)) as typeof import('zod');
  const url = await freshDatabase(DATABASE);
  const results: Record<string, Record<string, unknown>> = { event_publish_16: {} };
  try {
    // Conveyor's durable publish.
    const conveyor = conveyorModule.createConveyor({
      jobs: [],
      databaseUrl: url,
      poolSize: 8,
      logger: conveyorModule.createLogger({ level: 'silent' }),
    });
    await conveyor.migrate();
    const bus = conveyorModule.createEventBus({
      conveyor,
      relay: false,
      localFanout: false,
      retention: false,
    });
    const event = conveyorModule.defineEvent({
      type: 'card.transition',
      schema: z.object({ k: z.string(), t: z.number(), p: z.string() }),
    });
    const conveyorRuns: RunRecord[] = [];
    for (let run = 0; run <= runs; run += 1) {
      const before = await countEvents(url);
      const { acknowledged, elapsed } = await producers(seconds, (producer, n) =>
        bus.publish(event, makePayload(`r${run}-${producer}-${n}`), { tenantId: TENANTS[producer]! }),
      );
      const stored = (await countEvents(url)) - before;
      const value = Math.round((acknowledged / elapsed) * 1000) / 1000;
      progress(
        `conveyor-events run ${run === 0 ? 'warm-up' : run}: ${Math.round(value)} events/s (${acknowledged} acknowledged, ${stored} stored)`,
      );
      if (run > 0) {
        conveyorRuns.push({
          run,
          value,
          lost: Math.max(0, acknowledged - stored),
          duplicated: Math.max(0, stored - acknowledged),
          seconds: Math.round(elapsed * 10) / 10,
          extra: { events: acknowledged, producers: PRODUCERS, streams: TENANTS.length },
        });
      }
    }
    results.event_publish_16!['conveyor-events'] = summarize(conveyorRuns, 'events/s');

    // Calibration on the same machine state: the same producers awaiting enqueue (enqueue_single_16).
    const enqueueRuns: RunRecord[] = [];
    const job = conveyorModule.defineJob({ name: 'calibrate', queue: 'calibrate', handler: async () => {} });
    const enqueuer = conveyorModule.createConveyor({
      jobs: [job],
      databaseUrl: url,
      poolSize: 8,
      logger: conveyorModule.createLogger({ level: 'silent' }),
    });
    for (let run = 0; run <= runs; run += 1) {
      const { acknowledged, elapsed } = await producers(seconds, (producer, n) =>
        enqueuer.enqueue(job, makePayload(`r${run}-${producer}-${n}`), { tenantId: TENANTS[producer]! }),
      );
      const value = Math.round((acknowledged / elapsed) * 1000) / 1000;
      progress(`conveyor-enqueue run ${run === 0 ? 'warm-up' : run}: ${Math.round(value)} jobs/s`);
      if (run > 0) {
        enqueueRuns.push({
          run,
          value,
          seconds: Math.round(elapsed * 10) / 10,
          extra: { jobs: acknowledged, producers: PRODUCERS, note: 'calibration: enqueue_single_16 now' },
        });
      }
    }
    await enqueuer.close();
    await conveyor.close();
    results.event_publish_16!['conveyor-enqueue'] = summarize(enqueueRuns, 'events/s');

    // The seed's Redis PUBLISH (tenant channel + global channel per event).
    const redis = new Redis({ ...REDIS });
    const redisRuns: RunRecord[] = [];
    for (let run = 0; run <= runs; run += 1) {
      const { acknowledged, elapsed } = await producers(seconds, async (producer, n) => {
        const message = JSON.stringify({
          type: 'card.transition',
          tenantId: TENANTS[producer],
          ...makePayload(`r${run}-${producer}-${n}`),
        });
        await Promise.all([
          redis.publish(`arda:events:${TENANTS[producer]}`, message),
          redis.publish('arda:events:global', message),
        ]);
      });
      const value = Math.round((acknowledged / elapsed) * 1000) / 1000;
      progress(`redis-publish run ${run === 0 ? 'warm-up' : run}: ${Math.round(value)} events/s`);
      if (run > 0) {
        redisRuns.push({
          run,
          value,
          seconds: Math.round(elapsed * 10) / 10,
          extra: { events: acknowledged, producers: PRODUCERS, note: 'not stored: pub/sub is at most once' },
        });
      }
    }
    redis.disconnect();
    results.event_publish_16!['redis-publish'] = summarize(redisRuns, 'events/s');
  } finally {
    await dropDatabase(DATABASE);
  }
  const file = {
    meta: {
      mode: 'events',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      postgres: await postgresMeta(),
      redis: await redisMeta(),
      sizes: { seconds, runs, producers: PRODUCERS, streams: TENANTS.length },
      contenders: {
        'conveyor-events': 'createEventBus(...).publish, awaited, 16 producers, relay off in the process',
        'redis-publish': "the seed's EventBus.publish: PUBLISH to the tenant and global channels, awaited",
        'conveyor-enqueue': 'calibration: conveyor.enqueue by the same 16 producers in the same run (jobs/s)',
      },
    },
    results,
  };
  mkdirSync(new URL('results/', BENCH), { recursive: true });
  writeFileSync(new URL('results/events.json', BENCH), `${JSON.stringify(file, null, 2)}\n`);
  progress('wrote results/events.json');
}

async function countEvents(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM conveyor.events');
    return Number(rows[0]?.n ?? 0);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
