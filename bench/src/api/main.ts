/**
 * REST API speed (issue 16): npm run bench:api [-- --n=50 --out=results/api.json --keep]
 *
 * Seeds a private database (bench_api_<pid> on the bench server, dropped at the end) with
 * 1,000,000 jobs and 1,000,000 history rows in one INSERT … SELECT generate_series each (8 queues,
 * 16 job names, 120 tenants, jobs in every state, JSON payloads with an order id and a nested
 * customer id; history spread over 7 days in finish order, a tenth of it failed attempts with
 * messages of 12 error patterns), ANALYZEs, then times through the real HTTP API
 * (createApiServer from dist/, an unscoped viewer key and one scoped to tenant t7):
 *
 * - api_search_p95_ms: GET /jobs with the common filters — state+queue, tenant, a tenant-scoped
 *   credential's list, payload containment (top-level and nested "path" match), failure
 *   fingerprint — each N times (default 50, after 3 warm-up calls): p95 per filter, the max as the
 *   value; per filter the p95, the median, the rows returned and the EXPLAIN plan's index names
 *   (each search statement planned with the call's values, as the store runs it).
 * - api_overview_ms: GET /overview?since=24h (default buckets) p95 over N calls; the 7-day overview
 *   as an extra figure. After seeding, the overview rollup is built by the real service code
 *   (rollupPass of src/maintenance/overview-rollup.ts: the build time is recorded), and the
 *   OverviewRollup service runs during the overview calls as the maintenance leader would (its
 *   counts snapshot refreshed every ≥ 10× the count's duration while the calls ask for it, competing
 *   with them).
 *   Last, the cost of rolling one minute of history at --minute-rate jobs/s (default 40,000) is
 *   measured: that many lean run rows are inserted in one future minute and rolled by the
 *   statement a pass runs (a pass in steady state rolls that minute and re-rolls the one before).
 *
 * Writes results/api.json in the contender bench's format (results[workload].conveyor = { value,
 * unit, min, max, runs[{ run, value, extra }] }); `npm run report` adds it to RESULTS.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';
import { progress } from '../progress.ts';
import { dropDatabase, freshDatabase, withClient } from '../stores.ts';

const BENCH = new URL('../../', import.meta.url);
const DIST = new URL('../../../dist/', import.meta.url);
const QUERIES = new URL('../../../src/store/postgres/queries/', import.meta.url);
const DATABASE = `bench_api_${process.pid}`;
const JOBS = 1_000_000;
const RUNS = 1_000_000;
const TENANTS = 120;

interface RootModule {
  createConveyor(options: Record<string, unknown>): { close(): Promise<void>; migrate(): Promise<unknown> };
  createLogger(options: { level: string }): unknown;
}
interface ApiModule {
  createApiServer(options: Record<string, unknown>): {
    listen(): Promise<{ url: string }>;
    close(): Promise<void>;
  };
  createApiKey(
    store: unknown,
    key: { name: string; role: string; tenantId?: string | null },
    now: Date,
  ): Promise<{ key: string }>;
}
interface InternalsModule {
  internalsOf(conveyor: unknown): { store(): Promise<unknown> };
}
interface RollupModule {
  rollupPass(store: unknown, now: Date): Promise<{ runs: number; statements: number; ms: number }>;
  countsRefresh(store: unknown, now: Date): Promise<{ counted: boolean; groups: number; ms: number }>;
  OverviewRollup: new (
    store: () => Promise<unknown>,
    now: () => Date,
    log: unknown,
  ) => { start(): Promise<void>; stop(): Promise<void> };
}

/** One minute of lean history rows (no payload, result or error) at $1 rows, finishing in the minute $2. */
const SEED_MINUTE = `
INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, group_key, attempt, status, enqueued_at, due_at,
  started_at, finished_at, worker_id)
SELECT ${JOBS} + ${RUNS} + i, 'q' || (i % 8), 'job-' || (i % 16), 't' || (i % ${TENANTS}), 't' || (i % ${TENANTS}), 1,
  CASE WHEN i % 100 < 90 THEN 'completed' ELSE 'failed' END,
  f - interval '2 seconds', f - interval '2 seconds', f - ((i % 1500) || ' milliseconds')::interval, f, 'bench-worker'
FROM generate_series(1, $1::integer) i
CROSS JOIN LATERAL (SELECT $2::timestamptz + (i::float8 / $1::integer) * interval '59.999 seconds' AS f) t`;

function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const round = (x: number) => Math.round(x * 10) / 10;

const SEED_JOBS = `
INSERT INTO conveyor.jobs (queue, name, state, priority, run_at, sort_key, payload, attempt, max_attempts,
  tenant_id, group_key, errors, created_at, started_at, finished_at, lease_owner)
SELECT 'q' || (i % 8), 'job-' || (i % 16), s.state, 0, s.run_at,
  (extract(epoch FROM s.run_at) * 1000)::bigint,
  jsonb_build_object('orderId', 'o_' || i, 'kind', 'k' || (i % 7), 'amount', i % 1000,
    'customer', jsonb_build_object('id', 'c_' || (i % 5000), 'country', 'C' || (i % 30))),
  CASE WHEN s.state IN ('dead', 'active') THEN 1 ELSE 0 END, 3,
  't' || (i % ${TENANTS}), 't' || (i % ${TENANTS}),
  CASE WHEN s.state = 'dead' THEN '[{"message":"boom"}]'::jsonb ELSE '[]'::jsonb END,
  s.created_at,
  CASE WHEN s.state = 'active' THEN now() - interval '5 seconds' END,
  CASE WHEN s.state IN ('dead', 'cancelled') THEN s.created_at + interval '1 minute' END,
  CASE WHEN s.state = 'active' THEN 'bench-worker' END
FROM generate_series(1, ${JOBS}) i
CROSS JOIN LATERAL (
  SELECT st.state, now() - (i::float8 / ${JOBS}) * interval '7 days' AS created_at,
    CASE WHEN st.state = 'scheduled' THEN now() + ((i % 1440) || ' minutes')::interval
      ELSE now() - (i::float8 / ${JOBS}) * interval '7 days' END AS run_at
  FROM (SELECT CASE WHEN i % 100 < 87 THEN 'scheduled' WHEN i % 100 < 97 THEN 'dead'
    WHEN i % 100 = 97 THEN 'cancelled' WHEN i % 100 = 98 THEN 'ready' ELSE 'active' END AS state) st
) s`;

/** History in finish order (ids ascending with finished_at, as completions append it). */
const SEED_RUNS = `
INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, group_key, attempt, status, payload, result, error,
  enqueued_at, due_at, started_at, finished_at, worker_id)
SELECT CASE WHEN st.status IN ('failed', 'dead', 'stalled') THEN ((i / 100) % 10000) * 100 + 88 + i % 9
    ELSE ${JOBS} + i END, 'q' || (i % 8), 'job-' || (i % 16), 't' || (i % ${TENANTS}), 't' || (i % ${TENANTS}), 1,
  st.status,
  jsonb_build_object('orderId', 'r_' || i, 'kind', 'k' || (i % 7), 'customer', jsonb_build_object('id', 'c_' || (i % 5000))),
  CASE WHEN st.status = 'completed' THEN '{"ok":true}'::jsonb END,
  CASE WHEN st.status IN ('failed', 'dead', 'stalled') THEN jsonb_build_object('name', 'Error', 'message',
    (ARRAY['connect ECONNREFUSED 10.0.0.' || (i % 250) || ':5432', 'timeout after ' || (i % 9000) || ' ms',
      'user ' || i || ' not found', 'rate limited, retry in ' || (i % 60) || 's',
      'invalid payload field "email"', 'upstream 503', 'deadlock detected', 'order ''o_' || i || ''' locked',
      'disk quota exceeded', 'socket hang up', 'token expired at ' || i, 'unknown template ' || (i % 40)])[1 + (i / 10) % 12])
  END,
  t.finished_at - interval '2 seconds', t.finished_at - interval '2 seconds',
  CASE WHEN st.status = 'cancelled' THEN NULL ELSE t.finished_at - ((i % 1500) || ' milliseconds')::interval END,
  t.finished_at, 'bench-worker'
FROM generate_series(1, ${RUNS}) i
CROSS JOIN LATERAL (SELECT now() - interval '7 days' + (i::float8 / ${RUNS}) * interval '7 days' AS finished_at) t
CROSS JOIN LATERAL (SELECT CASE WHEN i % 100 < 88 THEN 'completed' WHEN i % 100 < 95 THEN 'failed'
  WHEN i % 100 < 97 THEN 'dead' WHEN i % 100 < 98 THEN 'stalled' ELSE 'cancelled' END AS status) st`;

interface Filter {
  key: string;
  label: string;
  token: 'viewer' | 'scoped';
  query: string;
  /** The search statements' values (api-job-search.sql's 12 parameters). */
  values: unknown[];
  statements: ('api-job-search' | 'api-run-search')[];
}

const TYPES = [
  'text',
  'text[]',
  'text',
  'text',
  'text',
  'timestamptz',
  'timestamptz',
  'jsonb',
  'text[]',
  'text',
  'integer',
  'text',
];

/** The index names in the plan of each statement, planned with these values (a custom plan). */
async function planIndexes(client: pg.Client, filter: Filter): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const name of filter.statements) {
    const sql = readFileSync(new URL(`${name}.sql`, QUERIES), 'utf8');
    await client.query(`PREPARE plan_probe (${TYPES.join(', ')}) AS ${sql}`);
    try {
      await client.query('SET plan_cache_mode = force_custom_plan');
      const literals = filter.values.map((v) =>
        v === null
          ? 'NULL'
          : client.escapeLiteral(
              typeof v === 'string' ? v : Array.isArray(v) ? `{${v.join(',')}}` : JSON.stringify(v),
            ),
      );
      const { rows } = await client.query(
        `EXPLAIN (FORMAT JSON) EXECUTE plan_probe (${literals.join(', ')})`,
      );
      const found = new Set<string>();
      const walk = (node: {
        'Index Name'?: string;
        'Node Type': string;
        'Relation Name'?: string;
        Plans?: unknown[];
      }) => {
        if (node['Index Name']) found.add(node['Index Name']);
        else if (node['Node Type'] === 'Seq Scan') found.add(`Seq Scan on ${node['Relation Name']}`);
        for (const child of node.Plans ?? []) walk(child as typeof node);
      };
      walk((rows[0]['QUERY PLAN'] as { Plan: Parameters<typeof walk>[0] }[])[0]!.Plan);
      out[name] = [...found];
    } finally {
      await client.query('DEALLOCATE plan_probe');
    }
  }
  return out;
}

async function timeCalls(
  url: string,
  token: string,
  path: string,
  n: number,
): Promise<{ times: number[]; rows: number }> {
  const call = async () => {
    const t0 = performance.now();
    const response = await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { items?: unknown[] };
    const ms = performance.now() - t0;
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return { ms, rows: body.items?.length ?? 0 };
  };
  for (let i = 0; i < 3; i++) await call();
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const { ms, rows: r } = await call();
    times.push(ms);
    rows = r;
  }
  return { times, rows };
}

async function main(): Promise<void> {
  const n = Number(arg('n', '50'));
  const minuteRate = Number(arg('minute-rate', '40000'));
  const out = arg('out', 'results/api.json');
  const keep = process.argv.includes('--keep');
  const { createConveyor, createLogger } = (await import(new URL('index.js', DIST).href)) as RootModule;
  const { createApiServer, createApiKey } = (await import(new URL('api/index.js', DIST).href)) as ApiModule;
  const { internalsOf } = (await import(
    new URL('client/conveyor-internals.js', DIST).href
  )) as InternalsModule;
  // Absent from a build before the rollup (an A/B against such a dist/): measured without it.
  const rollupModule = (await import(new URL('maintenance/overview-rollup.js', DIST).href).catch(
    () => null,
  )) as RollupModule | null;
  let rollup: Record<string, unknown> = {};
  const url = await freshDatabase(DATABASE);
  const started = new Date();
  const load = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const conveyor = createConveyor({
    databaseUrl: url,
    jobs: [],
    migrate: 'auto',
    logger: createLogger({ level: 'error' }),
    poolSize: 4,
  });
  let results: Record<string, unknown>;
  let seedSeconds = 0;
  let tableBytes: Record<string, string> = {};
  try {
    await conveyor.migrate();
    const t0 = performance.now();
    await withClient(url, async (c: pg.Client) => {
      progress(`seeding ${JOBS} jobs`);
      await c.query(SEED_JOBS);
      await c.query(`SELECT setval('conveyor.job_id_seq', ${JOBS})`);
      progress(`seeding ${RUNS} history rows`);
      await c.query(SEED_RUNS);
      progress('VACUUM ANALYZE');
      await c.query('VACUUM ANALYZE conveyor.jobs');
      await c.query('VACUUM ANALYZE conveyor.job_runs');
      const { rows } = await c.query(
        `SELECT relname, pg_size_pretty(pg_total_relation_size(c.oid)) AS size FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'conveyor' AND relname IN ('jobs', 'job_runs')`,
      );
      tableBytes = Object.fromEntries(
        rows.map((r: { relname: string; size: string }) => [r.relname, r.size]),
      );
    });
    seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
    progress(`seeded in ${seedSeconds} s (${JSON.stringify(tableBytes)})`);

    const store = await internalsOf(conveyor).store();
    if (rollupModule) {
      const built = await rollupModule.rollupPass(store, new Date());
      // As an open dashboard's first overview read would: ask the leader for counts snapshots.
      await (store as { overviewCountsWanted(p: { now: Date }): Promise<void> }).overviewCountsWanted({
        now: new Date(),
      });
      const firstCount = await rollupModule.countsRefresh(store, new Date());
      rollup = {
        buildMs: Math.round(built.ms),
        buildStatements: built.statements,
        runsRolled: built.runs,
        countsMs: Math.round(firstCount.ms),
      };
      progress(
        `rollup built in ${Math.round(built.ms)} ms (${built.runs} runs, ${built.statements} statements); counts ${Math.round(firstCount.ms)} ms`,
      );
    }
    const now = new Date();
    const viewer = (await createApiKey(store, { name: 'bench', role: 'viewer' }, now)).key;
    const scoped = (await createApiKey(store, { name: 'bench-t7', role: 'viewer', tenantId: 't7' }, now)).key;
    const server = createApiServer({ conveyor, auth: {}, port: 0, loginThrottle: { max: 100_000 } });
    const { url: base } = await server.listen();
    try {
      const fingerprint = await withClient(url, async (c: pg.Client) => {
        const { rows } = await c.query(
          `SELECT conveyor.error_fingerprint(name, error->>'message') AS f FROM conveyor.job_runs
           WHERE status = 'dead' ORDER BY id DESC LIMIT 1`,
        );
        return String(rows[0].f);
      });
      const v = (
        fields: Partial<Record<'scope' | 'states' | 'queue' | 'tenant' | 'payload' | 'fingerprint', unknown>>,
      ) => [
        fields.scope ?? null,
        fields.states ?? null,
        fields.queue ?? null,
        null,
        fields.tenant ?? null,
        null,
        null,
        fields.payload ?? null,
        null,
        null,
        50,
        fields.fingerprint ?? null,
      ];
      const both: Filter['statements'] = ['api-job-search', 'api-run-search'];
      const filters: Filter[] = [
        {
          key: 'state_queue_dead',
          label: 'state=dead&queue=q3',
          token: 'viewer',
          query: '/jobs?state=dead&queue=q3',
          values: v({ states: ['dead'], queue: 'q3' }),
          statements: ['api-job-search'],
        },
        {
          key: 'state_queue_ready',
          label: 'state=ready&queue=q2',
          token: 'viewer',
          query: '/jobs?state=ready&queue=q2',
          values: v({ states: ['ready'], queue: 'q2' }),
          statements: ['api-job-search'],
        },
        {
          key: 'tenant',
          label: 'tenant=t42 (every state)',
          token: 'viewer',
          query: '/jobs?tenant=t42',
          values: v({ tenant: 't42' }),
          statements: both,
        },
        {
          key: 'scoped_list',
          label: 'tenant-scoped key (t7), no filter',
          token: 'scoped',
          query: '/jobs',
          values: v({ scope: 't7' }),
          statements: both,
        },
        {
          key: 'payload_contains',
          label: 'payload={"orderId":"o_123457"}',
          token: 'viewer',
          query: `/jobs?payload=${encodeURIComponent('{"orderId":"o_123457"}')}`,
          values: v({ payload: { orderId: 'o_123457' } }),
          statements: both,
        },
        {
          key: 'payload_contains_dead',
          label: 'state=dead&payload={"orderId":"o_123490"}',
          token: 'viewer',
          query: `/jobs?state=dead&payload=${encodeURIComponent('{"orderId":"o_123490"}')}`,
          values: v({ states: ['dead'], payload: { orderId: 'o_123490' } }),
          statements: ['api-job-search'],
        },
        {
          key: 'payload_path',
          label: 'payload={"customer":{"id":"c_42"}} (nested path)',
          token: 'viewer',
          query: `/jobs?payload=${encodeURIComponent('{"customer":{"id":"c_42"}}')}`,
          values: v({ payload: { customer: { id: 'c_42' } } }),
          statements: both,
        },
        {
          key: 'fingerprint',
          label: 'fingerprint=<a dead group>',
          token: 'viewer',
          query: `/jobs?fingerprint=${fingerprint}`,
          values: v({ fingerprint }),
          statements: both,
        },
      ];
      const perFilter: Record<string, unknown> = {};
      const p95s: number[] = [];
      for (const filter of filters) {
        const { times, rows } = await timeCalls(
          base,
          filter.token === 'viewer' ? viewer : scoped,
          filter.query,
          n,
        );
        const plans = await withClient(url, (c: pg.Client) => planIndexes(c, filter));
        const p95 = round(percentile(times, 95));
        p95s.push(p95);
        perFilter[filter.key] = {
          filter: filter.label,
          p95Ms: p95,
          p50Ms: round(percentile(times, 50)),
          maxMs: round(Math.max(...times)),
          rows,
          indexes: plans,
        };
        progress(`${filter.key}: p95 ${p95} ms, ${rows} rows, ${JSON.stringify(plans)}`);
      }
      const service = rollupModule
        ? new rollupModule.OverviewRollup(
            async () => store,
            () => new Date(),
            createLogger({ level: 'error' }),
          )
        : null;
      await service?.start();
      const overview = await timeCalls(base, viewer, '/overview?since=24h', n);
      const overview7d = await timeCalls(base, viewer, '/overview?since=7d', Math.min(n, 10));
      const scopedOverview = await timeCalls(base, scoped, '/overview?since=24h', Math.min(n, 20));
      await service?.stop();
      const inWindow = await withClient(url, async (c: pg.Client) => {
        const { rows } = await c.query(
          "SELECT count(*)::int AS n FROM conveyor.job_runs WHERE finished_at >= now() - interval '24 hours'",
        );
        return rows[0].n as number;
      });
      // One minute of history at minuteRate jobs/s, an hour ahead (after the overview calls, so
      // they never see it), rolled by the pass's statement.
      if (rollupModule && minuteRate > 0) {
        const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 3_600_000);
        await withClient(url, (c: pg.Client) => c.query(SEED_MINUTE, [minuteRate * 60, minute]));
        const typed = store as { overviewRollupRoll(p: { from: Date; to: Date }): Promise<number> };
        const t1 = performance.now();
        const minuteRuns = await typed.overviewRollupRoll({
          from: minute,
          to: new Date(minute.getTime() + 60_000),
        });
        rollup = { ...rollup, minuteRate, minuteRuns, minuteRollMs: Math.round(performance.now() - t1) };
        progress(`rollup: ${JSON.stringify(rollup)}`);
      }
      progress(
        `overview 24h: p95 ${round(percentile(overview.times, 95))} ms (${inWindow} history rows in the window)`,
      );
      const searchValue = Math.max(...p95s);
      results = {
        api_search_p95_ms: {
          conveyor: {
            value: searchValue,
            unit: 'ms',
            min: Math.min(...p95s),
            max: searchValue,
            runs: [
              { run: 1, value: searchValue, extra: { calls: n, filters: perFilter, goal: '<= 200 ms' } },
            ],
          },
        },
        api_overview_ms: {
          conveyor: {
            value: round(percentile(overview.times, 95)),
            unit: 'ms',
            min: round(Math.min(...overview.times)),
            max: round(Math.max(...overview.times)),
            runs: [
              {
                run: 1,
                value: round(percentile(overview.times, 95)),
                extra: {
                  calls: n,
                  p50Ms: round(percentile(overview.times, 50)),
                  historyRowsInWindow: inWindow,
                  buckets: 288,
                  overview7dP95Ms: round(percentile(overview7d.times, 95)),
                  scopedOverview24hP95Ms: round(percentile(scopedOverview.times, 95)),
                  rollup,
                  goal: '<= 300 ms',
                },
              },
            ],
          },
        },
      };
    } finally {
      await server.close();
    }
  } finally {
    await conveyor.close();
    if (!keep) await dropDatabase(DATABASE);
  }
  const file = {
    meta: {
      mode: 'api',
      date: started.toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadAverageAtStart: load,
      sizes: {
        jobs: JOBS,
        historyRows: RUNS,
        tenants: TENANTS,
        queues: 8,
        names: 16,
        calls: n,
        seedSeconds,
        tableBytes,
      },
      method:
        'Conveyor from dist/ on the bench server, private database bench_api_<pid> (dropped at the end); seeded by one INSERT … SELECT generate_series per table, VACUUM ANALYZE; each filter called through createApiServer over HTTP (fetch, one at a time) 3 times to warm up then N times; p95 per filter; index names from EXPLAIN of each search statement with the same values (custom plan, as the store plans them).',
    },
    results,
  };
  mkdirSync(new URL('results/', BENCH), { recursive: true });
  writeFileSync(new URL(out, BENCH), `${JSON.stringify(file, null, 2)}\n`);
  progress(`wrote ${out}`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
