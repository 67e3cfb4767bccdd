/**
 * Runs one claimed job: builds the handler's context, enforces the timeout through the signal,
 * and reports exactly one outcome. Once an outcome is reported, a late settle of the handler is
 * ignored (a timed-out handler that later returns does not complete the job). A result that
 * PostgreSQL cannot store (storable-value.ts) is a failed attempt with a ValidationError naming its
 * path (`result.items[3].name: contains U+0000…`); the retry policy applies as to any failure.
 */
import type { Logger } from 'pino';
import { JobTimeoutError } from '../core/errors.ts';
import type { RunningJobInfo } from '../core/job.ts';
import type { AnyJobDefinition, EnqueueFromHandler, JobContext } from '../core/job-definition.ts';
import { storableJsonProblem } from '../core/storable-value.ts';
import { jobLogger } from '../log/logger.ts';
import { startUsageMeter } from '../observe/attempt-usage.ts';
import type { AttemptUsage, ClaimedJob } from '../store/store.ts';

export type ExecutionOutcome =
  | { kind: 'completed'; result: unknown; usage?: AttemptUsage }
  | { kind: 'failed'; error: unknown; usage?: AttemptUsage }
  /** Aborted from outside (cancelled, or shutdown past its deadline): no outcome to write. */
  | { kind: 'aborted'; reason: unknown };

export interface Execution {
  readonly job: ClaimedJob;
  readonly info: RunningJobInfo;
  readonly startedAt: Date;
  /** Aborts the handler's signal; the execution ends as `aborted` with this reason. */
  abort(reason: unknown): void;
  readonly outcome: Promise<ExecutionOutcome>;
}

export interface ExecutionDeps {
  log: Logger;
  now: () => Date;
  progress(info: RunningJobInfo, value: unknown): Promise<void>;
  enqueue: EnqueueFromHandler;
}

export function jobInfo(job: ClaimedJob): RunningJobInfo {
  return {
    id: job.id,
    name: job.name,
    queue: job.queue,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    tenantId: job.tenantId,
    groupKey: job.groupKey,
    metadata: job.metadata,
    createdAt: job.createdAt,
    claimedAt: job.claimedAt,
  };
}

export function startExecution(
  job: ClaimedJob,
  definition: AnyJobDefinition,
  deps: ExecutionDeps,
  dryRun = false,
): Execution {
  // The AbortController is made on first use of `signal` (most no-op and quick handlers never
  // touch it; one per job measured ~2 % of a drain's CPU). An abort before that is remembered.
  let controller: AbortController | null = null;
  let abortReason: { reason: unknown } | null = null;
  const abortWith = (reason: unknown): void => {
    abortReason ??= { reason };
    controller?.abort(reason);
  };
  const info = jobInfo(job);
  const startedAt = deps.now();
  const meter = startUsageMeter();
  let settle!: (outcome: ExecutionOutcome) => void;
  let settled = false;
  const outcome = new Promise<ExecutionOutcome>((resolve) => {
    settle = (value) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(value.kind === 'aborted' ? value : { ...value, usage: meter.read() });
    };
  });

  let timer: NodeJS.Timeout | null = null;
  if (job.timeoutMs !== null && job.timeoutMs > 0) {
    const timeoutMs = job.timeoutMs;
    timer = setTimeout(() => {
      const error = new JobTimeoutError(timeoutMs);
      abortWith(error);
      settle({ kind: 'failed', error });
    }, timeoutMs);
  }

  let logger: Logger | undefined;
  const context: JobContext<never> = {
    payload: job.payload as never,
    job: info,
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (abortReason) controller.abort(abortReason.reason);
      }
      return controller.signal;
    },
    tenantId: job.tenantId,
    // Created on first use: most handlers never log, and a child logger per job is measurable.
    get log() {
      logger ??= jobLogger(deps.log, job);
      return logger;
    },
    // Checked like a result: a value PostgreSQL cannot store is refused here, naming its path.
    progress: (value) => {
      const problem = storableJsonProblem(value, 'progress');
      return problem ? Promise.reject(problem) : deps.progress(info, value);
    },
    enqueue: (next, payload, options) =>
      deps.enqueue(next, payload, { ...(job.tenantId ? { tenantId: job.tenantId } : {}), ...options }),
    dryRun,
  };

  Promise.resolve()
    .then(() => definition.handler(context))
    .then(
      (result) => {
        if (settled) return;
        // A result PostgreSQL cannot store fails the attempt here, naming its path, instead of
        // failing the completion statement of every job in its batch.
        const problem = storableJsonProblem(result, 'result');
        settle(problem ? { kind: 'failed', error: problem } : { kind: 'completed', result });
      },
      (error: unknown) => settle({ kind: 'failed', error }),
    );

  return {
    job,
    info,
    startedAt,
    abort(reason: unknown) {
      abortWith(reason);
      settle({ kind: 'aborted', reason });
    },
    outcome,
  };
}
