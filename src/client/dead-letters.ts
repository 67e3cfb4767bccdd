/** Dead letters: list dead jobs with their errors, and replay them (by ids, or all by filter). */
import { ValidationError } from '../core/errors.ts';
import type { JobFilter, JobRecord } from '../core/job.ts';
import type { Store } from '../store/store.ts';

export type ReplayTarget =
  | { ids: string[] }
  | { all: true; queue?: string; name?: string; tenantId?: string };

function filterOf(target: ReplayTarget): JobFilter {
  if ('ids' in target) {
    if (!Array.isArray(target.ids) || target.ids.length === 0) {
      throw new ValidationError('ids', 'give at least one job id, or { all: true }');
    }
    const bad = target.ids.find((id) => !/^\d{1,19}$/.test(String(id)));
    if (bad !== undefined)
      throw new ValidationError('ids', `${JSON.stringify(bad)} is not a job id (ids are digits)`);
    return { ids: target.ids.map(String) };
  }
  if (target.all !== true) throw new ValidationError('target', 'give { ids: [...] } or { all: true }');
  return {
    ...(target.queue ? { queue: target.queue } : {}),
    ...(target.name ? { name: target.name } : {}),
    ...(target.tenantId ? { tenantId: target.tenantId } : {}),
  };
}

/** Dead jobs (`conveyor.deadLetters`): list them with their errors, replay them. */
export interface DeadLettersApi {
  /** Dead jobs, each with every attempt's error. */
  list(filter?: Omit<JobFilter, 'states'>, page?: { limit?: number; afterId?: string }): Promise<JobRecord[]>;
  /** Sends dead jobs back to ready with fresh attempts: by ids, or all (optionally filtered). */
  replay(target: ReplayTarget): Promise<string[]>;
}

export function createDeadLetters(
  store: () => Promise<Store>,
  now: () => Date,
  replayed: () => void,
): DeadLettersApi {
  return {
    async list(
      filter: Omit<JobFilter, 'states'> = {},
      page: { limit?: number; afterId?: string } = {},
    ): Promise<JobRecord[]> {
      return (await store()).jobList({
        filter: { ...filter, states: ['dead'] },
        limit: page.limit ?? 100,
        ...(page.afterId ? { afterId: page.afterId } : {}),
      });
    },
    async replay(target: ReplayTarget): Promise<string[]> {
      const filter = filterOf(target);
      const ids = await (await store()).jobReplay({ filter: { ...filter, states: ['dead'] }, now: now() });
      replayed();
      return ids;
    },
  };
}
