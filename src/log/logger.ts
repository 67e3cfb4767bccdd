/**
 * Structured logs (pino): JSON by default, pretty in `conveyor dev` or with CONVEYOR_LOG_PRETTY=1.
 * The `err` field of every line keeps only an error's type, code, message and capped stack
 * (safe-error.ts), so no driver object (connection parameters, statement text) is ever dumped.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import { safeError } from './safe-error.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
  /** Where JSON lines go (default stdout); ignored when pretty. */
  destination?: DestinationStream;
}

/** pino serializer for `err`: errors and other objects become their safe fields; strings stay as they are. */
export function serializeErr(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? safeError(value) : value;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.CONVEYOR_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? process.env.CONVEYOR_LOG_PRETTY === '1';
  const settings = { name: 'conveyor', level, serializers: { err: serializeErr } };
  if (pretty) {
    return pino({
      ...settings,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
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
