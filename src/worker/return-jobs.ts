import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import type { JobStore } from '../store/job-store.ts';

/**
 * Gives claimed-but-unfinished jobs back to ready without counting the attempt, retrying a few
 * times with backoff. If it keeps failing nothing is lost: the rescuer returns them after the lease.
 */
export async function returnJobs(
  store: JobStore,
  workerId: string,
  ids: string[],
  log: Logger,
): Promise<void> {
  if (ids.length === 0) return;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await store.jobReturnMany({ ids, workerId });
      return;
    } catch (error) {
      if (attempt >= 3)
        return log.warn(
          { err: safeError(error), count: ids.length },
          'could not return jobs; the rescuer will',
        );
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}
