/**
 * The health report in the Arda seed's shape:
 *   { status, timestamp, jobs: { database, redis, queue: { active, waiting, failed, dlq } } }
 * `down` when the database does not answer; `degraded` when a configured Redis does not (jobs still
 * run: Redis only carries fan-out, D3); `ok` otherwise. An unconfigured Redis is `not_configured`
 * and does not degrade. `failed` counts failed attempts (failed, dead, stalled) in the last hour;
 * `dlq` counts dead jobs.
 */
import type { Store } from '../store/store.ts';
import type { RedisProbe, RedisStatus } from './redis-probe.ts';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  status: HealthStatus;
  timestamp: string;
  jobs: {
    database: 'connected' | 'unreachable';
    redis: RedisStatus;
    queue: { active: number; waiting: number; failed: number; dlq: number } | null;
  };
  /** Why a dependency is reported unreachable (never a secret: messages of connection errors). */
  errors?: { database?: string; redis?: string };
  /**
   * The event bus, when one is attached (createEventBus): consumer lag in seconds (age of the
   * oldest event not yet received; 0 when none waits) per durable subscriber and fan-out sink.
   */
  events?:
    | { lag: { subscribers: Record<string, number>; sinks: Record<string, number> } }
    | { error: string };
}

/** A section an attached capability adds to the report (the event bus adds `events`). */
export type HealthSection = () => Promise<unknown>;

export interface HealthOptions {
  /** HTTP status for `degraded` (default 503, like `down`; set 200 to keep a node in rotation). */
  degradedStatusCode?: number;
}

const FAILED_WINDOW_MS = 3_600_000;
const DATABASE_TIMEOUT_MS = 3_000;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function checkHealth(deps: {
  store: () => Promise<Store>;
  redis: RedisProbe;
  now: () => Date;
  sections?: ReadonlyMap<string, HealthSection>;
}): Promise<HealthReport> {
  const now = deps.now();
  const database = (async () => {
    const store = await deps.store();
    await store.ping();
    const [counts, overall] = await Promise.all([
      store.jobCountByState({}),
      store.analyticsOverall({ since: new Date(now.getTime() - FAILED_WINDOW_MS), until: now }),
    ]);
    const total = (state: string): number =>
      counts.filter((c) => c.state === state).reduce((sum, c) => sum + c.count, 0);
    return { active: total('active'), waiting: total('ready'), failed: overall.failed, dlq: total('dead') };
  })();
  const sections = Promise.all(
    [...(deps.sections ?? new Map<string, HealthSection>())].map(async ([name, section]) => [
      name,
      await withTimeout(section(), DATABASE_TIMEOUT_MS, name).catch((error: unknown) => ({
        error: message(error),
      })),
    ]),
  );
  const [db, redis, extra] = await Promise.all([
    withTimeout(database, DATABASE_TIMEOUT_MS, 'the database').then(
      (queue) => ({ ok: true as const, queue }),
      (error: unknown) => ({ ok: false as const, error: message(error) }),
    ),
    deps.redis.check(),
    sections,
  ]);
  const errors: NonNullable<HealthReport['errors']> = {};
  if (!db.ok) errors.database = db.error;
  if (redis.error) errors.redis = redis.error;
  const status: HealthStatus = !db.ok ? 'down' : redis.status === 'unreachable' ? 'degraded' : 'ok';
  return {
    status,
    timestamp: now.toISOString(),
    jobs: {
      database: db.ok ? 'connected' : 'unreachable',
      redis: redis.status,
      queue: db.ok ? db.queue : null,
    },
    ...(Object.keys(errors).length > 0 ? { errors } : {}),
    ...Object.fromEntries(extra),
  };
}

/** The HTTP status for a report: 200 when ok, 503 when down, `degradedStatusCode` when degraded. */
export function healthStatusCode(report: HealthReport, options: HealthOptions = {}): number {
  if (report.status === 'ok') return 200;
  if (report.status === 'degraded') return options.degradedStatusCode ?? 503;
  return 503;
}
