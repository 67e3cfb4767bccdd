/**
 * What job-search indexes cost the enqueue and drain paths. Schemas on one database, identical
 * but for the search indexes on `jobs` (none; the tenant btree; plus migration 0010's GIN index on
 * the payloads of scheduled, dead and cancelled jobs; plus a GIN index on every job's payload), take the same load in
 * rotating order: 16 producers each awaiting single enqueues (coalesced into multi-row inserts), with a
 * tenant and a small payload; then a worker (concurrency 50) drains them: every claim is an UPDATE
 * that changes `state`, which a partial index reads, so it is not HOT and writes an entry in every
 * index, the GIN one included. Prints jobs/s per round and phase, and the medians.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/test npx tsx bench/micro/api-indexes.ts [rounds] [jobs]
 *
 * It creates and drops the schemas `bench_idx_*` (VARIANTS=bench_idx_none,… picks some). Run it on
 * a quiet machine.
 */
import pg from 'pg';
import { pino } from 'pino';
import { createConveyor, defineJob } from '../../src/index.ts';
import { startPrivatePostgres } from '../../test/support/private-postgres.ts';

// PRIVATE=1: a PostgreSQL server of this run's own, so the WAL counted is this run's alone.
const server = process.env.PRIVATE ? await startPrivatePostgres() : null;
const url = server?.adminUrl ?? process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const rounds = Number(process.argv[2] ?? 6);
const jobsPerRound = Number(process.argv[3] ?? 8_000);
const PRODUCERS = 16;

const job = defineJob<{ orderId: string; userId: string; items: { sku: string; qty: number }[] }>({
  name: 'order',
  queue: 'orders',
  handler: () => null,
});
const logger = pino({ level: 'silent' });
const admin = new pg.Client({ connectionString: url });
await admin.connect();
/** Each variant: a schema, and the 0010 job indexes dropped from it (or replaced). */
const VARIANTS: { label: string; schema: string; sql: string }[] = [
  {
    label: 'no search indexes',
    schema: 'bench_idx_none',
    sql: 'DROP INDEX S.jobs_payload_idx, S.jobs_tenant_idx',
  },
  { label: 'tenant btree only', schema: 'bench_idx_tenant', sql: 'DROP INDEX S.jobs_payload_idx' },
  { label: 'tenant + GIN on resting jobs', schema: 'bench_idx_partial', sql: 'SELECT 1' },
  {
    label: 'tenant + GIN on every job',
    schema: 'bench_idx_full',
    sql: 'DROP INDEX S.jobs_payload_idx; CREATE INDEX jobs_payload_idx ON S.jobs USING gin (payload jsonb_path_ops)',
  },
];
const only = process.env.VARIANTS?.split(',');
const variants = VARIANTS.filter((v) => !only || only.includes(v.schema));
const conveyors = new Map<string, ReturnType<typeof createConveyor>>();
for (const variant of variants) {
  await admin.query(`DROP SCHEMA IF EXISTS ${variant.schema} CASCADE`);
  const conveyor = createConveyor({
    jobs: [job],
    databaseUrl: url,
    schema: variant.schema,
    logger,
    poolSize: 8,
  });
  await conveyor.migrate();
  await admin.query(variant.sql.replaceAll('S.', `${variant.schema}.`));
  conveyors.set(variant.label, conveyor);
}
type AnyConveyor = ReturnType<typeof createConveyor>;

async function drain(conveyor: AnyConveyor): Promise<number> {
  const started = performance.now();
  const worker = conveyor.worker({ queues: ['orders'], concurrency: 50 });
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    const off = conveyor.on('job:completed', () => {
      done += 1;
      if (done === jobsPerRound) {
        off();
        resolve();
      }
    });
  });
  await worker.start();
  await finished;
  const rate = jobsPerRound / ((performance.now() - started) / 1000);
  await worker.stop();
  return rate;
}

async function round(conveyor: AnyConveyor, seq: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < jobsPerRound) {
        const i = next++;
        await conveyor.enqueue(
          job,
          {
            orderId: `o_${seq}_${i}`,
            userId: `u_${i % 997}`,
            items: [{ sku: `S-${i % 50}`, qty: 1 + (i % 3) }],
          },
          { tenantId: `t_${i % 40}` },
        );
      }
    }),
  );
  return jobsPerRound / ((performance.now() - started) / 1000);
}

const results = new Map<
  string,
  { enqueue: number[]; drain: number[]; enqueueWal: number[]; drainWal: number[] }
>(variants.map((v) => [v.label, { enqueue: [], drain: [], enqueueWal: [], drainWal: [] }]));
const walNow = async (): Promise<string> =>
  String((await admin.query('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn);
const walSince = async (lsn: string): Promise<number> =>
  Number(
    (await admin.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS bytes', [lsn])).rows[0].bytes,
  );
for (let r = 0; r < rounds; r++) {
  // Rotate the order, so no variant always goes first.
  const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
  for (const variant of order) {
    const conveyor = conveyors.get(variant.label)!;
    const entry = results.get(variant.label)!;
    const beforeEnqueue = await walNow();
    const rate = await round(conveyor, r);
    const enqueueWal = (await walSince(beforeEnqueue)) / jobsPerRound;
    const beforeDrain = await walNow();
    const drained = await drain(conveyor);
    const drainWal = (await walSince(beforeDrain)) / jobsPerRound;
    entry.enqueue.push(rate);
    entry.drain.push(drained);
    entry.enqueueWal.push(enqueueWal);
    entry.drainWal.push(drainWal);
    console.log(
      `round ${r + 1} ${variant.label.padEnd(32)} enqueue ${rate.toFixed(0)} jobs/s ${enqueueWal.toFixed(0)} WAL B/job, drain ${drained.toFixed(0)} jobs/s ${drainWal.toFixed(0)} WAL B/job`,
    );
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [label, { enqueue, drain: drained, enqueueWal, drainWal }] of results) {
  console.log(
    `median ${label.padEnd(32)} enqueue ${median(enqueue).toFixed(0)} jobs/s ${median(enqueueWal).toFixed(0)} WAL B/job, drain ${median(drained).toFixed(0)} jobs/s ${median(drainWal).toFixed(0)} WAL B/job`,
  );
}
for (const [, conveyor] of conveyors) await conveyor.close();
for (const variant of variants) await admin.query(`DROP SCHEMA IF EXISTS ${variant.schema} CASCADE`);
await admin.end();
await server?.stop();
