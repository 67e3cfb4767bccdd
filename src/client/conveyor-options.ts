import type { Logger } from 'pino';
import { type Duration, MAX_TIMER, parseDuration } from '../core/duration.ts';
import { ValidationError } from '../core/errors.ts';
import { type AnyJobDefinition, assertName } from '../core/job-definition.ts';
import { type FlowSettings, type QueueFlowOptions, resolveFlowSettings } from '../core/queue-settings.ts';
import type { RetentionPolicy } from '../maintenance/pruner.ts';
import type { AlertOptions } from '../observe/alerts/alert-evaluator.ts';
import type { MetricsOptions } from '../observe/metrics.ts';
import type { TracingOptions } from '../observe/tracing.ts';
import type { RealtimeConfig } from '../realtime/realtime-config.ts';
import type { ScheduleDefinition } from '../scheduler/schedule-definition.ts';
import { assertSchemaName } from '../store/postgres/sql-files.ts';

export interface RetentionOptions {
  /** Completed jobs to keep (default: 1,000 per queue, for 1 day). `false` keeps none. */
  completed?: { count?: number; age?: Duration } | false;
  /** Dead and cancelled jobs to keep (default: 10,000 per queue, for 14 days). */
  failed?: { count?: number; age?: Duration } | false;
  /** Run history of every queue and status, whatever the rules above (default 30 days); only at the top level. */
  history?: { age?: Duration } | false;
}

/** A queue's settings in code: flow control (limits, priority, aging) and retention. */
export interface QueueOptions extends QueueFlowOptions {
  retention?: RetentionOptions;
}

export interface ConveyorOptions {
  /** The jobs this process can enqueue and run. */
  jobs: AnyJobDefinition[];
  /** PostgreSQL connection string; default `process.env.DATABASE_URL`. None → embedded PGlite. */
  databaseUrl?: string;
  /** Embedded database folder when there is no databaseUrl (default `.conveyor/pgdata`; `memory://` for none). */
  dataDir?: string;
  /** Schema holding Conveyor's tables (default `conveyor`). */
  schema?: string;
  /**
   * `auto` applies pending migrations on first use (default, except with NODE_ENV=production on a
   * server); `verify` only checks and asks for `conveyor migrate`.
   */
  migrate?: 'auto' | 'verify';
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Longest wait to open a database connection, or for a free one in the pool (default 10s). */
  connectTimeout?: Duration;
  /**
   * Longest a statement may run (default 30s): PostgreSQL cancels it (statement_timeout), and if no
   * answer comes at all the client gives up a second later and closes the connection.
   */
  statementTimeout?: Duration;
  /** Longest a migration statement may run (default 15m); `false` for no bound. */
  migrationTimeout?: Duration | false;
  /** How long close() waits for database connections to end before it closes them (default 10s). */
  closeTimeout?: Duration;
  logger?: Logger;
  /** Largest accepted payload, as UTF-8 JSON (default 1 MiB). */
  maxPayloadBytes?: number;
  /** How long a worker process's lease lasts without a heartbeat (default 10s; beats every third). */
  lease?: Duration;
  /** How often the rescuer looks for expired leases (default half the lease). */
  rescueInterval?: Duration;
  /**
   * Hand a job enqueued by this process straight to an idle worker of this process inside its
   * insert, without a claim round trip (default true; docs/delivery-guarantees.md). Only for
   * queues without pause, limits or group rules, with nothing ready ahead of the job.
   */
  localHandoff?: boolean;
  /** Longest wait before a job scheduled in another process is promoted (default 1s). */
  promoteInterval?: Duration;
  /** How often retention runs (default 1m). */
  pruneInterval?: Duration;
  /** Retention for every queue, unless overridden in `queues`. */
  retention?: RetentionOptions;
  /** Per-queue settings. */
  queues?: Record<string, QueueOptions>;
  /** Cron schedules declared in code, upserted when the scheduler starts (docs/scheduling.md). */
  schedules?: ScheduleDefinition[];
  /** Alert rules and their webhooks (docs/observability.md); evaluated while a worker runs. */
  alerts?: AlertOptions;
  /** Redis to report in the health check (optional; not configured → `not_configured`). */
  redisUrl?: string;
  /** Settings of `conveyor gateway`, the realtime gateway (docs/realtime.md); unused by createConveyor. */
  realtime?: RealtimeConfig;
  /** Prometheus metrics settings. */
  metrics?: MetricsOptions;
  /** OpenTelemetry spans (on when @opentelemetry/api and an SDK are present; `false` to disable). */
  tracing?: TracingOptions | boolean;
  /** The clock (tests). */
  now?: () => Date;
}

/**
 * Gives a config file its type: `conveyor.config.ts` default-exports the options `createConveyor`
 * takes, and the `conveyor` command reads them.
 *
 * @example
 * // conveyor.config.ts
 * import { defineConfig } from 'conveyor-jobs';
 * import { sendDigest } from './src/jobs/send-digest.ts';
 *
 * export default defineConfig({ jobs: [sendDigest], retention: { completed: { count: 500 } } });
 */
export function defineConfig(options: ConveyorOptions): ConveyorOptions {
  return options;
}

export interface ResolvedOptions {
  databaseUrl: string | null;
  dataDir: string;
  schema: string;
  migrate: 'auto' | 'verify';
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** null: migrations are not bounded. */
  migrationTimeoutMs: number | null;
  closeTimeoutMs: number;
  maxPayloadBytes: number;
  leaseMs: number;
  localHandoff: boolean;
  rescueIntervalMs: number;
  promoteIntervalMs: number;
  pruneIntervalMs: number;
  retention: (queue: string) => RetentionPolicy;
  /** Flow settings of the queues declared in code, written to the store at start. */
  queueFlow: ReadonlyMap<string, FlowSettings>;
  now: () => Date;
}

function resolveFlag(value: unknown, fallback: boolean, field: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be true or false');
  return value;
}

const DEFAULT_RETENTION: RetentionPolicy = {
  completed: { count: 1_000, ageMs: 86_400_000 },
  failed: { count: 10_000, ageMs: 14 * 86_400_000 },
};

function resolveKeep(
  keep: { count?: number; age?: Duration } | false | undefined,
  fallback: RetentionPolicy['completed'],
  field: string,
): RetentionPolicy['completed'] {
  if (keep === undefined) return fallback;
  if (keep === false) return { count: 0, ageMs: null };
  if (keep.count !== undefined && (!Number.isInteger(keep.count) || keep.count < 0)) {
    throw new ValidationError(`${field}.count`, `must be a whole number ≥ 0, got ${keep.count}`);
  }
  return {
    count: keep.count ?? null,
    ageMs: keep.age === undefined ? null : parseDuration(keep.age, `${field}.age`),
  };
}

function resolveRetention(
  options: RetentionOptions | undefined,
  base: RetentionPolicy,
  field: string,
): RetentionPolicy {
  return {
    completed: resolveKeep(options?.completed, base.completed, `${field}.completed`),
    failed: resolveKeep(options?.failed, base.failed, `${field}.failed`),
  };
}

/** Every option createConveyor knows: anything else is a mistake worth an error (e.g. `shutdownTimeout`, a worker option). */
const OPTION_KEYS = Object.keys({
  jobs: true,
  databaseUrl: true,
  dataDir: true,
  schema: true,
  migrate: true,
  poolSize: true,
  logger: true,
  maxPayloadBytes: true,
  lease: true,
  localHandoff: true,
  rescueInterval: true,
  promoteInterval: true,
  pruneInterval: true,
  retention: true,
  queues: true,
  schedules: true,
  alerts: true,
  redisUrl: true,
  realtime: true,
  metrics: true,
  tracing: true,
  connectTimeout: true,
  statementTimeout: true,
  migrationTimeout: true,
  closeTimeout: true,
  now: true,
} satisfies Record<keyof ConveyorOptions, true>);

/** Levenshtein distance of two short strings (a misspelt option name is one or two edits off). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Throws a ValidationError naming the first key of `value` that is not in `known`. */
export function rejectUnknownKeys(
  value: object,
  known: readonly string[],
  prefix: string,
  what: string,
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
    throw new ValidationError(
      `${prefix}${key}`,
      `is not one of the ${what}${near ? `; did you mean "${near}"?` : ''} (known: ${known.join(', ')})`,
    );
  }
}

/** Longest bound a timer can hold (setTimeout and PostgreSQL's statement_timeout: 2^31 − 1 ms). */
const MAX_BOUND_MS = 2_147_483_647 - 1_000;

/** A wait's bound: a duration from 1 ms to about 24 days. */
function resolveBound(value: Duration | undefined, fallback: Duration, field: string): number {
  if (value !== undefined && typeof value !== 'number' && typeof value !== 'string') {
    throw new ValidationError(field, `must be a duration such as '10s' or a number of milliseconds`);
  }
  const ms = parseDuration(value ?? fallback, field);
  if (ms < 1 || ms > MAX_BOUND_MS) {
    throw new ValidationError(
      field,
      `must be from 1ms to 24d, got ${ms} ms${ms === 0 ? ' (a bound of 0 would mean waiting forever)' : ''}`,
    );
  }
  return ms;
}

export function resolveOptions(options: ConveyorOptions): ResolvedOptions {
  if (!options || !Array.isArray(options.jobs)) {
    throw new ValidationError('jobs', 'must be an array of job definitions (defineJob(...))');
  }
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? null;
  rejectUnknownKeys(options, OPTION_KEYS, '', 'createConveyor options');
  // Each of these drives a timer: past 2^31 − 1 ms Node.js would fire it after 1 ms instead.
  const leaseMs = parseDuration(options.lease ?? '10s', 'lease', MAX_TIMER);
  if (leaseMs < 100) throw new ValidationError('lease', 'must be at least 100ms');
  const maxPayloadBytes = options.maxPayloadBytes ?? 1_048_576;
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes <= 0) {
    throw new ValidationError(
      'maxPayloadBytes',
      `must be a positive whole number of bytes, got ${maxPayloadBytes}`,
    );
  }
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1)
    throw new ValidationError('poolSize', `must be ≥ 1, got ${poolSize}`);

  const base = resolveRetention(options.retention, DEFAULT_RETENTION, 'retention');
  const perQueue = new Map<string, RetentionPolicy>();
  const queueFlow = new Map<string, FlowSettings>();
  for (const [queue, settings] of Object.entries(options.queues ?? {})) {
    assertName(queue, `queues.${queue}`);
    perQueue.set(queue, resolveRetention(settings.retention, base, `queues.${queue}.retention`));
    queueFlow.set(queue, resolveFlowSettings(settings, `queues.${queue}`, true));
  }
  const production = process.env.NODE_ENV === 'production';
  const schema = options.schema ?? 'conveyor';
  assertSchemaName(schema);

  return {
    databaseUrl,
    dataDir: options.dataDir ?? '.conveyor/pgdata',
    schema,
    migrate: options.migrate ?? (databaseUrl && production ? 'verify' : 'auto'),
    poolSize,
    connectTimeoutMs: resolveBound(options.connectTimeout, '10s', 'connectTimeout'),
    statementTimeoutMs: resolveBound(options.statementTimeout, '30s', 'statementTimeout'),
    migrationTimeoutMs:
      options.migrationTimeout === false
        ? null
        : resolveBound(options.migrationTimeout, '15m', 'migrationTimeout'),
    closeTimeoutMs: resolveBound(options.closeTimeout, '10s', 'closeTimeout'),
    maxPayloadBytes,
    leaseMs,
    localHandoff: resolveFlag(options.localHandoff, true, 'localHandoff'),
    rescueIntervalMs: parseDuration(
      options.rescueInterval ?? Math.max(50, Math.floor(leaseMs / 2)),
      'rescueInterval',
      MAX_TIMER,
    ),
    promoteIntervalMs: parseDuration(options.promoteInterval ?? '1s', 'promoteInterval', MAX_TIMER),
    pruneIntervalMs: parseDuration(options.pruneInterval ?? '1m', 'pruneInterval', MAX_TIMER),
    retention: (queue) => perQueue.get(queue) ?? base,
    queueFlow,
    now: options.now ?? (() => new Date()),
  };
}
