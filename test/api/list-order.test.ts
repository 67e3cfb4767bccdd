/**
 * conveyor.listJobs pages by id in numeric order (found while building the API's search, which
 * shares the mistake's shape): ordered by the select list's text id, job 10 came before job 2 and
 * a page after id 10 skipped jobs 2 to 9.
 */
import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();
const job = defineJob({ name: 'listed', queue: 'listed', handler: () => null });

describe('listJobs pages', () => {
  it('visit every job once, in id order, across the 9 → 10 boundary', async () => {
    const conveyor = db.open({ jobs: [job] });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await conveyor.enqueue(job, {}, { delay: '1h' })).id);
    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await conveyor.listJobs(
        { queue: 'listed' },
        { limit: 2, ...(afterId ? { afterId } : {}) },
      );
      if (page.length === 0) break;
      seen.push(...page.map((j) => j.id));
      afterId = page.at(-1)!.id;
    }
    expect(seen).toEqual(ids);
  });
});
