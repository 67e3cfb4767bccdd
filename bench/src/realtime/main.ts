/**
 * Realtime bench (issue 14), beside the plain Socket.IO Redis adapter as the baseline contender:
 *   node --experimental-strip-types src/realtime/main.ts --mode=quick|full
 *     [--only=conveyor,socketio-redis-adapter] [--scenarios=event_socket_latency_p99,...]
 *     [--out=path] [--no-build]
 *
 * - event_socket_latency_p99 (ms): publish → socket receive, p50/p99, at `latencyRate` events/s
 *   with `latencyClients` clients over two gateway processes; each event goes to one tenant's
 *   sockets (round-robin over `latencyTenants` tenants). A warm-up second is not counted.
 * - event_fanout_10k_sockets_ms (ms): one tenant event to `fanoutSockets` sockets over two gateway
 *   processes: publish → the last socket's receipt; the median of `fanoutRounds` events.
 *
 * The clients and the publisher share the runner's process (one clock); each gateway node is a
 * process of its own. Results are merged into results/quick.json (quick) or results/latest.json
 * (full) under those keys, one entry per contender, in the format of the other workloads.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import type { Socket } from 'socket.io-client';
import { connectMany, disconnectAll } from './clients.ts';
import { openPublisher } from './publishers.ts';
import {
  REALTIME_CONTENDERS,
  REALTIME_SIZES,
  type RealtimeContender,
  type RealtimeSizes,
} from './realtime-shared.ts';

const BENCH = new URL('../../', import.meta.url);
const ROOT = new URL('../', BENCH);
const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key!, value ?? 'true'] as const;
  }),
);
const mode = (args.get('mode') ?? 'quick') as 'quick' | 'full';
const sizes: RealtimeSizes = REALTIME_SIZES[mode];
if (!sizes) throw new Error(`--mode must be quick or full, not ${mode}`);
const contenders = (args.get('only')?.split(',') ?? REALTIME_CONTENDERS) as RealtimeContender[];
const WORKLOADS = ['event_socket_latency_p99', 'event_fanout_10k_sockets_ms'] as const;
const scenarios = args.get('scenarios')?.split(',') ?? [...WORKLOADS];
const outPath =
  args.get('out') ?? new URL(`results/${mode === 'full' ? 'latest' : 'quick'}.json`, BENCH).pathname;

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

interface Node {
  url: string;
  child: ChildProcess;
}

async function startNode(contender: RealtimeContender, prefix: string): Promise<Node> {
  const child = spawn(
    process.execPath,
    [
      '--experimental-strip-types',
      '--no-warnings',
      new URL('gateway-node.ts', import.meta.url).pathname,
      contender,
      prefix,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`gateway node (${contender}) exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return { url: `http://127.0.0.1:${port}`, child };
}

async function stopNode(node: Node): Promise<void> {
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.stdin!.end();
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Publishes at `rate` events/s for `seconds`, in 10 ms ticks; resolves with how many were sent. */
async function publishAtRate(publish: (n: number) => void, rate: number, seconds: number): Promise<number> {
  const started = performance.now();
  let sent = 0;
  const total = Math.round(rate * seconds);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    while (sent < due) publish(sent++);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return sent;
}

async function latencyRun(contender: RealtimeContender, urls: string[], prefix: string) {
  const tenantOf = (n: number): string => `lat-${n % sizes.latencyTenants}`;
  const sockets = await connectMany(contender, urls, sizes.latencyClients, tenantOf);
  const perTenant = sizes.latencyClients / sizes.latencyTenants;
  let samples: number[] = [];
  let received = 0;
  const onEvent = (event: { payload: { sentAt: number } }): void => {
    samples.push(performance.now() - event.payload.sentAt);
    received += 1;
  };
  for (const socket of sockets) socket.on('card.transition', onEvent);
  const publisher = await openPublisher(contender, prefix);
  const publish = (n: number): void => {
    void publisher.publish(`lat-${n % sizes.latencyTenants}`, { n, sentAt: performance.now() });
  };
  try {
    await publishAtRate(publish, sizes.latencyRate, sizes.latencyWarmupSeconds);
    await new Promise((resolve) => setTimeout(resolve, 500));
    samples = [];
    received = 0;
    const started = performance.now();
    const events = await publishAtRate(publish, sizes.latencyRate, sizes.latencySeconds);
    const expected = events * perTenant;
    const deadline = performance.now() + 5_000;
    while (received < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      value: round(percentile(sorted, 99)),
      seconds: round(seconds, 1),
      lost: expected - received,
      extra: {
        p50_ms: round(percentile(sorted, 50)),
        p99_ms: round(percentile(sorted, 99)),
        max_ms: round(sorted.at(-1) ?? Number.NaN),
        events,
        deliveries: expected,
        received,
        clients: sizes.latencyClients,
        tenants: sizes.latencyTenants,
        rate: sizes.latencyRate,
        nodes: urls.length,
      },
    };
  } finally {
    await publisher.close();
    await disconnectAll(sockets);
  }
}

async function fanoutRun(contender: RealtimeContender, urls: string[], prefix: string) {
  const sockets: Socket[] = await connectMany(contender, urls, sizes.fanoutSockets, () => 'fanout-1');
  const publisher = await openPublisher(contender, prefix);
  const rounds: number[] = [];
  let lost = 0;
  try {
    for (let round_ = 0; round_ < sizes.fanoutRounds; round_ += 1) {
      let received = 0;
      let last = 0;
      const done = new Promise<void>((resolve) => {
        const onEvent = (): void => {
          received += 1;
          if (received === sockets.length) {
            last = performance.now();
            resolve();
          }
        };
        for (const socket of sockets) socket.once('card.transition', onEvent);
        setTimeout(resolve, 10_000);
      });
      const sentAt = performance.now();
      await publisher.publish('fanout-1', { round: round_ });
      await done;
      if (received < sockets.length) {
        lost += sockets.length - received;
        for (const socket of sockets) socket.off('card.transition');
      } else rounds.push(last - sentAt);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await publisher.close();
    await disconnectAll(sockets);
  }
  const sorted = [...rounds].sort((a, b) => a - b);
  return {
    value: round(percentile(sorted, 50)),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted.at(-1) ?? Number.NaN),
    lost,
    extra: { sockets: sizes.fanoutSockets, nodes: urls.length, rounds: rounds.map((value) => round(value)) },
  };
}

if (args.get('no-build') !== 'true') {
  log('building Conveyor (npm run build in the repo root)');
  execFileSync('npm', ['--prefix', ROOT.pathname, 'run', 'build'], { stdio: 'pipe' });
}

const results: Record<string, Record<string, unknown>> = {};
for (const contender of contenders) {
  const prefix = `bench_rt_${randomBytes(4).toString('hex')}`;
  const nodes = await Promise.all([startNode(contender, prefix), startNode(contender, prefix)]);
  const urls = nodes.map((node) => node.url);
  try {
    if (scenarios.includes('event_socket_latency_p99')) {
      log(`${contender}: event_socket_latency_p99 (${sizes.latencyClients} clients, ${sizes.latencyRate}/s)`);
      const run = await latencyRun(contender, urls, prefix);
      log(`${contender}: p50 ${run.extra.p50_ms} ms, p99 ${run.extra.p99_ms} ms, lost ${run.lost}`);
      results.event_socket_latency_p99 ??= {};
      results.event_socket_latency_p99[contender] = {
        value: run.value,
        unit: 'ms',
        min: run.value,
        max: run.value,
        lost: run.lost,
        duplicated: 0,
        runs: [{ run: 1, ...run }],
        extra: run.extra,
      };
    }
    if (scenarios.includes('event_fanout_10k_sockets_ms')) {
      log(`${contender}: event_fanout_10k_sockets_ms (${sizes.fanoutSockets} sockets)`);
      const run = await fanoutRun(contender, urls, prefix);
      log(`${contender}: median ${run.value} ms (${run.extra.rounds.join(', ')}), lost ${run.lost}`);
      results.event_fanout_10k_sockets_ms ??= {};
      results.event_fanout_10k_sockets_ms[contender] = {
        value: run.value,
        unit: 'ms',
        min: run.min,
        max: run.max,
        lost: run.lost,
        duplicated: 0,
        runs: run.extra.rounds.map((value, index) => ({
          run: index + 1,
          value,
          seconds: round(value / 1000, 3),
        })),
        extra: run.extra,
      };
    }
  } finally {
    await Promise.all(nodes.map(stopNode));
  }
}

const file = existsSync(outPath)
  ? (JSON.parse(readFileSync(outPath, 'utf8')) as {
      meta: Record<string, unknown>;
      results: Record<string, unknown>;
    })
  : { meta: {}, results: {} };
for (const [workload, entries] of Object.entries(results)) {
  file.results[workload] = { ...((file.results[workload] as object | undefined) ?? {}), ...entries };
}
file.meta.realtime = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  loadAverageAtEnd: os.loadavg().map((value) => round(value)),
  sizes,
  method: [
    'two gateway processes per contender; clients (socket.io-client, WebSocket) and the publisher in the runner process, one clock',
    'conveyor: RedisEventFanout.deliver per event (the relay), per-tenant subscription per node, HS256 handshake auth',
    'socketio-redis-adapter: a Socket.IO instance with the Redis adapter emits to tenant:{id}; nodes join sockets to that room, no auth',
  ],
};
writeFileSync(outPath, `${JSON.stringify(file, null, 2)}\n`);
log(`wrote ${outPath}`);
process.exit(0);
