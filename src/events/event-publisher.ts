/**
 * Publishing: validation into outbox rows (a bad event is a ValidationError naming the field, and
 * nothing is written), then one of two writes:
 * - `{ tx }`: the rows go through the caller's executor, inside the caller's transaction: they
 *   commit with the business change or not at all (a rolled-back publish leaves no row, no job and
 *   no fan-out: the relay only ever reads committed rows).
 * - no tx: concurrent publishes share one statement (PublishBatcher, on the same Coalescer as enqueue):
 *   the first flush starts after the current tick, later calls wait for the next flush, each
 *   promise settles after its own statement committed. A batch the database refuses is split until
 *   the refused publish is alone, so one bad event never fails its neighbours.
 * A dual-published event (defineEvent dualPublish) and its deprecated twin are one unit: both rows
 * are written by the same statement.
 */
import { Coalescer, type CoalescerOptions } from '../core/coalescer.ts';
import {
  type ConveyorError,
  DatabaseRejectedError,
  PayloadTooLargeError,
  ValidationError,
} from '../core/errors.ts';
import type { SqlExecutor } from '../core/sql-executor.ts';
import { assertStorableText, storableJson } from '../core/storable-value.ts';
import { parseWith } from '../core/validation.ts';
import { writeIsolated } from '../store/batch-isolation.ts';
import { GLOBAL_STREAM, type NewEvent } from '../store/event-store.ts';
import type { Store } from '../store/store.ts';
import type { AnyEventDefinition } from './event-definition.ts';
import type { EventEnvelope } from './event-envelope.ts';
import { envelopeOf } from './stored-envelope.ts';
import { uuidv7 } from './uuidv7.ts';

export interface PublishOptions {
  /** The tenant whose stream the event joins. Required unless `global: true`. */
  tenantId?: string;
  /** An event of no tenant: it joins the global stream. */
  global?: boolean;
  correlationId?: string;
  /** The id of the event (or request) that caused this one. */
  causationId?: string;
  /** The publishing service (default: the bus's `source`). */
  source?: string;
  /** Publish inside your transaction (pg client, PGlite, Kysely/Prisma adapter…). */
  tx?: SqlExecutor;
}

const OPTION_KEYS = new Set(['tenantId', 'global', 'correlationId', 'causationId', 'source', 'tx']);
const MAX_TEXT = 256;

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw new ValidationError(field, `must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
  assertStorableText(value, field);
  return value;
}

/** Validates one publish into its outbox rows (two when dual-published). Writes nothing. */
export function prepareEvents(
  definition: AnyEventDefinition,
  payload: unknown,
  options: PublishOptions | undefined,
  context: { now: Date; source: string; maxPayloadBytes: number; path?: string },
): NewEvent[] {
  const at = context.path ? `${context.path}.` : '';
  if (
    !definition ||
    typeof definition.type !== 'string' ||
    typeof definition.schema?.safeParse !== 'function'
  ) {
    throw new ValidationError(`${at}event`, 'is not an event definition; create it with defineEvent(...)');
  }
  const opts = options ?? {};
  if (typeof opts !== 'object') throw new ValidationError(`${at}options`, 'must be an object');
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.has(key)) {
      throw new ValidationError(
        `${at}options.${key}`,
        'is not a publish option; use tenantId, global, correlationId, causationId, source or tx',
      );
    }
  }
  const tenantId = optionalText(opts.tenantId, `${at}options.tenantId`);
  if (tenantId === null && opts.global !== true) {
    throw new ValidationError(
      `${at}options.tenantId`,
      'is required: give the tenant whose stream the event joins, or global: true for an event of no tenant',
    );
  }
  if (tenantId !== null && opts.global === true) {
    throw new ValidationError(`${at}options.global`, 'give either tenantId or global: true, not both');
  }
  const base = {
    stream: tenantId ?? GLOBAL_STREAM,
    source: optionalText(opts.source, `${at}options.source`) ?? context.source,
    tenantId,
    correlationId: optionalText(opts.correlationId, `${at}options.correlationId`),
    causationId: optionalText(opts.causationId, `${at}options.causationId`),
    occurredAt: context.now,
  };
  const row = (
    event: AnyEventDefinition,
    value: unknown,
    field: string,
    causationId: string | null,
  ): NewEvent => {
    const parsed = parseWith(event.schema, value, field);
    if (parsed === undefined) throw new ValidationError(field, 'is required (use null or {} for none)');
    const bytes = Buffer.byteLength(storableJson(parsed, field) ?? '', 'utf8');
    if (bytes > context.maxPayloadBytes) throw new PayloadTooLargeError(bytes, context.maxPayloadBytes);
    return {
      ...base,
      causationId,
      id: uuidv7(context.now.getTime()),
      type: event.type,
      schemaVersion: event.version,
      payload: parsed,
    };
  };
  const main = row(definition, payload, `${at}payload`, base.causationId);
  const dual = definition.dualPublish;
  if (!dual || context.now.getTime() >= dual.until.getTime()) return [main];
  let old: unknown;
  try {
    old = dual.map(main.payload as never);
  } catch (error) {
    throw new ValidationError(
      `${at}dualPublish.map`,
      `threw while mapping "${definition.type}" to "${dual.as.type}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  // The deprecated twin is caused by the new event, so consumers can tell them apart.
  return [main, row(dual.as, old, `${at}dualPublish.payload`, main.id)];
}

interface Pending {
  events: NewEvent[];
  resolve(value: EventEnvelope[]): void;
  reject(error: unknown): void;
}

export class PublishBatcher {
  readonly #store: () => Promise<Store>;
  readonly #batches: Coalescer<Pending>;

  constructor(store: () => Promise<Store>, options: CoalescerOptions = {}) {
    this.#store = store;
    this.#batches = new Coalescer((batch) => this.#flush(batch), options);
  }

  /** Writes one publish's rows; resolves with their envelopes after the commit. */
  publish(events: NewEvent[]): Promise<EventEnvelope[]> {
    return new Promise((resolve, reject) => this.#batches.add({ events, resolve, reject }));
  }

  settled(): Promise<void> {
    return this.#batches.settled();
  }

  async #flush(batch: Pending[]): Promise<void> {
    try {
      const store = await this.#store();
      const { written, rejected } = await writeIsolated(batch, (units) =>
        store.eventPublishMany({ events: units.flatMap((u) => u.events) }),
      );
      for (const { items, result } of written) {
        let row = 0;
        for (const unit of items) {
          unit.resolve(unit.events.map((event) => envelopeOf(event, result[row++]!.sequence)));
        }
      }
      for (const { item, error } of rejected) item.reject(refusedEvent(item.events[0]!, error));
    } catch (error) {
      // Transient (or the store could not open): every publish of the batch not settled fails with it.
      for (const pending of batch) pending.reject(error);
    }
  }
}

function refusedEvent(event: NewEvent, error: DatabaseRejectedError): ConveyorError {
  return new DatabaseRejectedError(
    `event "${event.type}" was not published: ${error.message}; the events published alongside it were not affected`,
    { code: error.sqlState, databaseMessage: error.databaseMessage },
    { cause: error },
  );
}
