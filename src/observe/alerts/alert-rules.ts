/**
 * Alert rules (Leora's: 2+ consecutive failures, run time > 3× normal, error rate > 10 %; Arda's:
 * DLQ > 0, queue depth > 100, failures; plus "no successful run within the expected period" for
 * scheduled jobs). Each rule has an id; an incident is one rule firing for one subject (a job or
 * a queue), opened once and resolved once when the condition clears.
 */
import { type Duration, parseDuration } from '../../core/duration.ts';
import { ValidationError } from '../../core/errors.ts';

export type AlertSeverity = 'critical' | 'warning' | 'info';

interface RuleBase {
  /** Stable id (default: kind plus its position). Incidents are keyed by id and subject. */
  id?: string;
  severity?: AlertSeverity;
}

/** A job whose last `threshold` attempts failed (since its last success, within `window`, default 24h). */
export interface ConsecutiveFailuresRule extends RuleBase {
  kind: 'consecutive-failures';
  threshold: number;
  job?: string;
  queue?: string;
  window?: Duration;
}

/** A job whose newest completed run took more than `factor` × the mean of its runs in `window` (default 24h). */
export interface SlowRunRule extends RuleBase {
  kind: 'slow-run';
  factor: number;
  job?: string;
  queue?: string;
  window?: Duration;
  /** Runs needed in the baseline before the rule judges (default 5). */
  minSamples?: number;
}

/** A job whose failed attempts exceed `percent` % of its attempts in `window`. */
export interface ErrorRateRule extends RuleBase {
  kind: 'error-rate';
  percent: number;
  window: Duration;
  job?: string;
  queue?: string;
  /** Attempts needed in the window before the rule judges (default 10). */
  minRuns?: number;
}

/** A queue with more than `threshold` dead jobs (default 0: any). */
export interface DeadLettersRule extends RuleBase {
  kind: 'dead-letters';
  threshold?: number;
  queue?: string;
}

/** A queue with more than `threshold` jobs waiting (ready), or in `states`. */
export interface QueueDepthRule extends RuleBase {
  kind: 'queue-depth';
  threshold: number;
  queue?: string;
  states?: ('ready' | 'scheduled' | 'active')[];
}

/** A (scheduled) job with no completed run within `within`. */
export interface MissedRunRule extends RuleBase {
  kind: 'missed-run';
  job: string;
  within: Duration;
}

export type AlertRule =
  | ConsecutiveFailuresRule
  | SlowRunRule
  | ErrorRateRule
  | DeadLettersRule
  | QueueDepthRule
  | MissedRunRule;

export type ResolvedRule = AlertRule & { id: string; severity: AlertSeverity; windowMs: number };

const DEFAULT_SEVERITY: Record<AlertRule['kind'], AlertSeverity> = {
  'consecutive-failures': 'critical',
  'slow-run': 'warning',
  'error-rate': 'warning',
  'dead-letters': 'warning',
  'queue-depth': 'warning',
  'missed-run': 'critical',
};

function positive(value: unknown, field: string, allowZero = false): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw new ValidationError(
      field,
      `must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`,
    );
}

/** Validates rules and fills ids, severities and windows; ids must be unique. */
export function resolveRules(rules: AlertRule[]): ResolvedRule[] {
  const seen = new Set<string>();
  return rules.map((rule, index) => {
    const field = `alerts.rules[${index}]`;
    if (!rule || !(rule.kind in DEFAULT_SEVERITY))
      throw new ValidationError(
        `${field}.kind`,
        `must be one of ${Object.keys(DEFAULT_SEVERITY).join(', ')}`,
      );
    const id = rule.id ?? `${rule.kind}#${index}`;
    if (seen.has(id)) throw new ValidationError(`${field}.id`, `"${id}" is used by two rules`);
    seen.add(id);
    let windowMs = 86_400_000;
    switch (rule.kind) {
      case 'consecutive-failures':
        positive(rule.threshold, `${field}.threshold`);
        if (rule.window !== undefined) windowMs = parseDuration(rule.window, `${field}.window`);
        break;
      case 'slow-run':
        positive(rule.factor, `${field}.factor`);
        if (rule.window !== undefined) windowMs = parseDuration(rule.window, `${field}.window`);
        break;
      case 'error-rate':
        positive(rule.percent, `${field}.percent`, true);
        windowMs = parseDuration(rule.window, `${field}.window`);
        break;
      case 'dead-letters':
        positive(rule.threshold ?? 0, `${field}.threshold`, true);
        break;
      case 'queue-depth':
        positive(rule.threshold, `${field}.threshold`, true);
        break;
      case 'missed-run':
        if (typeof rule.job !== 'string' || rule.job === '')
          throw new ValidationError(`${field}.job`, 'names the job that must succeed');
        windowMs = parseDuration(rule.within, `${field}.within`);
        break;
    }
    return { ...rule, id, severity: rule.severity ?? DEFAULT_SEVERITY[rule.kind], windowMs };
  });
}

/**
 * How far back the run history must reach for the `error-rate` rules, per queue (`null`: rules of
 * every queue): the longest window. The pruner's per-queue rules keep those rows (see
 * maintenance/pruner.ts): an error rate over completions a count rule deleted, beside the failures
 * it kept (10,000 failures, 1,000 completions per queue by default), fires on a healthy queue.
 * Only `error-rate`: its window is always given; the other history-reading rules default to 24 h,
 * which would keep a day of every busy queue's history.
 */
export function errorRateWindows(rules: readonly ResolvedRule[]): ReadonlyMap<string | null, number> {
  const windows = new Map<string | null, number>();
  for (const rule of rules) {
    if (rule.kind !== 'error-rate') continue;
    const queue = rule.queue ?? null;
    windows.set(queue, Math.max(windows.get(queue) ?? 0, rule.windowMs));
  }
  return windows;
}
