/** Structured logs (pino): JSON by default, pretty in `conveyor dev` or with CONVEYOR_LOG_PRETTY=1. */
import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.CONVEYOR_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? process.env.CONVEYOR_LOG_PRETTY === '1';
  return pino({
    name: 'conveyor',
    level,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } }
      : {}),
  });
}

/** The child logger for one attempt: every line carries job id, name, queue, tenant and attempt. */
export function jobLogger(
  parent: Logger,
  job: { id: string; name: string; queue: string; tenantId: string | null; attempt: number },
): Logger {
  return parent.child({
    jobId: job.id,
    job: job.name,
    queue: job.queue,
    tenantId: job.tenantId,
    attempt: job.attempt,
  });
}
