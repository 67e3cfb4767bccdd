/**
 * Where an enqueue's PostgreSQL time goes (issue 17): one backend runs 16-row insert statements
 * back to back (the batch 16 awaited producers coalesce into), each variant in turn, rounds
 * interleaved, and its own CPU time (/proc/<backend pid>/stat: user + system) is divided by the
 * rows. Variants peel off one part of job-insert-many-keyless.sql at a time:
 *
 *   keyless       the statement Conveyor sends (queries/job-insert-many-keyless.sql)
 *   no-notify     without the worker wake-up (pg_notify)
 *   no-aging      without the queue's aging lookup (sort_key = run_ms)
 *   bare-jobs     INSERT of the same columns from json_to_recordset, nothing else
 *   ceiling       the node_enqueue ceiling's statement into a table of a queue's bare columns
 *   ceiling-idx   the same with the one index any queue needs to claim from (ready jobs in order)
 *
 *   npx tsx bench/micro/enqueue-statement.ts [postgres url]    # default: the bench's BENCH_PG_URL
 *
 * Commits are durable (synchronous_commit as the server has it), as an awaited enqueue's are.
 * The backend's CPU covers parse, plan, execution and commit; the WAL writer's share of the flush is
 * not in it (it is the same for every variant of the same WAL volume).
 */
import { querySql } from '../../src/store/postgres/sql-files.ts';
import { median, openBackendSession } from './backend-session.ts';

const SCHEMA = 'micro_enqueue';
const ROWS = 16;
const STATEMENTS = 1_500;
const ROUNDS = 4;

const keylessSql = querySql(SCHEMA, 'job-insert-many-keyless');

const withoutNotify = keylessSql.replace(
  /\(SELECT count\(pg_notify[\s\S]*?\)::integer AS woken/,
  '0 AS woken',
);
const withoutAging = keylessSql.replace(
  /i\.run_ms::bigint \+ i\.priority::bigint[\s\S]*?, 60000\),/,
  'i.run_ms::bigint,',
);
const bareJobs = `INSERT INTO ${SCHEMA}.jobs (id, queue, name, state, priority, run_at, sort_key, payload, max_attempts, created_at)
  SELECT nextval('${SCHEMA}.job_id_seq'), i.queue, i.name, 'ready', i.priority, to_timestamp(i.run_ms / 1000),
    i.run_ms::bigint, i.payload, i.max_attempts, $2::timestamptz
  FROM json_to_recordset($1::json) AS i(queue text, name text, payload jsonb, priority integer, run_ms float8,
    max_attempts integer)
  RETURNING id`;
const bareJobsUnnest = `INSERT INTO ${SCHEMA}.jobs (id, queue, name, state, priority, run_at, sort_key, payload, max_attempts, created_at)
  SELECT nextval('${SCHEMA}.job_id_seq'), i.queue, i.name, 'ready', i.priority, to_timestamp(i.run_ms / 1000),
    i.run_ms::bigint, i.payload::jsonb, i.max_attempts, $2::timestamptz
  FROM unnest($1::text[], $3::text[], $4::text[], $5::integer[], $6::float8[], $7::integer[])
    AS i(queue, name, payload, priority, run_ms, max_attempts)
  RETURNING id`;
const ceilingInto = (table: string) =>
  `INSERT INTO ${SCHEMA}.${table} (queue, state, payload) SELECT 'bench', 'ready', p::jsonb FROM unnest($1::text[]) AS p RETURNING id`;

function payload(i: number) {
  return { user: `u-${i}`, order: i, items: [{ sku: 'A-100', qty: 2 }], note: 'leave at the door' };
}

type Variant = { name: string; params: (n: number) => unknown[]; sql: string };

async function main(): Promise<void> {
  const session = await openBackendSession(SCHEMA);
  const { client } = session;
  for (const table of ['ceiling_jobs', 'ceiling_jobs_idx']) {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${table} (id bigserial PRIMARY KEY, queue text NOT NULL, state text NOT NULL, payload jsonb NOT NULL)`,
    );
  }
  await client.query(
    `CREATE INDEX IF NOT EXISTS ceiling_ready_idx ON ${SCHEMA}.ceiling_jobs_idx (queue, id) WHERE state = 'ready'`,
  );
  const now = new Date();
  const documents = (n: number) =>
    JSON.stringify(
      Array.from({ length: ROWS }, (_, k) => ({
        queue: 'bench',
        name: 'noop',
        payload: payload(n * ROWS + k),
        priority: 0,
        run_ms: now.getTime(),
        max_attempts: 3,
      })),
    );
  const variants: Variant[] = [
    { name: 'keyless', sql: keylessSql, params: (n) => [documents(n), now, `${SCHEMA}_ready`] },
    { name: 'no-notify', sql: withoutNotify, params: (n) => [documents(n), now] },
    { name: 'no-aging', sql: withoutAging, params: (n) => [documents(n), now, `${SCHEMA}_ready`] },
    { name: 'bare-jobs', sql: bareJobs, params: (n) => [documents(n), now] },
    {
      name: 'bare-unnest',
      sql: bareJobsUnnest,
      params: (n) => {
        const list = Array.from({ length: ROWS }, (_, k) => k);
        return [
          list.map(() => 'bench'),
          now,
          list.map(() => 'noop'),
          list.map((k) => JSON.stringify(payload(n * ROWS + k))),
          list.map(() => 0),
          list.map(() => now.getTime()),
          list.map(() => 3),
        ];
      },
    },
    ...['ceiling_jobs', 'ceiling_jobs_idx'].map((table) => ({
      name: table === 'ceiling_jobs' ? 'ceiling' : 'ceiling-idx',
      sql: ceilingInto(table),
      params: (n: number) => [Array.from({ length: ROWS }, (_, k) => JSON.stringify(payload(n * ROWS + k)))],
    })),
  ];
  for (const v of variants) {
    if (v.sql === keylessSql && v.name !== 'keyless')
      throw new Error(`variant ${v.name} did not change the statement`);
  }
  const results = new Map<string, number[]>();
  const walls = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      await client.query(`TRUNCATE ${SCHEMA}.jobs, ${SCHEMA}.ceiling_jobs, ${SCHEMA}.ceiling_jobs_idx`);
      await client.query('CHECKPOINT').catch(() => {}); // needs superuser; without it the rounds are still interleaved
      const before = session.cpuMicros();
      const t0 = performance.now();
      for (let n = 0; n < STATEMENTS; n++) {
        await client.query({ name: `micro-${v.name}`, text: v.sql, values: v.params(n) });
      }
      const wallMs = performance.now() - t0;
      const cpuUs = session.cpuMicros() - before;
      const perRow = cpuUs / (STATEMENTS * ROWS);
      (results.get(v.name) ?? results.set(v.name, []).get(v.name)!).push(perRow);
      (walls.get(v.name) ?? walls.set(v.name, []).get(v.name)!).push((wallMs * 1000) / STATEMENTS);
      process.stderr.write(
        `round ${round + 1}/${ROUNDS} ${v.name}: ${perRow.toFixed(1)} µs CPU/row, ${((wallMs * 1000) / STATEMENTS).toFixed(0)} µs wall/statement\n`,
      );
    }
  }
  await session.close();
  console.log(
    `variant      backend CPU µs/row   wall µs per ${ROWS}-row statement   (medians of ${ROUNDS} rounds; CPU per round)`,
  );
  for (const [name, xs] of results) {
    const wall = median(walls.get(name)!);
    console.log(
      `${name.padEnd(12)} ${median(xs).toFixed(1).padStart(8)}   ${wall.toFixed(0).padStart(8)}   (${xs.map((x) => x.toFixed(1)).join(', ')})`,
    );
  }
}

await main();
