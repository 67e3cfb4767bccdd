/**
 * Job search is index-backed: planned with its values (the API runs it as an unnamed statement,
 * so each call gets a custom plan), payload containment reads the GIN index jobs_payload_idx (the
 * resting states) and the ready and active jobs' partial indexes, a
 * tenant's search jobs_tenant_idx, and state + queue the partial index of that state. 40,000 jobs
 * over 40 tenants and 4 queues, as a backlog looks (mostly scheduled, a tenth dead, 1 % ready and
 * 1 % active), analyzed, so the planner has real statistics to choose by.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySql } from '../../src/store/postgres/sql-files.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();
let client: pg.Client;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function scans(node: PlanNode, out: string[] = []): string[] {
  if (node['Relation Name'] || node['Index Name']) {
    out.push(
      `${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ` on ${node['Relation Name']}`}`,
    );
  }
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
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

/** The plan the search gets with these values (a custom plan, as an unnamed statement gets). */
async function searchPlan(values: unknown[]): Promise<string[]> {
  await client.query(`PREPARE search (${TYPES.join(', ')}) AS ${querySql('conveyor', 'api-job-search')}`);
  try {
    await client.query('SET plan_cache_mode = force_custom_plan');
    const literals = values.map((v) =>
      v === null
        ? 'NULL'
        : client.escapeLiteral(
            typeof v === 'string' ? v : Array.isArray(v) ? `{${v.join(',')}}` : JSON.stringify(v),
          ),
    );
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE search (${literals.join(', ')})`);
    const found = scans((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
    return found;
  } finally {
    await client.query('DEALLOCATE search');
  }
}

/** scope, states, queue, name, tenant, from, until, payload, ids, before, limit, fingerprint */
const search = (fields: {
  scope?: string;
  states?: string[];
  queue?: string;
  tenant?: string;
  payload?: unknown;
  fingerprint?: string;
}) => [
  fields.scope ?? null,
  fields.states ?? null,
  fields.queue ?? null,
  null,
  fields.tenant ?? null,
  null,
  null,
  fields.payload === undefined ? null : fields.payload,
  null,
  null,
  50,
  fields.fingerprint ?? null,
];

beforeAll(async () => {
  const conveyor = db.open({ jobs: [] });
  await conveyor.migrate();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    INSERT INTO conveyor.jobs (queue, name, state, run_at, sort_key, payload, max_attempts, tenant_id, group_key, created_at)
    SELECT 'q' || (i % 4), 'job',
      CASE WHEN i % 10 = 0 THEN 'dead' WHEN i % 100 = 1 THEN 'ready' WHEN i % 100 = 2 THEN 'active' ELSE 'scheduled' END,
      now() + interval '1 hour', i,
      jsonb_build_object('orderId', 'o_' || i, 'kind', 'k' || (i % 7)), 3, 't' || (i % 40), 't' || (i % 40), now()
    FROM generate_series(1, 40000) i`);
  // Failed attempts of the dead jobs, in 20 failure groups (messages differing only by numbers
  // normalise alike), and completed history rows around them.
  await client.query(`
    INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, error, enqueued_at, finished_at)
    SELECT i, 'q' || (i % 4), 'job', 't' || (i % 40), 1, CASE WHEN i % 10 = 0 THEN 'dead' ELSE 'completed' END,
      CASE WHEN i % 10 = 0 THEN jsonb_build_object('message', 'error ' || chr(65 + (i / 10) % 20) || ' code ' || i) END,
      now(), now()
    FROM generate_series(1, 40000) i`);
  await client.query('ANALYZE conveyor.jobs');
  await client.query('ANALYZE conveyor.job_runs');
});

afterAll(async () => {
  await client?.end();
});

describe('job search plans', () => {
  it('payload containment reads the GIN index', async () => {
    const plan = await searchPlan(search({ payload: { orderId: 'o_123' } }));
    // Resting jobs through the GIN index; the few ready and active ones through their own indexes.
    expect(plan).toContain('Bitmap Index Scan using jobs_payload_idx');
    expect(plan.join()).toMatch(/jobs_ready_idx/);
    expect(plan.join()).toMatch(/jobs_active_idx/);
    expect(plan.join()).not.toMatch(/Seq Scan/);
  });

  it('a tenant-scoped search reads the tenant index, with or without a payload filter', async () => {
    const plan = await searchPlan(search({ scope: 't7', states: ['dead'] }));
    expect(plan.join()).toMatch(/jobs_tenant_idx/);
    expect(plan.join()).not.toMatch(/Seq Scan/);
    const both = await searchPlan(search({ scope: 't7', payload: { orderId: 'o_7' } }));
    expect(both.join()).toMatch(/jobs_payload_idx|jobs_tenant_idx/);
    expect(both.join()).not.toMatch(/Seq Scan/);
  });

  it('a failure group (fingerprint) reads job_runs_fingerprint_idx', async () => {
    const [row] = (
      await client.query(`SELECT conveyor.error_fingerprint('job', 'error D code 7') AS fingerprint`)
    ).rows;
    const plan = await searchPlan(search({ fingerprint: row.fingerprint }));
    expect(plan.join()).toMatch(/job_runs_fingerprint_idx/);
    expect(plan.join()).not.toMatch(/Seq Scan on job_runs/);
  });

  it('state + queue reads an index, never the whole table', async () => {
    const dead = await searchPlan(search({ states: ['dead'], queue: 'q1' }));
    expect(dead.join()).toMatch(/jobs_finished_idx|jobs_pkey/);
    expect(dead.join()).not.toMatch(/Seq Scan/);
    // The ready and active branches are cut when no asked state is theirs.
    expect(dead.join()).not.toMatch(/jobs_ready_idx|jobs_active_idx/);
    const ready = await searchPlan(search({ states: ['ready'], queue: 'q1' }));
    expect(ready.join()).toMatch(/jobs_ready_idx/);
    expect(ready.join()).not.toMatch(/Seq Scan|jobs_active_idx|jobs_payload_idx/);
  });
});
