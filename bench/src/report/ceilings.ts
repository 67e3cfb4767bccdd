/**
 * "What this machine allows" in RESULTS.md: the ceilings of results/ceilings.json (pgbench's, and
 * those of a bare Node producer and worker) beside the two throughput targets of issue 17 they bound
 * (enqueue_single_16 ≥ 0.85 of node_enqueue; drain_c50 ≥ 1.2× the best peer), taken from the full
 * run (results/latest.json) as targets.ts defines them.
 * A target above its ceiling is out of reach on this machine for any queue of that kind, whatever
 * Conveyor does; the section says which, from the files, so a missed target reads in that light.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Entry } from '../aggregate.ts';
import { CEILINGS_FILE, type CeilingsFile } from '../ceilings/results-file.ts';
import { whole } from '../progress.ts';
import {
  bestPeer,
  DRAIN_OVER_BEST_PEER as DRAIN_OVER_PEER,
  ENQUEUE_SHARE_OF_NODE as ENQUEUE_SHARE,
  value,
} from './targets.ts';

type Results = Record<string, Record<string, Entry>>;

/** The part of a contender results file this section reads. */
interface RunFile {
  meta: { date: string; cpus: number; cpuModel: string };
  results: Results;
}

interface Bound {
  ceilingName: string;
  ceiling: number;
  ceilingUnit: string;
  targetName: string;
  /** The target's figure, how it was made, or null when the full run lacks it. */
  target: { value: number; from: string } | null;
  conveyor: number | null;
  /** What kind of queue a target above the ceiling is out of reach for. */
  outOfReachFor: string;
}

function bounds(ceilings: CeilingsFile, results: Results | undefined): Bound[] {
  const drainPeer = results ? bestPeer(results, 'drain_c50') : null;
  const nodeEnqueue = ceilings.results.node_enqueue_ceiling?.value ?? null;
  const all: Bound[] = [
    {
      ceilingName: 'durable enqueue, 16 awaited producers',
      ceiling: ceilings.results.enqueue16_ceiling.value,
      ceilingUnit: 'rows/s',
      targetName: 'enqueue_single_16 ≥ 0.85 of node_enqueue',
      target:
        nodeEnqueue === null
          ? null
          : {
              value: ENQUEUE_SHARE * nodeEnqueue,
              from: `${ENQUEUE_SHARE} × node_enqueue ${whole(nodeEnqueue)}`,
            },
      conveyor: results ? value(results, 'enqueue_single_16', 'conveyor') : null,
      outOfReachFor:
        'any queue whose awaited enqueue returns after a durable commit to this PostgreSQL, even one that coalesces the 16 producers into one INSERT',
    },
    {
      ceilingName: 'drain: claim + complete, nothing else',
      ceiling: ceilings.results.drain_ceiling.value,
      ceilingUnit: 'jobs/s',
      targetName: `drain_c50 ≥ ${DRAIN_OVER_PEER} × the best peer`,
      target:
        drainPeer === null
          ? null
          : {
              value: DRAIN_OVER_PEER * drainPeer.value,
              from: `${DRAIN_OVER_PEER} × ${drainPeer.peer} ${whole(drainPeer.value)}`,
            },
      conveyor: results ? value(results, 'drain_c50', 'conveyor') : null,
      outOfReachFor: 'any queue that writes a claim and a completion per job to this PostgreSQL',
    },
  ];
  const [enqueue, drain] = all as [Bound, Bound];
  // The bare Node clients bound the same targets as the pgbench rows above them.
  const nodeClients = [
    {
      of: enqueue,
      figure: ceilings.results.node_enqueue_ceiling,
      ceilingName: 'durable enqueue: one Node process (node-postgres) that only coalesces and inserts',
      outOfReachFor:
        'any queue whose producers run in one Node process on node-postgres, since this one did nothing per job but coalesce 16 awaited calls into one INSERT of bare rows',
    },
    {
      of: drain,
      figure: ceilings.results.node_drain_ceiling,
      ceilingName: 'drain: one Node worker (node-postgres) that only claims and deletes',
      outOfReachFor:
        'any worker running in one Node process on node-postgres, since this one did nothing per job but claim it, call a no-op handler and delete it',
    },
  ];
  for (const { of, figure, ceilingName, outOfReachFor } of nodeClients)
    if (figure) all.push({ ...of, ceilingName, ceiling: figure.value, outOfReachFor });
  return all;
}

/**
 * Whether the target is above the ceiling. Only a ceiling measured on the machine of the full run
 * bounds its targets: they come from peers measured there, and both move with the hardware.
 */
function verdict(bound: Bound, sameMachine: boolean): string {
  if (bound.target === null) return '—';
  const where = position(bound.target.value / bound.ceiling);
  if (!sameMachine) return `${where} the ceiling, but measured on another machine`;
  return where === 'above' ? '**no**: above the ceiling' : `${where} the ceiling`;
}

/**
 * This VM's figures move by about ±15 % between runs minutes apart (three drain-ceiling runs on one
 * day: 66.5k to 77.2k jobs/s), so a target within that band of its ceiling is neither ruled out
 * nor shown reachable by one run: it is "at" the ceiling.
 */
const NOISE = 0.15;
function position(ratio: number): 'within' | 'at' | 'above' {
  if (ratio > 1 + NOISE) return 'above';
  return ratio < 1 - NOISE ? 'within' : 'at';
}

function partLines(ceilings: CeilingsFile): string[] {
  const { sixteenClientsOneRow: many, oneClientSixteenRows: one } = ceilings.results.enqueue16_ceiling.extra;
  const drain = ceilings.results.drain_ceiling.extra;
  const node = ceilings.results.node_drain_ceiling;
  const nodeEnqueue = ceilings.results.node_enqueue_ceiling;
  const runs = drain.runs
    .map(
      (r) =>
        `${r.clients} client${r.clients === 1 ? '' : 's'} ${whole(r.jobsPerSecond)}${r.ranOut ? ' (ran out of ready rows: not counted)' : ''}`,
    )
    .join(', ');
  return [
    `- Enqueue: ${many.clients} clients × ${many.rowsPerTransaction}-row INSERT per commit ${whole(many.rowsPerSecond)} rows/s; ${one.clients} client × ${one.rowsPerTransaction}-row INSERT per commit (the most coalescing ${one.rowsPerTransaction} awaited producers into one statement can give) ${whole(one.rowsPerSecond)} rows/s.`,
    ...(nodeEnqueue
      ? [
          `- Enqueue by one Node process: ${whole(nodeEnqueue.value)} rows/s from ${nodeEnqueue.extra.producers} awaiting producers over one node-postgres connection (${nodeEnqueue.extra.rowsPerStatement} rows per INSERT, ${nodeEnqueue.extra.nodeCpuMicrosPerRow} µs of Node CPU per row).`,
        ]
      : []),
    `- Drain: ${runs} jobs/s (claims of ${drain.claimBatch}, each followed by a DELETE of what was claimed).`,
    ...(node
      ? [
          `- Drain by one Node worker: ${whole(node.value)} jobs/s over ${node.extra.connections} node-postgres connections (claim ${node.extra.claimBatch}, a no-op async handler per job, delete), ${node.extra.nodeCpuMicrosPerJob} µs of Node CPU per job.`,
        ]
      : []),
  ];
}

function conclusion(bound: Bound, sameMachine: boolean): string | null {
  if (bound.target === null) return null;
  const asks = `- ${bound.targetName} asks for ${whole(bound.target.value)} ${bound.ceilingUnit}, ${(bound.target.value / bound.ceiling).toFixed(2)}× the ceiling`;
  if (!sameMachine)
    return `${asks}; the full run was measured on another machine, so this does not settle it here.`;
  const where = position(bound.target.value / bound.ceiling);
  if (where === 'above') return `${asks}: out of reach on this machine for ${bound.outOfReachFor}.`;
  if (where === 'at')
    return `${asks}: at the limit of this machine (within its run-to-run noise) for ${bound.outOfReachFor}.`;
  return `${asks}: this machine does not rule it out.`;
}

/** The section, or null when results/ceilings.json does not exist. `full` is results/latest.json. */
export function machineCeilingsSection(bench: URL, full: RunFile | undefined): string | null {
  const path = new URL(CEILINGS_FILE, bench);
  if (!existsSync(path)) return null;
  const ceilings = JSON.parse(readFileSync(path, 'utf8')) as CeilingsFile;
  const m = ceilings.meta;
  const out: string[] = ['## What this machine allows\n'];
  out.push(
    `Measured ${m.date} by \`npm run bench:ceilings\` in ${m.elapsedSeconds} s with ${m.pgbench.split(' (/')[0]} against ${m.postgres.version?.split(' on ')[0]} (synchronous_commit ${m.postgres.synchronous_commit}) on ${m.cpus} × ${m.cpuModel}. pgbench is the most generous client a queue's SQL can have (C, prepared statements, no driver, no Node) on tables with nothing but a queue's columns, so these are the most any PostgreSQL-backed queue could do here. The Node rows send the same kind of bare SQL from one Node process over node-postgres, as a queue written in Node would, and do nothing else per job: they are the most such a queue could do here.\n`,
  );
  if (m.loadAverageAtStart[0]! > m.cpus * 0.5)
    out.push(
      `**Machine was busy:** load average ${m.loadAverageAtStart.join(' / ')} at the start on ${m.cpus} cores, so the ceilings are lower than an idle machine's.\n`,
    );
  const sameMachine = !full || (full.meta.cpus === m.cpus && full.meta.cpuModel === m.cpuModel);
  if (!sameMachine)
    out.push(
      `**Other machine:** results/latest.json was measured on ${full.meta.cpus} × ${full.meta.cpuModel}, so these ceilings do not bound its targets: rerun \`npm run bench\` here, or the ceilings there.\n`,
    );
  const lines = [
    '| ceiling | measured | target it bounds | target (full run) | reachable here? | Conveyor (full run) |',
    '| --- | ---: | --- | ---: | --- | ---: |',
  ];
  const all = bounds(ceilings, full?.results);
  for (const b of all) {
    const target = b.target ? `${whole(b.target.value)} (${b.target.from})` : 'not measured';
    const conveyor =
      b.conveyor === null
        ? '—'
        : `${whole(b.conveyor)} (${(b.conveyor / b.ceiling).toFixed(2)} of the ceiling)`;
    lines.push(
      `| ${b.ceilingName} | ${whole(b.ceiling)} ${b.ceilingUnit} | ${b.targetName} | ${target} | ${verdict(b, sameMachine)} | ${conveyor} |`,
    );
  }
  out.push(`${lines.join('\n')}\n`);
  out.push(...partLines(ceilings));
  for (const b of all) {
    const line = conclusion(b, sameMachine);
    if (line) out.push(line);
  }
  if (!full) out.push('- No full run (results/latest.json) yet, so no targets to set beside the ceilings.');
  out.push('');
  return out.join('\n');
}
