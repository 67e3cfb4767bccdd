/**
 * Machine ceilings: npm run bench:ceilings [-- --no-report]
 *
 * The most any PostgreSQL-backed queue could do on this machine for two of issue #3's targets,
 * measured with PostgreSQL's own pgbench (C client, bare tables, no Node in the loop): the durable
 * enqueue rate 16 awaited producers can reach, and the drain rate of claim + complete with nothing
 * else. Uses a fresh database bench_ceilings, dropped at the end; writes results/ceilings.json and
 * RESULTS.md, whose "What this machine allows" section sets the targets beside these ceilings.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { collectMeta } from '../meta.ts';
import { progress, step, whole } from '../progress.ts';
import { SIZES } from '../sizes.ts';
import { dropDatabase, freshDatabase } from '../stores.ts';
import { DRAIN_CEILING_SIZES, measureDrainCeiling } from './drain-ceiling.ts';
import { ENQUEUE_CEILING_SIZES, measureEnqueueCeiling } from './enqueue-ceiling.ts';
import { measureNodeDrainCeiling, NODE_DRAIN_SIZES } from './node-drain-ceiling.ts';
import { measureNodeEnqueueCeiling, NODE_ENQUEUE_SIZES } from './node-enqueue-ceiling.ts';
import { findPgbench, pgbenchVersion } from './pgbench.ts';
import { CEILINGS_FILE, type CeilingsFile } from './results-file.ts';

const BENCH = new URL('../../', import.meta.url);
const DATABASE = 'bench_ceilings';

const METHOD = [
  "PostgreSQL's own pgbench (C, libpq, -M prepared, -n) against a fresh database bench_ceilings on the bench's server: no driver and no Node in the loop, so its figures are the most any queue on this PostgreSQL could reach here.",
  'Durable enqueue (table ceiling_jobs: id bigserial, queue text collate "C", state, payload jsonb, run_at; index (queue, id) WHERE state = \'ready\'), synchronous_commit as the server has it: 16 clients (-j 2), one 1-row INSERT per transaction, rows/s = tps; and 1 client, one 16-row INSERT per transaction, rows/s = tps × 16. Each part 8 s on an emptied table after a CHECKPOINT; enqueue16_ceiling = the larger.',
  "Drain (table ceiling_queue, fillfactor 70, indexes (queue, id) WHERE state = 'ready' and (owner) WHERE state = 'active'): per pgbench transaction pair, UPDATE … SET state = 'active', owner = :client_id WHERE id IN (SELECT … ORDER BY id LIMIT 250 FOR UPDATE SKIP LOCKED) RETURNING id, payload, then DELETE … WHERE owner = :client_id AND state = 'active'; jobs/s = tps × 250. 6 s with 1, 2 and 4 clients (-j = clients); before each run the table is topped up to 1,500,000 ready rows when fewer than 600,000 remain, VACUUM ANALYZEd and checkpointed; a run that left fewer than 250 ready rows per client ran out and is not counted. drain_ceiling = the best run.",
  'Drain by a Node worker (node_drain_ceiling): the same claim and a DELETE of the claimed ids, sent by node-postgres from this one Node process over 2 connections, each a loop of claim 250 → an async no-op handler per job → delete; 6 s on the same table, topped up, VACUUM ANALYZEd and checkpointed first. Nothing else per job (no history, leases, events or limits): the least any one-process Node worker can do here.',
  "Payloads are the bench's ~100-byte JSON objects (src/payload.ts).",
];

async function main(): Promise<void> {
  const started = performance.now();
  const pgbench = findPgbench();
  const version = await pgbenchVersion(pgbench);
  progress(`machine ceilings with ${version} (${pgbench})`);
  const load = os.loadavg()[0]!;
  if (load > os.cpus().length * 0.5)
    progress(
      `warning: load average ${load.toFixed(2)} on ${os.cpus().length} cores: other work on this machine lowers the ceilings`,
    );
  // collectMeta's mode and sizes are the contender bench's; this measurement's replace them below
  const shared = await collectMeta('full', SIZES.full, {});
  const url = await step(`create database ${DATABASE}`, () => freshDatabase(DATABASE));
  let results: CeilingsFile['results'];
  try {
    const enqueue16_ceiling = await measureEnqueueCeiling(pgbench, url);
    const node_enqueue_ceiling = await measureNodeEnqueueCeiling(url);
    const drain_ceiling = await measureDrainCeiling(pgbench, url);
    const node_drain_ceiling = await measureNodeDrainCeiling(url);
    results = { enqueue16_ceiling, node_enqueue_ceiling, drain_ceiling, node_drain_ceiling };
  } finally {
    await step(`drop database ${DATABASE}`, () => dropDatabase(DATABASE));
  }
  const elapsedSeconds = Math.round((performance.now() - started) / 1000);
  const file: CeilingsFile = {
    meta: {
      ...shared,
      mode: 'ceilings',
      sizes: { ...ENQUEUE_CEILING_SIZES, ...NODE_ENQUEUE_SIZES, ...DRAIN_CEILING_SIZES, ...NODE_DRAIN_SIZES },
      method: METHOD,
      pgbench: `${version} (${pgbench})`,
      elapsedSeconds,
      loadAverageNow: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    results,
  };
  mkdirSync(new URL('results/', BENCH), { recursive: true });
  writeFileSync(new URL(CEILINGS_FILE, BENCH), `${JSON.stringify(file, null, 2)}\n`);
  progress(
    `enqueue16_ceiling ${whole(results.enqueue16_ceiling.value)} rows/s, node_enqueue_ceiling ${whole(results.node_enqueue_ceiling?.value ?? 0)} rows/s, drain_ceiling ${whole(results.drain_ceiling.value)} jobs/s, node_drain_ceiling ${whole(results.node_drain_ceiling?.value ?? 0)} jobs/s; wrote ${CEILINGS_FILE} in ${elapsedSeconds} s`,
  );
  if (!process.argv.includes('--no-report')) {
    const { writeReport } = await import('../report/main.ts');
    await writeReport();
    progress('wrote RESULTS.md and charts');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
