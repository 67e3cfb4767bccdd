/**
 * Wires observability into one Conveyor instance: analytics over the run history, Prometheus
 * metrics fed by lifecycle events, the health report, alert evaluation, history retention and
 * tracing. The client holds one of these; its background services run in the process's runtime.
 */
import type { Logger } from 'pino';
import { type Duration, parseDuration } from '../core/duration.ts';
import type { LifecycleEmitter } from '../events/lifecycle-events.ts';
import type { Service } from '../runtime/service.ts';
import type { Store } from '../store/store.ts';
import { type AlertEvaluation, AlertEvaluator, type AlertOptions } from './alerts/alert-evaluator.ts';
import { errorRateWindows } from './alerts/alert-rules.ts';
import { type Analytics, createAnalytics } from './analytics.ts';
import { checkHealth, type HealthReport, type HealthSection } from './health.ts';
import { type HistoryPruneReport, HistoryRetention, pruneHistory } from './history-retention.ts';
import { ConveyorMetrics, type MetricsOptions } from './metrics.ts';
import { RedisProbe } from './redis-probe.ts';
import type { Incident } from './run-history-types.ts';
import { JobTracing, type TracingOptions } from './tracing.ts';

export interface ObservabilityOptions {
  alerts?: AlertOptions;
  redisUrl?: string;
  metrics?: MetricsOptions;
  tracing?: TracingOptions | boolean;
  /** Overall age limit of the run history (default 30d; `false` keeps rows until per-queue rules drop them). */
  historyAge?: Duration | false;
  pruneIntervalMs: number;
}

export interface AlertsApi {
  /** Evaluates every rule at `now` (default: the clock), stores and delivers what changed. */
  evaluate(now?: Date): Promise<AlertEvaluation>;
  /** Open incidents, or every incident opened since `since`. */
  incidents(options?: { openOnly?: boolean; since?: Date; limit?: number }): Promise<Incident[]>;
}

export interface Observability {
  analytics: Analytics;
  alerts: AlertsApi;
  metrics: ConveyorMetrics;
  tracing: JobTracing;
  health(): Promise<HealthReport>;
  /** Sections attached capabilities add to the health report, by name (the event bus: `events`). */
  healthSections: Map<string, HealthSection>;
  /** Deletes run rows and resolved incidents older than the history age now; returns how many. */
  pruneHistory(): Promise<HistoryPruneReport>;
  /** Its background services (alert evaluation, history retention); one process of a cluster runs them. */
  services: Service[];
  /** How far back the alert rules read each queue's run history (errorRateWindows): the pruner keeps it. */
  historyReadWindows: ReadonlyMap<string | null, number>;
  close(): Promise<void>;
}

export function createObservability(deps: {
  store: () => Promise<Store>;
  events: LifecycleEmitter;
  log: Logger;
  now: () => Date;
  options: ObservabilityOptions;
}): Observability {
  const { store, events, log, now, options } = deps;
  const metrics = new ConveyorMetrics(store, options.metrics);
  const stopMetrics = metrics.observe(events);
  const tracingOptions =
    typeof options.tracing === 'boolean' ? { enabled: options.tracing } : options.tracing;
  const tracing = new JobTracing(tracingOptions);
  const stopTracing = tracing.observe(events);
  const redis = new RedisProbe(options.redisUrl ?? null);
  const evaluator = new AlertEvaluator(store, options.alerts ?? { rules: [] }, log, now);
  const historyAgeMs =
    options.historyAge === false ? null : parseDuration(options.historyAge ?? '30d', 'retention.history.age');
  const services: Observability['services'] = [evaluator];
  const healthSections = new Map<string, HealthSection>();
  if (historyAgeMs !== null)
    services.push(new HistoryRetention(store, historyAgeMs, now, options.pruneIntervalMs, log));

  return {
    analytics: createAnalytics(store, now),
    alerts: {
      evaluate: (at) => evaluator.evaluate(at ?? now()),
      async incidents(query = {}) {
        return (await store()).analyticsIncidentList({
          openOnly: query.openOnly ?? true,
          ...(query.since ? { since: query.since } : {}),
          limit: query.limit ?? 100,
        });
      },
    },
    metrics,
    tracing,
    health: () => checkHealth({ store, redis, now, sections: healthSections }),
    healthSections,
    async pruneHistory() {
      return historyAgeMs === null
        ? { runs: 0, incidents: 0 }
        : pruneHistory(await store(), historyAgeMs, now());
    },
    services,
    historyReadWindows: errorRateWindows(evaluator.rules),
    async close() {
      stopMetrics();
      stopTracing();
      await Promise.all(services.map((s) => s.stop()));
      await redis.close();
    },
  };
}
