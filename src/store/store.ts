/**
 * The only seam between the engine and storage (DESIGN.md D4). Methods are Noun-Verb, take one
 * params object, and each is backed by one named SQL file in `postgres/queries/`. Time-dependent
 * operations take `now`, so tests drive the clock. No driver type crosses this interface.
 */
import type { ApiStore } from './api-store.ts';
import type { DashboardStore } from './dashboard-store.ts';
import type { EventStore } from './event-store.ts';
import type { JobStore } from './job-store.ts';
import type { LeaderStore } from './leader-store.ts';
import type { NotificationStore } from './notification-store.ts';
import type { QueueStore } from './queue-store.ts';
import type { RunStore } from './run-store.ts';
import type { ScheduleStore } from './schedule-store.ts';
import type { WorkerStore } from './worker-store.ts';

export type { SqlExecutor } from '../core/sql-executor.ts';
export type * from './api-store.ts';
export type * from './dashboard-store.ts';
export type * from './event-store.ts';
export type * from './job-store.ts';
export type * from './leader-store.ts';
export type * from './notification-store.ts';
export type * from './queue-store.ts';
export type * from './run-store.ts';
export type * from './schedule-store.ts';
export type { WorkerStore } from './worker-store.ts';

export interface MigrationReport {
  /** Numbered migrations applied, in order. */
  versions: number[];
  /** SQL functions (re)applied because their definition changed. */
  functions: string[];
}

/** The whole seam: each capability adds its slice (jobs, worker leases; later schedules, history…). */
export interface Store
  extends JobStore,
    QueueStore,
    WorkerStore,
    ScheduleStore,
    RunStore,
    LeaderStore,
    ApiStore,
    DashboardStore,
    EventStore,
    NotificationStore {
  /**
   * Applies pending numbered migrations, then re-applies every SQL function whose definition
   * changed, under a migration lock; returns what it applied.
   */
  migrate(): Promise<MigrationReport>;
  /** Latest applied and latest known migration versions, and functions not at their definition. */
  migrationStatus(): Promise<{ applied: number; latest: number; functionsPending: string[] }>;

  /**
   * Subscribes to notification channels by name — `ready` (a queue has ready jobs; the payload is
   * its name) and `cancel` (a job id) are the engine's; other capabilities add their own — on the
   * one LISTEN connection this store keeps. `reconnected` runs after a lost connection is back
   * (notifications sent meanwhile are gone). Resolves once listening; returns the unsubscribe.
   */
  listen(params: {
    channels: Record<string, (payload: string) => void>;
    reconnected: () => void;
  }): Promise<() => Promise<void>>;
  /** Checks the connection; throws DatabaseUnavailableError. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** A human-readable target for messages (never includes a password). */
  readonly description: string;
}
