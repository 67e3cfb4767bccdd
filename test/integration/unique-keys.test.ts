import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
const recalc = defineJob<{ loopId: string }>({
  name: 'relowisa-recalc',
  queue: 'relowisa',
  handler: async () => null,
});

describe('unique keys', () => {
  it('turns many concurrent enqueues of one key, from two processes, into one job', async () => {
    const one = db.open({ jobs: [recalc], schema: 'uniq' });
    const two = db.open({ jobs: [recalc], schema: 'uniq' });
    await one.migrate();
    const key = 'relowisa:tenant-1:loop-9:2026-11-22';
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? one : two).enqueue(recalc, { loopId: 'loop-9' }, { uniqueKey: key, tenantId: 'tenant-1' }),
      ),
    );
    const ids = new Set(results.map((r) => r.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const rows = await sql<{ n: number }>(
      db.url,
      'SELECT count(*)::int AS n FROM uniq.jobs WHERE unique_key = $1',
      [key],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('keeps a daily key reserved after the job completed when uniqueFor is set', async () => {
    const conveyor = db.open({ jobs: [recalc], schema: 'uniq_window' });
    await conveyor.worker({ handleSignals: false }).start();
    const key = 'relowisa:t:l:2026-11-22';
    const done = conveyor.once('job:completed');
    const first = await conveyor.enqueue(recalc, { loopId: 'l' }, { uniqueKey: key, uniqueFor: '24h' });
    await done;
    const again = await conveyor.enqueue(recalc, { loopId: 'l' }, { uniqueKey: key, uniqueFor: '24h' });
    expect(again).toEqual({ id: first.id, created: false });
    const plain = defineJob({ name: 'plain', queue: 'relowisa', handler: async () => null });
    const other = db.open({ jobs: [plain], schema: 'uniq_window2' });
    await other.worker({ handleSignals: false }).start();
    const plainDone = other.once('job:completed');
    const p1 = await other.enqueue(plain, {}, { uniqueKey: 'k' });
    await plainDone;
    const p2 = await other.enqueue(plain, {}, { uniqueKey: 'k' });
    expect(p2.created).toBe(true);
    expect(p2.id).not.toBe(p1.id);
  });
});
