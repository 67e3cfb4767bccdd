/**
 * Replay: re-delivers one durable subscriber's events of one stream (a tenant's, or the global
 * one) that occurred in [since, until): one new job per event, in sequence order, marked
 * `metadata.replay` (the handler sees `context.replay`). Only events still retained can be
 * replayed (retention, default 7 days).
 */
import { ValidationError } from '../core/errors.ts';
import { GLOBAL_STREAM } from '../store/event-store.ts';
import type { Store } from '../store/store.ts';
import { deliveryJob } from './event-subscriptions.ts';
import { uuidv7 } from './uuidv7.ts';

export interface ReplayOptions {
  /** The durable subscription's name. */
  subscriber: string;
  /** The tenant whose events are replayed (or `global: true`). */
  tenantId?: string;
  global?: boolean;
  since: Date;
  until: Date;
}

const PAGE = 1_000;

export async function replayEvents(
  options: ReplayOptions,
  deps: {
    store: () => Promise<Store>;
    now: () => Date;
    wake: (queue: string) => void;
    likePattern: (p: string) => string;
  },
): Promise<{ enqueued: number }> {
  if (!options || typeof options.subscriber !== 'string') {
    throw new ValidationError('subscriber', 'is required: the name of a durable subscription');
  }
  const hasTenant = typeof options.tenantId === 'string' && options.tenantId.length > 0;
  if (hasTenant === (options.global === true)) {
    throw new ValidationError('tenantId', 'give the tenant whose events to replay, or global: true');
  }
  for (const field of ['since', 'until'] as const) {
    const value = options[field];
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new ValidationError(field, 'must be a valid Date');
    }
  }
  if (options.until.getTime() <= options.since.getTime()) {
    throw new ValidationError('until', 'must be after since');
  }
  const store = await deps.store();
  const subscription = (await store.eventSubscriptionList()).find((s) => s.name === options.subscriber);
  if (!subscription) {
    throw new ValidationError('subscriber', `no durable subscription named "${options.subscriber}"`);
  }
  const replayId = uuidv7();
  const stream = hasTenant ? (options.tenantId as string) : GLOBAL_STREAM;
  let after = 0;
  let enqueued = 0;
  for (;;) {
    const events = await store.eventListWindow({
      stream,
      since: options.since,
      until: options.until,
      pattern: subscription.pattern,
      afterSequence: after,
      limit: PAGE,
    });
    if (events.length === 0) break;
    const now = deps.now();
    await store.jobInsertMany({
      jobs: events.map((event) => deliveryJob(subscription, event, now, replayId)),
      now,
    });
    enqueued += events.length;
    after = events.at(-1)!.sequence;
    if (events.length < PAGE) break;
  }
  if (enqueued > 0) deps.wake(subscription.queue);
  return { enqueued };
}
