/**
 * Where a drained job's PostgreSQL time goes (issue 17): one backend claims 250 ready jobs and
 * completes them, again and again until the queue is empty, and the backend's CPU time
 * (/proc/<pid>/stat, user + system) is summed per statement kind: a clock tick lands in whichever
 * statement was running, so the sums over ~200 statements split the time without bias. Variants,
 * each on a fresh queue of the same jobs, rounds interleaved:
 *
 *   conveyor      queries/job-claim.sql, then queries/job-complete-many.sql (one run row per job:
 *                 the default, completed history on)
 *   no-history    the same completion with `record: false` (a queue keeping no completed history):
 *                 the job is deleted and nothing is written
 *   bare          the least a claim and a completion can be on this table: one UPDATE … RETURNING
 *                 of the next 250 ready jobs (FOR UPDATE SKIP LOCKED), then DELETE by id
 *   tenants-100, tenants-2500
 *                 as conveyor, the jobs spread over 100 or 2,500 tenants (500 or 20 jobs each):
 *                 the claim takes the fair path (functions/claim_jobs_fair.sql), round-robin from
 *                 the cursor the worker would pass
 *
 * WAL bytes per job come from pg_current_wal_lsn() around the drain. Commits are durable except the
 * claim's, which Conveyor commits with synchronous_commit off (functions/claim_jobs.sql); bare
 * does the same, so the two differ only in what the statements do.
 *
 *   npx tsx bench/micro/drain-statements.ts [postgres url]   # default: the bench's BENCH_PG_URL
 *
 * It is a serial loop, not the worker: no handler, no prefetch, one connection. The figures are the
 * database's share of a drain and where it goes, to put beside bench/RESULTS.md's db_us_per_job.
 */
import type pg from 'pg';
import { querySql } from '../../src/store/postgres/sql-files.ts';
import { type BackendSession, median, openBackendSession } from './backend-session.ts';

const SCHEMA = 'micro_drain';
const JOBS = 50_000;
const CLAIM = 250;
const ROUNDS = 4;
const WORKER = 'micro-worker';

const query = (name: string) => querySql(SCHEMA, name);

const BARE_CLAIM = `
  UPDATE ${SCHEMA}.jobs j SET state = 'active', lease_owner = $1::text, attempt = j.attempt + 1, started_at = now()
  WHERE j.id = ANY (ARRAY(
    SELECT id FROM ${SCHEMA}.jobs WHERE queue = 'bench' AND state = 'ready'
    ORDER BY queue, group_key, sort_key, id LIMIT $2::integer FOR UPDATE SKIP LOCKED))
  RETURNING j.id::text AS id, j.name, j.payload`;
const BARE_COMPLETE = `DELETE FROM ${SCHEMA}.jobs WHERE id = ANY ($1::bigint[])`;

interface Figures {
  claimUs: number;
  completeUs: number;
  walBytes: number;
}

type Variant = 'conveyor' | 'no-history' | 'bare' | 'tenants-100' | 'tenants-2500';

/** Tenants the jobs are spread over (blocks of one tenant each, as drain_c50_tenants queues them). */
const tenantsOf = (variant: Variant): number =>
  variant === 'tenants-100' ? 100 : variant === 'tenants-2500' ? 2_500 : 0;

async function fill(client: pg.Client, tenants: number): Promise<void> {
  await client.query(`TRUNCATE ${SCHEMA}.jobs, ${SCHEMA}.job_runs`);
  await client.query(
    `INSERT INTO ${SCHEMA}.jobs (id, queue, name, state, priority, run_at, sort_key, payload, max_attempts, created_at,
       tenant_id, group_key)
     SELECT nextval('${SCHEMA}.job_id_seq'), 'bench', 'noop', 'ready', 0, now(), 0,
       jsonb_build_object('key', 'job-' || g, 'at', 1796514417967 + g, 'pad', repeat('x', 40)), 3, now(), t, COALESCE(t, '')
     FROM generate_series(1, $1::integer) g,
       LATERAL (SELECT CASE WHEN $2::integer > 0 THEN 't' || ((g - 1) * $2::integer / $1::integer) END) AS x(t)`,
    [JOBS, tenants],
  );
  await client.query(`VACUUM ANALYZE ${SCHEMA}.jobs`);
  await client.query('CHECKPOINT').catch(() => {}); // superuser only; the rounds are interleaved either way
}

async function drain(session: BackendSession, variant: Variant): Promise<Figures> {
  const { client } = session;
  const claimSql = query('job-claim');
  const completeSql = query('job-complete-many');
  let claimUs = 0;
  let completeUs = 0;
  let done = 0;
  // The round-robin cursor the worker keeps between claims: the last group a claim served.
  let cursor: string | null = null;
  const [{ lsn: walBefore }] = (await client.query('SELECT pg_current_wal_lsn() AS lsn')).rows;
  for (;;) {
    let t = session.cpuMicros();
    const claimed: { id: string; group_key?: string }[] =
      variant === 'bare'
        ? (await client.query({ name: 'bare-claim', text: BARE_CLAIM, values: [WORKER, CLAIM] })).rows
        : (
            await client.query({
              name: 'claim',
              text: claimSql,
              values: ['bench', WORKER, CLAIM, new Date(), cursor, null, 0, CLAIM],
            })
          ).rows;
    claimUs += session.cpuMicros() - t;
    if (claimed.length === 0) break;
    cursor = claimed.at(-1)?.group_key || cursor;
    const now = Date.now();
    t = session.cpuMicros();
    if (variant === 'bare') {
      await client.query({ name: 'bare-complete', text: BARE_COMPLETE, values: [claimed.map((r) => r.id)] });
    } else {
      const items = claimed.map((r) => ({
        id: r.id,
        result: null,
        started_ms: now,
        finished_ms: now,
        ...(variant === 'no-history' ? { record: false } : {}),
      }));
      const { rows } = await client.query({
        name: 'complete',
        text: completeSql,
        values: [JSON.stringify(items), WORKER, `${SCHEMA}_ready`],
      });
      if (rows[0]?.missed) throw new Error(`jobs not completed: ${String(rows[0].missed).slice(0, 80)}`);
    }
    completeUs += session.cpuMicros() - t;
    done += claimed.length;
  }
  if (done !== JOBS) throw new Error(`${variant} drained ${done} of ${JOBS} jobs`);
  const walBytes = Number(
    (await client.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS bytes', [walBefore]))
      .rows[0].bytes,
  );
  return { claimUs: claimUs / JOBS, completeUs: completeUs / JOBS, walBytes: walBytes / JOBS };
}

async function main(): Promise<void> {
  const session = await openBackendSession(SCHEMA);
  const { client } = session;
  await client.query(query('worker-register'), [
    WORKER,
    'micro',
    process.pid,
    ['bench'],
    new Date(),
    600_000,
    0,
    null,
  ]);
  const variants: Variant[] = ['conveyor', 'no-history', 'bare', 'tenants-100', 'tenants-2500'];
  const results = new Map<Variant, Figures[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      await fill(client, tenantsOf(variant));
      const f = await drain(session, variant);
      results.get(variant)!.push(f);
      process.stderr.write(
        `round ${round + 1}/${ROUNDS} ${variant}: claim ${f.claimUs.toFixed(1)} + complete ${f.completeUs.toFixed(1)} µs/job, WAL ${f.walBytes.toFixed(0)} B/job\n`,
      );
    }
  }
  await session.close();
  console.log(
    `variant      claim  complete  total (backend CPU µs/job)  WAL B/job   (medians of ${ROUNDS} rounds)`,
  );
  for (const [variant, fs] of results) {
    const claim = median(fs.map((f) => f.claimUs));
    const complete = median(fs.map((f) => f.completeUs));
    const total = median(fs.map((f) => f.claimUs + f.completeUs));
    const wal = median(fs.map((f) => f.walBytes));
    console.log(
      `${variant.padEnd(12)} ${claim.toFixed(1).padStart(5)} ${complete.toFixed(1).padStart(9)} ${total.toFixed(1).padStart(6)} ${wal.toFixed(0).padStart(28)}`,
    );
  }
}

await main();
