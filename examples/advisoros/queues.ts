/**
 * AdvisorOS's nine queues (seed 002) as Conveyor queue settings. Per-worker concurrency is the
 * worker's own (`conveyor worker --queues critical,emails --concurrency 10`); the limits below hold
 * across every worker process together.
 */
import type { QueueOptions } from '../../src/index.ts';

export const advisorOsQueues: Record<string, QueueOptions> = {
  critical: { priority: 1 },
  'document-processing': { priority: 2, rateLimit: { max: 20, per: '1s' } },
  'ai-processing': { priority: 2, rateLimit: { max: 10, per: '1s' }, groupConcurrency: 2 },
  reports: { priority: 3 },
  emails: { priority: 3, rateLimit: { max: 100, per: '1m' } },
  webhooks: { priority: 3 },
  integrations: { priority: 3, groupRateLimit: { max: 5, per: '1s' } },
  maintenance: { priority: 4, globalConcurrency: 2 },
  scheduled: { priority: 5, globalConcurrency: 1 },
};
