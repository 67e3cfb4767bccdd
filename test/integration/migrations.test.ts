import { describe, expect, it } from 'vitest';
import { defineJob, MigrationRequiredError } from '../../src/index.ts';
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
});
