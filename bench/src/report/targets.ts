/**
 * The issue's targets for Conveyor, checked against a results file: each says met or missed with
 * the figures it was judged on, so RESULTS.md says plainly where Conveyor falls short.
 */
import type { Entry } from '../aggregate.ts';
import { whole } from '../progress.ts';

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

export function verdicts(results: Results): Verdict[] {
  const out: Verdict[] = [];
  const drain = value(results, 'drain_c50', 'conveyor');
  const peer = bestPeer(results, 'drain_c50');
  out.push({
    target: 'drain_c50 ≥ 2 × the best peer',
    measured:
      drain !== null && peer
        ? `${whole(drain)} jobs/s vs ${peer.peer} ${whole(peer.value)} (${(drain / peer.value).toFixed(2)}×)`
        : 'not measured',
    met: drain !== null && peer ? drain >= 2 * peer.value : null,
  });
  const enqueue = value(results, 'enqueue_single_16', 'conveyor');
  const bull = value(results, 'enqueue_single_16', 'bullmq-redis');
  out.push({
    target: 'enqueue_single_16 ≥ BullMQ on Redis, durable',
    measured:
      enqueue !== null && bull !== null
        ? `${whole(enqueue)} jobs/s vs ${whole(bull)} (${(enqueue / bull).toFixed(2)}×)`
        : 'not measured',
    met: enqueue !== null && bull !== null ? enqueue >= bull : null,
  });
  const limit = (metric: string, label: string, max: number, unit: string, min = false) => {
    const v = value(results, metric, 'conveyor');
    const e = results[metric]?.conveyor;
    const lostOk = (e?.lost ?? 0) === 0;
    out.push({
      target: label,
      measured:
        v === null
          ? 'not measured'
          : `${v.toFixed(unit === 'share' ? 2 : 1)} ${unit}${lostOk ? '' : `, ${e?.lost} lost`}`,
      met: v === null ? null : (min ? v >= max : v <= max) && lostOk,
    });
  };
  limit('latency_idle_p99', 'latency_idle_p99 ≤ 5 ms', 5, 'ms');
  limit('backlog_share', 'backlog_share ≥ 0.8', 0.8, 'share', true);
  limit('crash_recovery_s', 'crash_recovery_s ≤ 10 with 0 lost', 10, 's');
  limit('fairness_small_p99_ms', 'fairness_small_p99_ms ≤ 1,000', 1_000, 'ms');
  return out;
}

export function targetsTable(results: Results): string {
  const lines = ['| target | Conveyor measured | verdict |', '| --- | --- | --- |'];
  for (const v of verdicts(results)) {
    lines.push(`| ${v.target} | ${v.measured} | ${v.met === null ? '—' : v.met ? 'met' : '**missed**'} |`);
  }
  return `${lines.join('\n')}\n`;
}
