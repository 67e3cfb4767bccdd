/**
 * Arda's retry and dead-letter policy per job category (catalog, "Retry Policy"). "Max retries"
 * there counts retries, so attempts = retries + 1; every category ends in the dead-letter queue
 * (`conveyor.deadLetters`, `conveyor dlq list|replay`).
 *
 * | Category     | Retries | Backoff                     |
 * | ------------ | ------- | --------------------------- |
 * | event-driven | 3       | exponential ×4: 1s, 4s, 16s |
 * | scheduled    | 2       | fixed 5 min                 |
 * | on-demand    | 3       | exponential ×5: 5s, 25s, 125s |
 *
 * Conveyor's `exponential` doubles, so the ×4 and ×5 series are backoff functions (allowed in a
 * definition's defaults, not per enqueue).
 */
import type { JobDefaults } from '../../src/index.ts';

export type JobCategory = 'eventDriven' | 'scheduled' | 'onDemand';

export const retryPolicies: Record<JobCategory, JobDefaults> = {
  eventDriven: { attempts: 4, backoff: (attempt) => 1_000 * 4 ** (attempt - 1) },
  scheduled: { attempts: 3, backoff: { type: 'fixed', delay: '5m' } },
  onDemand: { attempts: 4, backoff: (attempt) => 5_000 * 5 ** (attempt - 1) },
};
