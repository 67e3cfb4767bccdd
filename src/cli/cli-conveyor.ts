/** Builds the Conveyor a command works on: the config's options, overridden by the global flags. */
import { pino } from 'pino';
import { type Conveyor, createConveyor } from '../client/conveyor.ts';
import type { ConveyorOptions } from '../client/conveyor-options.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { GlobalFlags } from './args.ts';

/** The connection string in effect: --database-url, then the config, then DATABASE_URL. */
export function effectiveDatabaseUrl(
  options: Pick<ConveyorOptions, 'databaseUrl'> | null,
  flags: GlobalFlags,
): string | null {
  return flags['database-url'] ?? options?.databaseUrl ?? process.env.DATABASE_URL ?? null;
}

/**
 * Logs of one-shot commands (enqueue, stats…) go to stderr at `warn` (CONVEYOR_LOG_LEVEL to change),
 * so stdout carries only the result.
 */
export function commandLogger(level = 'warn'): Logger {
  return pino(
    { name: 'conveyor', level: process.env.CONVEYOR_LOG_LEVEL ?? level },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** Long-running commands log to stdout: JSON, or pretty (pino-pretty) in dev mode. */
export function serviceLogger(pretty: boolean): Logger {
  return createLogger({ pretty });
}

export function openConveyor(
  options: ConveyorOptions,
  flags: GlobalFlags,
  logger: Logger,
  overrides: Partial<ConveyorOptions> = {},
): Conveyor {
  const databaseUrl = effectiveDatabaseUrl(options, flags);
  return createConveyor({
    ...options,
    ...overrides,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(flags.schema ? { schema: flags.schema } : {}),
    logger: options.logger ?? logger,
  });
}
