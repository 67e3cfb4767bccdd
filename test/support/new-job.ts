import type { NewJob } from '../../src/core/enqueue-options.ts';

/** A job as the store takes it: queue 'q', due at `runAt` (default now), no options set. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    queue: 'q',
    name: 'job',
    payload: { n: 1 },
    priority: 0,
    runAt: new Date(),
    maxAttempts: 3,
    backoff: null,
    timeoutMs: null,
    tenantId: null,
    groupKey: null,
    uniqueKey: null,
    uniqueUntil: null,
    metadata: null,
    ...overrides,
  };
}
