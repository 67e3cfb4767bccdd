/**
 * Drain ceiling of a Node worker: the pgbench drain's claim and delete, sent by node-postgres from
 * one Node process (this one) over two connections, each a loop of
 *
 *   claim 250 (the same UPDATE … FOR UPDATE SKIP LOCKED … RETURNING id, payload)
 *   → an async no-op handler per job → DELETE … WHERE id = ANY(the claimed ids)
 *
 * and nothing else: no history, leases, events, limits or fairness. It is the least a worker
 * written in Node can do per job here, so a drain target above it is out of reach for any
 * one-process Node worker on this machine, however lean its SQL. Three loops measured no faster
 * than two on this 2-core VM.
 */
import pg from 'pg';
import { step, whole } from '../progress.ts';
import { countReady, DRAIN_CEILING_SIZES, prepareTable, ranOut } from './drain-ceiling.ts';

export const NODE_DRAIN_SIZES = { nodeDrainConnections: 2, nodeDrainSeconds: 6 };

export interface NodeDrainCeiling {
  value: number;
  unit: 'jobs/s';
  extra: {
    connections: number;
    claimBatch: number;
    seconds: number;
    /** This process's CPU (user + system) per job: the worker's share of the machine. */
    nodeCpuMicrosPerJob: number;
    readyBefore: number;
    readyAfter: number;
    ranOut: boolean;
  };
}

const CLAIM = `UPDATE ceiling_queue SET state = 'active', owner = $1 WHERE id IN (SELECT id FROM ceiling_queue WHERE queue = 'bench' AND state = 'ready' ORDER BY id LIMIT ${DRAIN_CEILING_SIZES.claimBatch} FOR UPDATE SKIP LOCKED) RETURNING id, payload`;
const COMPLETE = 'DELETE FROM ceiling_queue WHERE id = ANY($1::bigint[])';

const noop = async (_payload: unknown): Promise<void> => {};

/** One connection's loop until `until` (performance.now() ms); returns the jobs it ran. */
async function workLoop(url: string, owner: number, until: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let jobs = 0;
  try {
    while (performance.now() < until) {
      const { rows } = await client.query<{ id: string; payload: unknown }>({
        name: 'claim',
        text: CLAIM,
        values: [owner],
      });
      if (rows.length === 0) break;
      await Promise.all(rows.map((row) => noop(row.payload)));
      await client.query({ name: 'complete', text: COMPLETE, values: [rows.map((row) => row.id)] });
      jobs += rows.length;
    }
  } finally {
    await client.end();
  }
  return jobs;
}

export async function measureNodeDrainCeiling(url: string): Promise<NodeDrainCeiling> {
  const { nodeDrainConnections: connections, nodeDrainSeconds: seconds } = NODE_DRAIN_SIZES;
  const prepared = await prepareTable(url);
  const label = `drain ceiling, one Node worker (node-postgres, ${connections} connections)`;
  const run = await step(
    label,
    async () => {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const until = started + seconds * 1000;
      const perLoop = await Promise.all(
        Array.from({ length: connections }, (_, i) => workLoop(url, i + 1, until)),
      );
      const elapsed = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const jobs = perLoop.reduce((a, b) => a + b, 0);
      return {
        jobs,
        jobsPerSecond: jobs / elapsed,
        nodeCpuMicrosPerJob: jobs > 0 ? (cpu.user + cpu.system) / jobs : 0,
        readyAfter: await countReady(url),
      };
    },
    (r) =>
      `${whole(r.jobsPerSecond)} jobs/s, ${r.nodeCpuMicrosPerJob.toFixed(1)} µs of Node CPU per job` +
      (ranOut(r.readyAfter, connections)
        ? `, RAN OUT of ready rows (${whole(r.readyAfter)} left)`
        : `, ${whole(r.readyAfter)} ready rows left`),
  );
  if (ranOut(run.readyAfter, connections))
    throw new Error(
      `the Node worker ran out of ready rows: raise drainFillRows and drainRefillBelow in drain-ceiling.ts`,
    );
  return {
    value: Math.round(run.jobsPerSecond),
    unit: 'jobs/s',
    extra: {
      connections,
      claimBatch: DRAIN_CEILING_SIZES.claimBatch,
      seconds,
      nodeCpuMicrosPerJob: Math.round(run.nodeCpuMicrosPerJob * 10) / 10,
      readyBefore: prepared.readyBefore,
      readyAfter: run.readyAfter,
      ranOut: false,
    },
  };
}
