/**
 * The events slice of the store seam: the transactional outbox of the event bus (docs/events.md).
 * Each method runs one named SQL file (`event-*.sql`); eventDispatch runs two in one transaction
 * with the subscribers' job insert. Streams are keyed by tenant id, the global stream by ''.
 */
import type { NewJob } from '../core/enqueue-options.ts';
import type { SqlExecutor } from '../core/sql-executor.ts';
import type { InsertedJob } from './job-store.ts';

/** The stream key of the global stream (a tenant's stream is keyed by its tenant id). */
export const GLOBAL_STREAM = '';

/** An event ready to be appended (validated, with its id); its sequence is taken by the store. */
export interface NewEvent {
  id: string;
  stream: string;
  type: string;
  schemaVersion: number;
  source: string;
  tenantId: string | null;
  correlationId: string | null;
  causationId: string | null;
  occurredAt: Date;
  payload: unknown;
}

/** An event as stored: a NewEvent with its position in its stream. */
export interface StoredEvent extends NewEvent {
  sequence: number;
}

export interface EventSubscriptionRow {
  name: string;
  typePattern: string;
  /** The LIKE form of the type pattern. */
  pattern: string;
  jobName: string;
  queue: string;
  maxAttempts: number;
  backoff: NewJob['backoff'];
  timeoutMs: number | null;
}

/** A stream's dispatched position as read (`from`) and where the relay moves it (`to`). */
export interface DispatchAdvance {
  stream: string;
  from: number;
  to: number;
}

export interface EventLagRow {
  kind: 'subscriber' | 'sink';
  name: string;
  /** When the oldest event waiting for it occurred; null when nothing waits. */
  oldest: Date | null;
}

export interface EventStore {
  /**
   * Appends events (each stream's sequences taken in commit order) in one statement, through
   * `executor` when given (inside the caller's transaction). All or nothing. Returns each event's
   * stream and sequence, in input order.
   */
  eventPublishMany(params: {
    events: NewEvent[];
    executor?: SqlExecutor;
  }): Promise<{ id: string; stream: string; sequence: number }[]>;
  /** Up to `perStream` undispatched events of up to `streams` streams, each with its `from` position. */
  eventListUndispatched(params: {
    streams: number;
    perStream: number;
  }): Promise<(StoredEvent & { from: number })[]>;
  /**
   * Moves dispatched positions and inserts the subscribers' jobs in one transaction; nothing is
   * written (dispatched: false) when any stream's position is no longer `from`.
   */
  eventDispatch(params: {
    advances: DispatchAdvance[];
    jobs: NewJob[];
    now: Date;
  }): Promise<{ dispatched: boolean; jobs: InsertedJob[] }>;
  eventSubscriptionUpsert(params: { subscription: EventSubscriptionRow; now: Date }): Promise<void>;
  eventSubscriptionList(): Promise<EventSubscriptionRow[]>;
  eventSubscriptionDelete(params: { name: string }): Promise<boolean>;
  /** Makes a fan-out sink known (the first time: positioned before the last minute of every stream). */
  eventSinkRegister(params: { sink: string; now: Date }): Promise<void>;
  eventListUnfanned(params: { sink: string; streams: number; perStream: number }): Promise<StoredEvent[]>;
  /** NOTIFYs the `event_fanout` channel with `payload` (under 8,000 bytes). */
  eventFanoutNotify(params: { payload: string }): Promise<void>;
  eventFanoutAdvance(params: {
    sink: string;
    positions: { stream: string; sequence: number }[];
  }): Promise<void>;
  /** A stream's events after a sequence, with its last and pruned positions (null: no such stream). */
  eventListSince(params: { stream: string; afterSequence: number; limit: number }): Promise<{
    events: StoredEvent[];
    lastSequence: number;
    prunedSequence: number;
  } | null>;
  /** A stream's events in a time window whose type matches a LIKE pattern (replay). */
  eventListWindow(params: {
    stream: string;
    since: Date;
    until: Date;
    pattern: string;
    afterSequence: number;
    limit: number;
  }): Promise<StoredEvent[]>;
  /** Deletes up to `limit` dispatched events that occurred before `before`; returns how many. */
  eventPrune(params: { before: Date; limit: number }): Promise<number>;
  eventLag(): Promise<EventLagRow[]>;
}
