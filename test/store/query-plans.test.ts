/**
 * Statements that find jobs by id must read the primary key whatever the statistics say. After
 * ANALYZE of a table whose jobs are mostly ready, PostgreSQL believes almost no job is active and
 * would scan jobs_active_idx (with every dead entry since the last vacuum) and filter by id: a
 * 100k drain ran at half speed. These tests read the generic plans (what a prepared statement
 * settles on after five runs) of those statements against such a table.
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

/** Every scan of a table in the plan, as "Seq Scan on jobs" or "Index Scan on jobs using jobs_pkey". */
function scans(node: PlanNode, out: string[] = []): string[] {
  if (node['Relation Name'] && node['Node Type'] !== 'ModifyTable') {
    const index = node['Index Name'] ? ` using ${node['Index Name']}` : '';
    out.push(`${node['Node Type']} on ${node['Relation Name']}${index}`);
  }
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

async function genericPlan(name: string, types: string[], values: unknown[]): Promise<string[]> {
  const statement = `plan_${name.replace(/-/g, '_')}`;
  await client.query(`PREPARE ${statement} (${types.join(', ')}) AS ${querySql('conveyor', name)}`);
  try {
    const literals = values.map((v) => client.escapeLiteral(typeof v === 'string' ? v : JSON.stringify(v)));
    const { rows } = await client.query(
      `EXPLAIN (FORMAT JSON) EXECUTE ${statement} (${literals.join(', ')})`,
    );
    return scans((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
  } finally {
    await client.query(`DEALLOCATE ${statement}`);
  }
}

beforeAll(async () => {
  await db.open({ jobs: [] }).migrate();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    INSERT INTO conveyor.jobs (queue, name, state, run_at, payload, max_attempts, created_at, sort_key)
    SELECT 'q', 'j', 'ready', now(), '{}', 3, now(), g FROM generate_series(1, 20000) g`);
  await client.query(`
    INSERT INTO conveyor.jobs (queue, name, state, run_at, payload, max_attempts, created_at, sort_key)
    SELECT 'q', 'j', 'scheduled', now() + interval '1 day', '{}', 3, now(), g FROM generate_series(1, 20000) g`);
  await client.query('ANALYZE conveyor.jobs');
  await client.query('SET plan_cache_mode = force_generic_plan');
});

afterAll(async () => {
  await client.end();
});

describe('query plans with statistics of a mostly-ready table', () => {
  const item = {
    id: '1',
    result: null,
    started_at: new Date().toISOString(),
    finished_at: new Date().toISOString(),
  };

  it.each([
    ['job-complete-many', ['jsonb', 'text', 'text'], [[item], 'w', 'c']],
    [
      'job-fail-many',
      ['jsonb', 'text', 'timestamptz', 'text'],
      [[{ ...item, error: {}, retry_at: null }], 'w', new Date().toISOString(), 'c'],
    ],
    ['job-return-many', ['text[]', 'text', 'text'], ['{1,2}', 'w', 'c']],
    ['job-progress-set', ['text', 'jsonb'], ['1', {}]],
  ])('%s finds jobs by primary key', async (name, types, values) => {
    const jobScans = (await genericPlan(name, types, values)).filter((s) => / on jobs\b/.test(s));
    expect(jobScans.length).toBeGreaterThan(0);
    for (const scan of jobScans) expect(scan).toMatch(/using jobs_pkey$/);
  });

  it('job-promote-due reads only due scheduled jobs and updates them by key', async () => {
    const plan = await genericPlan(
      'job-promote-due',
      ['timestamptz', 'integer', 'text'],
      [new Date().toISOString(), 100, 'c'],
    );
    const jobScans = plan.filter((s) => / on jobs\b/.test(s));
    expect(jobScans.length).toBeGreaterThan(0);
    for (const scan of jobScans) expect(scan).toMatch(/using jobs_(pkey|scheduled_idx)$/);
  });

  it('job-insert-many-handoff looks for a ready job ahead with an index probe, not a scan of every ready job', async () => {
    // 20,000 ready jobs of queue q; the handed-off job is of another queue, which has none. A NOT
    // EXISTS here was planned as a sequential scan that read them all (42 ms at 337k rows).
    const job = {
      queue: 'other',
      name: 'j',
      payload: {},
      priority: 0,
      run_ms: Date.now(),
      max_attempts: 3,
      backoff: null,
      timeout_ms: null,
      tenant_id: null,
      group_key: null,
      metadata: null,
      handoff_worker: 'w',
    };
    const plan = await genericPlan(
      'job-insert-many-handoff',
      ['json', 'timestamptz', 'text'],
      [[job], new Date().toISOString(), 'c'],
    );
    const jobScans = plan.filter((s) => / on jobs\b/.test(s));
    expect(jobScans.length).toBeGreaterThan(0);
    for (const scan of jobScans) expect(scan).toMatch(/using jobs_ready_idx$/);
  });
});
