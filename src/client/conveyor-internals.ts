/**
 * What a capability built beside a Conveyor instance (the event bus: `createEventBus({ conveyor })`)
 * needs from it, and no user does: its store, its process's service runtime and notifier, its job
 * registry, metrics and clock. Reached through a symbol-keyed, non-enumerable property, so it is not
 * part of the public API and a worker-only process never loads the capability.
 */
import type { Logger } from 'pino';
import { ValidationError } from '../core/errors.ts';
import type { Scope } from '../core/scope.ts';
import type { RetentionPolicy } from '../maintenance/pruner.ts';
import type { HealthSection } from '../observe/health.ts';
import type { ConveyorMetrics } from '../observe/metrics.ts';
import type { Notifier } from '../runtime/notifier.ts';
import type { ServiceRuntime } from '../runtime/service-runtime.ts';
import type { Store } from '../store/store.ts';
import type { Conveyor } from './conveyor-api.ts';
import type { JobRegistry } from './job-registry.ts';

export const CONVEYOR_INTERNALS: unique symbol = Symbol.for('conveyor-jobs.internals');

export interface ConveyorInternals {
  store(): Promise<Store>;
  /**
   * Cancels the unfinished jobs of `ids` inside `scope` as conveyor.cancel does each (the running
   * ones' local workers told, job:cancelled emitted); returns the ids cancelled.
   */
  cancelJobs(scope: Scope, ids: string[]): Promise<string[]>;
  runtime: ServiceRuntime;
  notifier: Notifier;
  registry: JobRegistry;
  metrics: ConveyorMetrics;
  log: Logger;
  now(): Date;
  maxPayloadBytes: number;
  /** The retention in force for a queue, as set in code (the REST API shows it). */
  retention(queue: string): RetentionPolicy;
  /** Jobs of `queue` (or any queue) are ready: wake this process's workers. */
  wake(queue?: string): void;
  /** Sections of the health report, by name (the event bus adds `events`). */
  healthSections: Map<string, HealthSection>;
  /** Closes attached capabilities first when the Conveyor closes. */
  onClose(close: () => Promise<void>): void;
}

/** The internals of a Conveyor made by createConveyor, or a clear error for anything else. */
export function internalsOf(conveyor: Conveyor, field = 'conveyor'): ConveyorInternals {
  const internals = (conveyor as unknown as { [CONVEYOR_INTERNALS]?: ConveyorInternals } | null)?.[
    CONVEYOR_INTERNALS
  ];
  if (!internals) {
    throw new ValidationError(field, 'must be a Conveyor instance made by createConveyor(...)');
  }
  return internals;
}
