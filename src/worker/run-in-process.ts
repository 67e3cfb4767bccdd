/**
 * Runs one job's handler in this process, outside the queue (Leora's manual runner, `conveyor run`):
 * no row is written, nothing is retried; the result is returned or the error thrown.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { NewJob } from '../core/enqueue-options.ts';
import type { AnyJobDefinition, EnqueueFromHandler } from '../core/job-definition.ts';
import { startExecution } from './job-execution.ts';

export interface InProcessRun {
  result: unknown;
  durationMs: number;
}

export async function runInProcess(
  definition: AnyJobDefinition,
  prepared: NewJob,
  options: { dryRun: boolean; log: Logger; now: () => Date; enqueue: EnqueueFromHandler },
): Promise<InProcessRun> {
  const { log, now } = options;
  const execution = startExecution(
    {
      id: `run-${randomUUID()}`,
      queue: prepared.queue,
      name: prepared.name,
      payload: prepared.payload,
      priority: prepared.priority,
      attempt: 1,
      maxAttempts: 1,
      backoff: null,
      timeoutMs: prepared.timeoutMs,
      tenantId: prepared.tenantId,
      groupKey: prepared.groupKey,
      metadata: prepared.metadata,
      createdAt: now(),
      claimedAt: now(),
      leaseSeq: null,
    },
    definition,
    {
      log,
      now,
      progress: async (info, value) => log.info({ jobId: info.id, progress: value }, 'progress'),
      enqueue: options.enqueue,
    },
    options.dryRun,
  );
  const outcome = await execution.outcome;
  if (outcome.kind !== 'completed') throw outcome.kind === 'failed' ? outcome.error : outcome.reason;
  return { result: outcome.result, durationMs: now().getTime() - execution.startedAt.getTime() };
}
