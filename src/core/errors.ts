/**
 * Typed errors. Each has a stable `code`, says what was wrong and how to fix it, and never carries
 * secrets or another tenant's data.
 */
export class ConveyorError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input (payload, options, configuration, CLI flags) did not pass validation; nothing was written. */
export class ValidationError extends ConveyorError {
  /** Dotted path of the offending field, e.g. `payload.userId` or `options.delay`. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('VALIDATION', `${field}: ${message}`, options);
    this.field = field;
  }
}

export class PayloadTooLargeError extends ConveyorError {
  constructor(bytes: number, limit: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `payload: ${bytes} bytes exceeds the ${limit}-byte limit; store large data elsewhere and enqueue a reference, or raise maxPayloadBytes`,
    );
  }
}

export class UnknownJobError extends ConveyorError {
  constructor(name: string, known: readonly string[]) {
    const list = known.length > 0 ? known.join(', ') : '(none registered)';
    super(
      'UNKNOWN_JOB',
      `job "${name}" is not registered; known jobs: ${list}. Register it in the jobs list (createConveyor({ jobs }) or conveyor.config.ts)`,
    );
  }
}

export class MigrationRequiredError extends ConveyorError {
  constructor(schema: string, have: number, want: number, functions: readonly string[] = []) {
    const behind =
      have < want
        ? `is at migration ${have} but this version needs ${want}`
        : `has outdated SQL function(s) ${functions.join(', ')}`;
    super(
      'MIGRATION_REQUIRED',
      `schema "${schema}" ${behind}; run \`conveyor migrate\` (or pass migrate: 'auto')`,
    );
  }
}

export class DatabaseUnavailableError extends ConveyorError {
  constructor(target: string, cause: unknown) {
    super(
      'DATABASE_UNAVAILABLE',
      `cannot reach the database at ${target}; check DATABASE_URL and that PostgreSQL is running`,
      {
        cause,
      },
    );
  }
}

/** Thrown into a handler's signal when its job exceeds `timeout`. */
export class JobTimeoutError extends ConveyorError {
  constructor(timeoutMs: number) {
    super('JOB_TIMEOUT', `job exceeded its timeout of ${timeoutMs} ms`);
  }
}

/** The reason on a handler's signal when its job was cancelled. */
export class JobCancelledError extends ConveyorError {
  constructor() {
    super('JOB_CANCELLED', 'job was cancelled');
  }
}

/** The reason on a handler's signal when the worker shuts down past its deadline. */
export class WorkerShutdownError extends ConveyorError {
  constructor() {
    super('WORKER_SHUTDOWN', 'worker is shutting down; the job was released to run again');
  }
}

/** What the database (or the driver) said, kept on the store's typed errors. */
export interface DatabaseFailure {
  /** The PostgreSQL error code (SQLSTATE) or Node.js error code, when there was one. */
  code: string | null;
  /** The database's or driver's own message (capped; storable text). */
  databaseMessage: string;
}

/**
 * The database refused a write because of what it was given (a SQLSTATE of class 22 data, 23
 * constraint, 42 syntax or access, 54 limits…), or the write could not be serialized: sending it
 * again unchanged fails again. Batches are split so that only the items at fault get this error.
 */
export class DatabaseRejectedError extends ConveyorError {
  /** The PostgreSQL error code (SQLSTATE), or null when the write never reached the database. */
  readonly sqlState: string | null;
  readonly databaseMessage: string;
  constructor(message: string, failure: DatabaseFailure, options?: { cause?: unknown }) {
    super('DATABASE_REJECTED', message, options);
    this.sqlState = failure.code;
    this.databaseMessage = failure.databaseMessage;
  }
}

/**
 * A database failure that may pass if the write is tried again later: the connection was refused,
 * reset or lost, the server is starting or shutting down, or it reported a deadlock, a
 * serialization failure, a lock timeout or a lack of resources (docs/delivery-guarantees.md).
 */
export class DatabaseTransientError extends ConveyorError {
  /** The PostgreSQL error code (SQLSTATE) or the Node.js error code, when there was one. */
  readonly reason: string | null;
  readonly databaseMessage: string;
  constructor(message: string, failure: DatabaseFailure, options?: { cause?: unknown }) {
    super('DATABASE_TRANSIENT', message, options);
    this.reason = failure.code;
    this.databaseMessage = failure.databaseMessage;
  }
}

/** A schedule name that no stored schedule has. */
export class ScheduleNotFoundError extends ConveyorError {
  constructor(name: string) {
    super('SCHEDULE_NOT_FOUND', `no schedule named "${name}"; \`conveyor schedules list\` shows them`);
  }
}
