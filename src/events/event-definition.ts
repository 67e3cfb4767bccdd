/**
 * `defineEvent({ type, version, schema })`: a typed event. Publishing validates the payload with
 * the schema (a bad event is a ValidationError naming the field; nothing is written).
 *
 * Versioning (docs/events.md#versioning), as the Arda catalog plans it:
 * - `version` is the payload's schemaVersion. Additive changes keep the type and raise the version;
 *   `upcasters[n]` turns a version-n payload into version n+1, so a consumer always receives the
 *   version it declares however old the stored event is.
 * - A breaking change gets a new type; while `dualPublish.until` is in the future, publishing the
 *   new event also publishes the old one (`dualPublish.as`, payload from `dualPublish.map`) in the
 *   same transaction, so old consumers keep working through the deprecation window.
 */
import type { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import { assertName } from '../core/job-definition.ts';

/** Turns a payload of version n into version n+1 (any storable JSON in, any out). */
export type Upcaster = (payload: never) => unknown;

export interface EventDefinition<TType extends string = string, TInput = unknown, TPayload = TInput> {
  readonly type: TType;
  readonly version: number;
  readonly schema: z.ZodType<TPayload, TInput>;
  /** `upcasters[n]` maps a version-n payload to version n+1. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
  readonly dualPublish: DualPublish | null;
}

export interface DualPublish {
  /** The deprecated event also published. */
  readonly as: AnyEventDefinition;
  /** Its payload, from this event's. */
  readonly map: (payload: never) => unknown;
  /** The end of the deprecation window: after it, only this event is published. */
  readonly until: Date;
}

export interface AnyEventDefinition {
  readonly type: string;
  readonly version: number;
  readonly schema: z.ZodType;
  readonly upcasters: Readonly<Record<number, Upcaster>>;
  readonly dualPublish: DualPublish | null;
}

/** The payload type `publish` accepts for a definition. */
export type EventInput<D> = D extends EventDefinition<string, infer I, infer _P> ? I : never;
/** The payload type a subscriber of a definition receives. */
export type EventPayload<D> = D extends EventDefinition<string, infer _I, infer P> ? P : never;

const TYPE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * Declares an event.
 *
 * @example
 * const cardTransition = defineEvent({
 *   type: 'card.transition',
 *   version: 1,
 *   schema: z.object({ cardId: z.string(), loopId: z.string(), toStage: z.string() }),
 * });
 * await bus.publish(cardTransition, { cardId, loopId, toStage: 'triggered' }, { tenantId, tx });
 */
export function defineEvent<const TType extends string, S extends z.ZodType>(definition: {
  type: TType;
  version?: number;
  schema: S;
  upcasters?: Record<number, Upcaster>;
  dualPublish?: { as: AnyEventDefinition; map: (payload: z.output<S>) => unknown; until: Date | string };
}): EventDefinition<TType, z.input<S>, z.output<S>> {
  if (typeof definition?.type !== 'string' || !TYPE.test(definition.type)) {
    throw new ValidationError(
      'defineEvent.type',
      `${JSON.stringify(definition?.type)} is not a valid event type; use 1–128 letters, digits, "_", ".", ":" or "-", e.g. "card.transition"`,
    );
  }
  assertName(definition.type, 'defineEvent.type');
  const version = definition.version ?? 1;
  if (!Number.isInteger(version) || version < 1 || version > 1_000_000) {
    throw new ValidationError('defineEvent.version', `must be a whole number from 1, got ${String(version)}`);
  }
  if (!definition.schema || typeof (definition.schema as { safeParse?: unknown }).safeParse !== 'function') {
    throw new ValidationError(
      'defineEvent.schema',
      'must be a zod schema, e.g. z.object({ cardId: z.string() })',
    );
  }
  const upcasters = { ...definition.upcasters };
  for (const [from, upcaster] of Object.entries(upcasters)) {
    const n = Number(from);
    if (!Number.isInteger(n) || n < 1 || n >= version || typeof upcaster !== 'function') {
      throw new ValidationError(
        `defineEvent.upcasters.${from}`,
        `must be a function from version ${from} to ${Number(from) + 1}, with ${from} below the current version ${version}`,
      );
    }
  }
  let dualPublish: DualPublish | null = null;
  if (definition.dualPublish) {
    const { as, map, until } = definition.dualPublish;
    const end = until instanceof Date ? until : new Date(until);
    if (!as || typeof as.type !== 'string' || typeof map !== 'function' || Number.isNaN(end.getTime())) {
      throw new ValidationError(
        'defineEvent.dualPublish',
        'must be { as: <deprecated event definition>, map: (payload) => oldPayload, until: <date> }',
      );
    }
    if (as.type === definition.type) {
      throw new ValidationError('defineEvent.dualPublish.as', 'must be another type (the deprecated one)');
    }
    dualPublish = Object.freeze({ as, map: map as (payload: never) => unknown, until: end });
  }
  return Object.freeze({
    type: definition.type,
    version,
    schema: definition.schema as unknown as z.ZodType<z.output<S>, z.input<S>>,
    upcasters: Object.freeze(upcasters),
    dualPublish,
  });
}

/**
 * Brings a stored payload of `fromVersion` up to the definition's version; throws a
 * ValidationError naming the missing step when an upcaster is absent.
 */
export function upcastPayload(
  definition: AnyEventDefinition,
  fromVersion: number,
  payload: unknown,
): unknown {
  let value = payload;
  for (let v = fromVersion; v < definition.version; v += 1) {
    const step = definition.upcasters[v];
    if (!step) {
      throw new ValidationError(
        `upcasters.${v}`,
        `event "${definition.type}" has no upcaster from version ${v} to ${v + 1}; add it to defineEvent`,
      );
    }
    value = step(value as never);
  }
  return value;
}
