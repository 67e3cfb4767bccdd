/**
 * What operator surfaces inside this package (the REST API) need of a Conveyor beyond its public
 * API: its store, clock and payload limit. Kept off the public object (a WeakMap keyed by the
 * instance), so users see only conveyor-api.ts and nothing here is part of the package's API.
 */
import type { RetentionPolicy } from '../maintenance/pruner.ts';
import type { Store } from '../store/store.ts';
import type { Conveyor } from './conveyor-api.ts';

export interface ConveyorInternals {
  /** The store, opened and migrated on first use. */
  store(): Promise<Store>;
  now(): Date;
  maxPayloadBytes: number;
  /** The retention in force for a queue (set in code). */
  retention(queue: string): RetentionPolicy;
}

const internals = new WeakMap<Conveyor, ConveyorInternals>();

export function registerInternals(conveyor: Conveyor, value: ConveyorInternals): Conveyor {
  internals.set(conveyor, value);
  return conveyor;
}

/** The internals of a Conveyor made by createConveyor; throws for any other object. */
export function internalsOf(conveyor: Conveyor): ConveyorInternals {
  const value = internals.get(conveyor);
  if (!value) throw new TypeError('expected a Conveyor made by createConveyor()');
  return value;
}
