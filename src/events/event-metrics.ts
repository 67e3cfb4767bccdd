/**
 * The event bus's Prometheus metrics, on the Conveyor's registry beside the seed's histograms that
 * ConveyorMetrics already declares (`event_publish_duration_seconds` = the seed's
 * event.publish.latency, `event_handler_duration_seconds` = event.handler.duration):
 * - `event_deliveries_total{event, version, subscriber}`: handled deliveries per stored type and
 *   schema version, so a team sees when a deprecated type or version has no consumer left;
 * - `event_subscriber_failures_total{subscriber}`: failed attempts;
 * - `event_fanout_total{sink, outcome}`: fan-out batches delivered or failed;
 * - `event_consumer_lag_seconds{kind, consumer}`: age of the oldest event a durable subscriber
 *   (kind="subscriber") or a fan-out sink (kind="sink") has not got yet; 0 when none waits. One
 *   cached query per scrape at most (`cacheMs`), bounded like the queue gauges.
 */
import type { Counter } from 'prom-client';
import type { ConveyorMetrics } from '../observe/metrics.ts';
import { promClient } from '../observe/prom-client.ts';
import type { EventLagRow, Store } from '../store/store.ts';
import type { EventEnvelope } from './event-envelope.ts';

export interface EventLag {
  kind: 'subscriber' | 'sink';
  name: string;
  /** Seconds since the oldest waiting event occurred; 0 when nothing waits. */
  seconds: number;
}

const LAG_TIMEOUT_MS = 3_000;

export class EventMetrics {
  readonly #metrics: ConveyorMetrics;
  readonly #deliveries: Counter<'event' | 'version' | 'subscriber'>;
  readonly #failures: Counter<'subscriber'>;
  readonly #fanout: Counter<'sink' | 'outcome'>;
  readonly #store: () => Promise<Store>;
  readonly #now: () => Date;
  readonly #cacheMs: number;
  #lag: { at: number; rows: Promise<EventLagRow[]> } | null = null;

  constructor(metrics: ConveyorMetrics, store: () => Promise<Store>, now: () => Date, cacheMs = 5_000) {
    this.#metrics = metrics;
    this.#store = store;
    this.#now = now;
    this.#cacheMs = cacheMs;
    const { Counter, Gauge } = promClient();
    const registry = metrics.registry;
    // The instance's prefix, read off a metric it named (default `conveyor_`).
    const prefix = String((metrics.jobsCompleted as unknown as { name: string }).name).replace(
      /jobs_completed_total$/,
      '',
    );
    const existing = (name: string) => registry.getSingleMetric(`${prefix}${name}`);
    this.#deliveries =
      (existing('event_deliveries_total') as Counter<'event' | 'version' | 'subscriber'> | undefined) ??
      new Counter({
        name: `${prefix}event_deliveries_total`,
        help: 'Event deliveries a durable subscriber handled, per stored event type and schema version.',
        labelNames: ['event', 'version', 'subscriber'],
        registers: [registry],
      });
    this.#failures =
      (existing('event_subscriber_failures_total') as Counter<'subscriber'> | undefined) ??
      new Counter({
        name: `${prefix}event_subscriber_failures_total`,
        help: 'Failed attempts of durable subscribers (retried, or dead after the last).',
        labelNames: ['subscriber'],
        registers: [registry],
      });
    this.#fanout =
      (existing('event_fanout_total') as Counter<'sink' | 'outcome'> | undefined) ??
      new Counter({
        name: `${prefix}event_fanout_total`,
        help: 'Fan-out batches handed to a sink: delivered, or failed (retried from the outbox).',
        labelNames: ['sink', 'outcome'],
        registers: [registry],
      });
    if (!existing('event_consumer_lag_seconds')) {
      const self = this;
      new Gauge({
        name: `${prefix}event_consumer_lag_seconds`,
        help: 'Age of the oldest event a durable subscriber or fan-out sink has not received yet (0: none waits).',
        labelNames: ['kind', 'consumer'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const lag of (await self.lag().catch(() => null)) ?? []) {
            this.set({ kind: lag.kind, consumer: lag.name }, lag.seconds);
          }
        },
      });
    }
  }

  published(type: string, seconds: number): void {
    this.#metrics.eventPublishDuration.observe({ event: type }, seconds);
  }

  handled(subscriber: string, type: string, seconds: number): void {
    this.#metrics.eventHandlerDuration.observe({ event: type, handler: subscriber }, seconds);
  }

  delivered(subscriber: string, event: EventEnvelope): void {
    this.#deliveries.inc({ event: event.type, version: String(event.schemaVersion), subscriber });
  }

  failed(subscriber: string, _event: EventEnvelope): void {
    this.#failures.inc({ subscriber });
  }

  fannedOut(sink: string, ok: boolean): void {
    this.#fanout.inc({ sink, outcome: ok ? 'delivered' : 'failed' });
  }

  /** Consumer lag per subscriber and sink (cached `cacheMs`; bounded at 3 s, then rejects). */
  async lag(): Promise<EventLag[]> {
    const at = Date.now();
    if (!this.#lag || at - this.#lag.at >= this.#cacheMs) {
      const rows = this.#store().then((store) => store.eventLag());
      this.#lag = { at, rows };
      rows.catch(() => {
        if (this.#lag?.rows === rows) this.#lag = null;
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`event lag query did not answer within ${LAG_TIMEOUT_MS} ms`)),
        LAG_TIMEOUT_MS,
      );
    });
    try {
      const rows = await Promise.race([this.#lag.rows, late]);
      const now = this.#now().getTime();
      return rows.map((row) => ({
        kind: row.kind,
        name: row.name,
        seconds: row.oldest === null ? 0 : Math.max(0, (now - row.oldest.getTime()) / 1_000),
      }));
    } finally {
      clearTimeout(timer);
    }
  }
}
