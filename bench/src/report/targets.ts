/**
 * The issue's targets for Conveyor, checked against a results file: each says met or missed with
 * the figures it was judged on, so RESULTS.md says plainly where Conveyor falls short.
 */
import type { Entry } from '../aggregate.ts';
import { whole } from '../progress.ts';

/** Issue 17's throughput targets, also set beside the machine's ceilings (ceilings.ts). */
export const DRAIN_OVER_BEST_PEER = 1.2;
export const ENQUEUE_SHARE_OF_NODE = 0.85;

type Results = Record<string, Record<string, Entry>>;

interface Verdict {
  target: string;
  measured: string;
  met: boolean | null;
}

const PEERS = ['graphile-worker', 'graphile-worker-localqueue', 'pg-boss', 'bullmq-redis', 'bullmq-postgres'];

export function value(results: Results, metric: string, contender: string): number | null {
  const e = results[metric]?.[contender];
  if (!e || e.skipped || e.failed) return null;
  return e.value ?? null;
}

export function bestPeer(results: Results, metric: string): { peer: string; value: number } | null {
  let best: { peer: string; value: number } | null = null;
  for (const peer of PEERS) {
    const v = value(results, metric, peer);
    if (v !== null && (best === null || v > best.value)) best = { peer, value: v };
  }
  return best;
}

/** The figures of `bench:ceilings` a target is judged against (results/ceilings.json). */
export interface CeilingFigures {
  /** node_enqueue: one Node process that only coalesces 16 awaited producers and inserts. */
  nodeEnqueue: number;
  date: string;
  /** Measured within two hours of the run judged: only then is the ratio a verdict (issue 17). */
  sameSession: boolean;
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/**
 * Issue 17's targets (side-by-side ratios from one run, plus cost per job), then the figures of
 * issue 3 that still hold Conveyor to account (backlog, crash recovery, fairness).
 */
export function verdicts(results: Results, ceilings?: CeilingFigures): Verdict[] {
  const out: Verdict[] = [];
  const push = (target: string, measured: string | null, met: boolean | null) =>
    out.push({ target, measured: measured ?? 'not measured', met: measured === null ? null : met });
  const cpu = (metric: string, contender: string): number | null => {
    const e = results[metric]?.[contender];
    return e && !e.skipped && !e.failed ? (e.cpu_us_per_job ?? null) : null;
  };

  const cost = cpu('drain_c50', 'conveyor');
  const peerCost = cpu('drain_c50', 'graphile-worker-localqueue');
  push(
    'cost: drain_c50 CPU per job ≤ 1.0× graphile-worker-localqueue (stretch 0.8×)',
    cost !== null && peerCost !== null
      ? `${cost.toFixed(1)} vs ${peerCost.toFixed(1)} µs/job (${ratio(cost, peerCost)})`
      : null,
    cost !== null && peerCost !== null && cost <= peerCost,
  );

  const drain = value(results, 'drain_c50', 'conveyor');
  const twoProc = value(results, 'drain_c50_2proc', 'conveyor');
  const twoProcPeer = bestPeer(results, 'drain_c50_2proc');
  push(
    'scale-out: drain_c50_2proc ≥ 1.2× own drain_c50 and ≥ 1.0× the best peer',
    twoProc !== null && drain !== null && twoProcPeer
      ? `${whole(twoProc)} jobs/s: ${ratio(twoProc, drain)} own drain_c50, ${ratio(twoProc, twoProcPeer.value)} ${twoProcPeer.peer}`
      : null,
    twoProc !== null &&
      drain !== null &&
      twoProcPeer !== null &&
      twoProc >= 1.2 * drain &&
      twoProc >= twoProcPeer.value,
  );

  const peer = bestPeer(results, 'drain_c50');
  push(
    `drain: drain_c50 ≥ ${DRAIN_OVER_BEST_PEER}× the best peer`,
    drain !== null && peer
      ? `${whole(drain)} jobs/s vs ${peer.peer} ${whole(peer.value)} (${ratio(drain, peer.value)})`
      : null,
    drain !== null && peer !== null && drain >= DRAIN_OVER_BEST_PEER * peer.value,
  );
  const tenants = value(results, 'drain_c50_tenants', 'conveyor');
  push(
    'drain: drain_c50_tenants (100 tenants, fair) ≥ 0.9× drain_c50',
    tenants !== null && drain !== null ? `${whole(tenants)} jobs/s (${ratio(tenants, drain)})` : null,
    tenants !== null && drain !== null && tenants >= 0.9 * drain,
  );

  const enqueue = value(results, 'enqueue_single_16', 'conveyor');
  const bull = value(results, 'enqueue_single_16', 'bullmq-redis');
  push(
    `enqueue: enqueue_single_16 ≥ ${ENQUEUE_SHARE_OF_NODE} of node_enqueue (bench:ceilings)`,
    enqueue !== null && ceilings
      ? `${whole(enqueue)} jobs/s, ${(enqueue / ceilings.nodeEnqueue).toFixed(2)} of ${whole(ceilings.nodeEnqueue)}${ceilings.sameSession ? '' : ` (ceiling of another session, ${ceilings.date.slice(0, 10)}: not judged)`}${bull !== null ? `; ${ratio(enqueue, bull)} BullMQ on Redis` : ''}`
      : null,
    enqueue !== null && ceilings !== undefined && enqueue >= ENQUEUE_SHARE_OF_NODE * ceilings.nodeEnqueue,
  );
  if (ceilings && !ceilings.sameSession) out.at(-1)!.met = null;

  const limit = (metric: string, label: string, max: number, unit: string, min = false) => {
    const v = value(results, metric, 'conveyor');
    const e = results[metric]?.conveyor;
    const lostOk = (e?.lost ?? 0) === 0;
    push(
      label,
      v === null
        ? null
        : `${v.toFixed(unit === 'share' ? 2 : unit === 'ms' && max < 10 ? 2 : 1)} ${unit}${lostOk ? '' : `, ${e?.lost} lost`}`,
      v !== null && (min ? v >= max : v <= max) && lostOk,
    );
  };
  limit('latency_idle_p50', 'latency: latency_idle_p50 ≤ 0.8 ms', 0.8, 'ms');
  limit('latency_idle_p99', 'latency: latency_idle_p99 ≤ 5 ms', 5, 'ms');

  const cold = value(results, 'cold_start_ms', 'conveyor');
  let fastest: { peer: string; value: number } | null = null;
  for (const p of PEERS) {
    const v = value(results, 'cold_start_ms', p);
    if (v !== null && (fastest === null || v < fastest.value)) fastest = { peer: p, value: v };
  }
  push(
    'cold start: cold_start_ms the best of the field',
    cold !== null && fastest
      ? `${cold.toFixed(0)} ms vs ${fastest.peer} ${fastest.value.toFixed(0)} ms (${ratio(cold, fastest.value)})`
      : null,
    cold !== null && fastest !== null && cold <= fastest.value,
  );

  limit('backlog_share', 'backlog_share ≥ 0.8 (issue 3)', 0.8, 'share', true);
  limit('crash_recovery_s', 'crash_recovery_s ≤ 10 with 0 lost (issue 3)', 10, 's');
  limit('fairness_small_p99_ms', 'fairness_small_p99_ms ≤ 1,000 (issue 3)', 1_000, 'ms');
  return out;
}

export function targetsTable(results: Results, ceilings?: CeilingFigures): string {
  const lines = ['| target | Conveyor measured | verdict |', '| --- | --- | --- |'];
  for (const v of verdicts(results, ceilings)) {
    lines.push(`| ${v.target} | ${v.measured} | ${v.met === null ? '—' : v.met ? 'met' : '**missed**'} |`);
  }
  return `${lines.join('\n')}\n`;
}
