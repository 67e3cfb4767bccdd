/**
 * Flow-control settings of a queue, as written in code or at runtime, validated into the stored
 * form. Errors name the field (`queues.emails.rateLimit.per`) and the fix.
 */
import { type Duration, parseDuration } from './duration.ts';
import { ValidationError } from './errors.ts';

export interface RateLimitOption {
  /** Starts allowed in each window. */
  max: number;
  /** The window, e.g. '1s' or '1m'. Windows are aligned to the epoch. */
  per: Duration;
}

export interface QueueFlowOptions {
  /** Lower claims first when a worker serves several queues (AdvisorOS: critical 1 … scheduled 5). */
  priority?: number;
  /** Jobs of this queue running at once across every worker process. */
  globalConcurrency?: number | null;
  /** Jobs of one group (tenant) running at once across every process, e.g. 1 per tenant. */
  groupConcurrency?: number | null;
  /** Starts per window for the whole queue, across processes. */
  rateLimit?: RateLimitOption | null;
  /** Starts per window for each group, across processes. */
  groupRateLimit?: RateLimitOption | null;
  /**
   * Inside a group, a job gains one priority level per `aging` waited, so low priorities never
   * starve (default '1m'). `false`: strict priorities.
   */
  aging?: Duration | false;
}

/** The stored form (matches the store's QueueSettingsChange). */
export interface FlowSettings {
  priority?: number;
  globalConcurrency?: number | null;
  groupConcurrency?: number | null;
  rateLimit?: number | null;
  rateIntervalMs?: number | null;
  groupRateLimit?: number | null;
  groupRateIntervalMs?: number | null;
  agingMs?: number;
}

/** Strict priority: one level outweighs ~31 years of waiting. */
export const STRICT_AGING_MS = 1_000_000_000_000;
export const DEFAULT_AGING_MS = 60_000;

function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(
      field,
      `must be a whole number ≥ 1, got ${JSON.stringify(value)}; omit it (or null) for no limit`,
    );
  }
  return value;
}

function limitOrNull(value: number | null | undefined, field: string): number | null | undefined {
  return value === undefined || value === null ? value : positiveInteger(value, field);
}

function rateOrNull(
  value: RateLimitOption | null | undefined,
  field: string,
): [number | null, number | null] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return [null, null];
  if (typeof value !== 'object')
    throw new ValidationError(field, 'must be { max, per }, e.g. { max: 20, per: "1s" }');
  const max = positiveInteger(value.max, `${field}.max`);
  const per = parseDuration(value.per, `${field}.per`);
  if (per < 1) throw new ValidationError(`${field}.per`, 'must be a positive duration, e.g. "1s"');
  return [max, per];
}

/**
 * Validates flow options. With `complete`, absent limits become null and absent priority/aging
 * their defaults (code config is the whole truth for a declared queue); otherwise only the given
 * fields are returned (a runtime change).
 */
export function resolveFlowSettings(
  options: QueueFlowOptions,
  field: string,
  complete: boolean,
): FlowSettings {
  const out: FlowSettings = {};
  if (options.priority !== undefined) {
    if (!Number.isInteger(options.priority))
      throw new ValidationError(`${field}.priority`, 'must be a whole number');
    out.priority = options.priority;
  }
  const globalConcurrency = limitOrNull(options.globalConcurrency, `${field}.globalConcurrency`);
  if (globalConcurrency !== undefined) out.globalConcurrency = globalConcurrency;
  const groupConcurrency = limitOrNull(options.groupConcurrency, `${field}.groupConcurrency`);
  if (groupConcurrency !== undefined) out.groupConcurrency = groupConcurrency;
  const rate = rateOrNull(options.rateLimit, `${field}.rateLimit`);
  if (rate) [out.rateLimit, out.rateIntervalMs] = rate;
  const groupRate = rateOrNull(options.groupRateLimit, `${field}.groupRateLimit`);
  if (groupRate) [out.groupRateLimit, out.groupRateIntervalMs] = groupRate;
  if (options.aging !== undefined) {
    const agingMs =
      options.aging === false ? STRICT_AGING_MS : parseDuration(options.aging, `${field}.aging`);
    if (agingMs < 1)
      throw new ValidationError(
        `${field}.aging`,
        'must be a positive duration, or false for strict priorities',
      );
    out.agingMs = agingMs;
  }
  if (complete) {
    return {
      priority: 0,
      globalConcurrency: null,
      groupConcurrency: null,
      rateLimit: null,
      rateIntervalMs: null,
      groupRateLimit: null,
      groupRateIntervalMs: null,
      agingMs: DEFAULT_AGING_MS,
      ...out,
    };
  }
  return out;
}
