import { ConveyorError } from '../core/errors.ts';

/** Which bound a database wait ran into. */
export type DatabaseWait = 'connect' | 'pool' | 'statement';

/**
 * The database did not answer within a bound (docs/configuration.md#timeouts). Transient: the
 * work is retried like after a lost connection. A statement given up this way may still have run
 * (its connection is closed; PostgreSQL finishes or cancels it), so retries must be idempotent,
 * which every Conveyor write is. Names the target without credentials.
 */
export class DatabaseTimeoutError extends ConveyorError {
  readonly wait: DatabaseWait;
  readonly timeoutMs: number;

  constructor(wait: DatabaseWait, target: string, timeoutMs: number, detail: string, cause?: unknown) {
    super('DATABASE_TIMEOUT', `${target}: ${MESSAGES[wait](timeoutMs, detail)}`, { cause });
    this.wait = wait;
    this.timeoutMs = timeoutMs;
  }
}

const MESSAGES: Record<DatabaseWait, (ms: number, detail: string) => string> = {
  connect: (ms) =>
    `no connection within ${ms} ms (connectTimeout): the server is unreachable, overloaded or not answering`,
  pool: (ms, detail) =>
    `no pooled connection came free within ${ms} ms (connectTimeout): all ${detail} connections stayed busy; ` +
    'look for slow statements or raise poolSize',
  statement: (ms, detail) =>
    `no answer to ${detail} within ${ms} ms: the server is not answering; ` +
    'the connection was closed and the statement may still have run',
};
