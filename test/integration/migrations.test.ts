import { describe, expect, it } from 'vitest';
import { defineJob, MigrationRequiredError } from '../../src/index.ts';
import { migrations, querySql } from '../../src/store/postgres/sql-files.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
const job = defineJob({ name: 'j', handler: () => null });

describe('migrations', () => {
  it('applies each migration once when many processes migrate at the same moment', async () => {
    const instances = Array.from({ length: 4 }, () => db.open({ jobs: [job], schema: 'racing' }));
    const applied = await Promise.all(instances.map((c) => c.migrate()));
    expect(applied.filter((versions) => versions.length > 0)).toHaveLength(1);
    const rows = await sql<{ version: number }>(
      db.url,
      'SELECT version FROM racing.migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual(applied.find((v) => v.length > 0));
  });

  it("in 'verify' mode refuses to run on an unmigrated schema and says how to fix it", async () => {
    const conveyor = db.open({ jobs: [job], schema: 'unmigrated', migrate: 'verify' });
    await expect(conveyor.enqueue(job, {})).rejects.toThrow(MigrationRequiredError);
    await expect(conveyor.enqueue(job, {})).rejects.toThrow(/run `conveyor migrate`/);
    const tables = await sql(
      db.url,
      "SELECT 1 FROM information_schema.tables WHERE table_schema = 'unmigrated'",
    );
    expect(tables).toEqual([]);
    await conveyor.migrate();
    expect((await conveyor.enqueue(job, {})).created).toBe(true);
  });

  it('keeps schemas apart', async () => {
    const a = db.open({ jobs: [job], schema: 'tenant_a' });
    const b = db.open({ jobs: [job], schema: 'tenant_b' });
    await a.enqueue(job, {});
    await a.enqueue(job, {});
    await b.enqueue(job, {});
    expect((await a.stats())[0]?.counts.ready).toBe(2);
    expect((await b.stats())[0]?.counts.ready).toBe(1);
  });

  it('ends a fresh schema and one upgraded from migration 0001 with identical function bodies', async () => {
    await db.open({ jobs: [job], schema: 'fresh' }).migrate();
    // A schema as migration 0001 left it, migrated from there by this version.
    await sql(db.url, 'CREATE SCHEMA upgraded');
    await sql(db.url, querySql('upgraded', 'migration-prepare'));
    await sql(db.url, migrations('upgraded')[0]!.sql);
    await sql(db.url, "INSERT INTO upgraded.migrations (version, name) VALUES (1, 'jobs')");
    expect(await db.open({ jobs: [job], schema: 'upgraded' }).migrate()).toEqual(
      migrations('upgraded')
        .slice(1)
        .map((m) => m.version),
    );
    const fresh = await functionBodies('fresh');
    // claim_* and rate_log_add from functions/; error_* from migration 0012 (an index depends on them).
    expect(fresh.map((f) => f.name)).toEqual([
      'claim_jobs',
      'claim_jobs_fair',
      'error_fingerprint',
      'error_pattern',
      'rate_log_add',
    ]);
    expect(await functionBodies('upgraded')).toEqual(fresh);
  });

  it('re-applies a function whose definition changed, and verify mode asks for it first', async () => {
    const conveyor = db.open({ jobs: [job], schema: 'drifted' });
    await conveyor.migrate();
    const before = await functionBodies('drifted');
    // As a database migrated by an older release: another body, recorded under another checksum.
    const args = before.find((f) => f.name === 'claim_jobs_fair')!.args;
    await sql(
      db.url,
      `CREATE OR REPLACE FUNCTION drifted.claim_jobs_fair(${args})
         RETURNS SETOF drifted.jobs LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$`,
    );
    expect(await functionBodies('drifted')).not.toEqual(before);
    await sql(db.url, "UPDATE drifted.functions SET checksum = 'old' WHERE name = 'claim_jobs_fair'");
    const verifying = db.open({ jobs: [job], schema: 'drifted', migrate: 'verify' });
    await expect(verifying.enqueue(job, {})).rejects.toThrow(/outdated SQL function\(s\) claim_jobs_fair/);
    expect(await conveyor.migrate()).toEqual([]);
    expect(await functionBodies('drifted')).toEqual(before);
    const recheck = db.open({ jobs: [job], schema: 'drifted', migrate: 'verify' });
    expect((await recheck.enqueue(job, {})).created).toBe(true);
  });
});

/** The schema's functions, their signatures and bodies, with the schema name taken out. */
async function functionBodies(schema: string): Promise<{ name: string; args: string; body: string }[]> {
  const rows = await sql<{ name: string; args: string; body: string }>(
    db.url,
    `SELECT p.proname AS name, pg_get_function_arguments(p.oid) AS args, p.prosrc AS body
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY p.proname`,
    [schema],
  );
  return rows.map((row) => ({ ...row, body: row.body.replaceAll(`"${schema}".`, 'SCHEMA.') }));
}
