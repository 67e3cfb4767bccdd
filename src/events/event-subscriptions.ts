/**
 * Durable subscribers: `subscribe(typeOrPattern, handler, { name })`. Each becomes a job definition
 * of the Conveyor (`event:<name>`, queue `events` unless given) and a row in
 * `event_subscriptions`, so that the relay of whichever process leads the `events` role makes one
 * job per matching event for it (unique key `<name>:<event id>`), and ordinary workers run them.
 * Default policy, as the seed's event-driven jobs: 4 attempts (3 retries), exponential 1 s, 4 s,
 * 16 s, then the job is dead (the dead-letter queue). The handler receives the envelope with its
 * payload upcast to the version this process declares (defineEvent upcasters); unknown fields are
 * left alone.
 */
import type { Logger } from 'pino';
import type { BackoffPolicy } from '../core/backoff.ts';
import { normalizeBackoff } from '../core/backoff.ts';
import { type Duration, parseDuration } from '../core/duration.ts';
import type { NewJob } from '../core/enqueue-options.ts';
import { ValidationError } from '../core/errors.ts';
import { type AnyJobDefinition, assertName, defineJob } from '../core/job-definition.ts';
import type { EventSubscriptionRow, StoredEvent } from '../store/event-store.ts';
import { type AnyEventDefinition, upcastPayload } from './event-definition.ts';
import type { EventEnvelope } from './event-envelope.ts';
import type { EventMetrics } from './event-metrics.ts';
import { envelopeOfStored } from './stored-envelope.ts';

export interface SubscriberContext {
  /** Aborted on timeout, cancellation, or shutdown past the deadline. */
  signal: AbortSignal;
  log: Logger;
  /** 1 on the first delivery, 2 on the first retry… */
  attempt: number;
  /** True when this delivery comes from `bus.replay(...)`. */
  replay: boolean;
}

export type SubscriberHandler<P = unknown> = (
  event: EventEnvelope<P>,
  context: SubscriberContext,
) => unknown | Promise<unknown>;

export interface SubscribeOptions {
  /** The subscription's durable name (stable across deploys and processes), e.g. `notifications`. */
  name: string;
  /** Queue of its jobs (default `events`). */
  queue?: string;
  /** Total attempts, the first included (default 4: three retries). */
  attempts?: number;
  /** Default exponential 1 s × 4^(n-1): 1 s, 4 s, 16 s. */
  backoff?: { type: 'fixed' | 'exponential'; delay: Duration; maxDelay?: Duration; factor?: number };
  /** Fails an attempt that runs longer (default none). */
  timeout?: Duration;
}

export interface Subscription {
  readonly name: string;
  readonly pattern: string;
  /** The job name of its deliveries (what the dead-letter queue and analytics show). */
  readonly jobName: string;
  readonly queue: string;
}

export const DEFAULT_SUBSCRIBER_BACKOFF: BackoffPolicy = {
  type: 'exponential',
  delayMs: 1_000,
  maxDelayMs: null,
  jitter: 0,
  factor: 4,
};

const PATTERN = /^(\*|[A-Za-z0-9][A-Za-z0-9_.:-]{0,126}(\*)?)$/;

/** Checks a type pattern: an exact type, `prefix*` (e.g. `card.*`), or `*` for every event. */
export function assertPattern(pattern: unknown, field: string): string {
  if (typeof pattern !== 'string' || !PATTERN.test(pattern)) {
    throw new ValidationError(
      field,
      `${JSON.stringify(pattern)} is not an event type pattern; use a type ("card.transition"), a prefix ending in * ("card.*"), or "*"`,
    );
  }
  return pattern;
}

/** The LIKE form of a pattern (`card.*` → `card.%`, `_` escaped). */
export function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*$/, '%');
}

export function matchesPattern(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

/** What a delivery job carries: the envelope as stored, and whether a replay made it. */
export function deliveryJob(
  subscription: EventSubscriptionRow,
  event: StoredEvent,
  now: Date,
  replay: string | null = null,
): NewJob {
  const envelope = envelopeOfStored(event);
  return {
    queue: subscription.queue,
    name: subscription.jobName,
    payload: envelope,
    priority: 0,
    runAt: now,
    maxAttempts: subscription.maxAttempts,
    backoff: subscription.backoff,
    timeoutMs: subscription.timeoutMs,
    tenantId: event.tenantId,
    groupKey: event.tenantId,
    // Belt and braces: the relay's dispatch is already atomic with its position.
    uniqueKey: replay === null ? `${subscription.name}:${event.id}` : null,
    uniqueUntil: null,
    metadata: replay === null ? { event: event.type } : { event: event.type, replay },
  };
}

export interface SubscriptionDeps {
  /** The definitions this process knows, by type (upcasting). */
  definitions: ReadonlyMap<string, AnyEventDefinition>;
  metrics: EventMetrics;
}

/** Builds a subscription: its row and its job definition. Validation errors name the field. */
export function createSubscription(
  typeOrPattern: string | AnyEventDefinition,
  handler: SubscriberHandler<never>,
  options: SubscribeOptions,
  deps: SubscriptionDeps,
): { subscription: Subscription; row: EventSubscriptionRow; job: AnyJobDefinition } {
  const pattern = assertPattern(
    typeof typeOrPattern === 'object' && typeOrPattern !== null ? typeOrPattern.type : typeOrPattern,
    'typeOrPattern',
  );
  if (typeof handler !== 'function') {
    throw new ValidationError('handler', 'must be a function (event, context) => …');
  }
  if (!options || typeof options.name !== 'string') {
    throw new ValidationError(
      'options.name',
      'is required: a durable subscription is registered by a stable name, e.g. { name: "notifications" }',
    );
  }
  assertName(options.name, 'options.name');
  const queue = options.queue ?? 'events';
  assertName(queue, 'options.queue');
  const attempts = options.attempts ?? 4;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 1_000) {
    throw new ValidationError(
      'options.attempts',
      `must be a whole number from 1 to 1,000, got ${String(attempts)}`,
    );
  }
  const backoff = options.backoff
    ? normalizeBackoff(options.backoff, 'options.backoff')
    : DEFAULT_SUBSCRIBER_BACKOFF;
  const timeoutMs = options.timeout === undefined ? null : parseDuration(options.timeout, 'options.timeout');
  const name = options.name;
  const jobName = `event:${name}`;
  const row: EventSubscriptionRow = {
    name,
    typePattern: pattern,
    pattern: likePattern(pattern),
    jobName,
    queue,
    maxAttempts: attempts,
    backoff,
    timeoutMs,
  };
  const job = defineJob<EventEnvelope>({
    name: jobName,
    queue,
    defaults: { attempts },
    async handler({ payload, signal, log, job: running }) {
      const stored = payload;
      const definition = deps.definitions.get(stored.type);
      const event =
        definition && stored.schemaVersion < definition.version
          ? {
              ...stored,
              schemaVersion: definition.version,
              payload: upcastPayload(definition, stored.schemaVersion, stored.payload),
            }
          : stored;
      const replay = typeof running.metadata?.replay === 'string';
      const started = performance.now();
      try {
        const result = await handler(event as EventEnvelope<never>, {
          signal,
          log,
          attempt: running.attempt,
          replay,
        });
        deps.metrics.delivered(name, stored);
        return result ?? null;
      } catch (error) {
        deps.metrics.failed(name, stored);
        throw error;
      } finally {
        deps.metrics.handled(name, stored.type, (performance.now() - started) / 1_000);
      }
    },
  }) as unknown as AnyJobDefinition;
  return { subscription: Object.freeze({ name, pattern, jobName, queue }), row, job };
}
