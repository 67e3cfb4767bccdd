/**
 * Enqueueing: validation (a rejected enqueue writes nothing), the coalesced single insert, bulk
 * inserts, inserts inside the caller's transaction, and what a committed insert sets off here:
 * local workers woken for jobs due now, the promoter told when delayed ones are due.
 */
import type { Logger } from 'pino';
import { type EnqueueOptions, type NewJob, prepareJob } from '../core/enqueue-options.ts';
import { ValidationError } from '../core/errors.ts';
import type { AnyJobDefinition, EnqueueFromHandler } from '../core/job-definition.ts';
import type { JobTracing } from '../observe/tracing.ts';
import type { SqlExecutor, Store } from '../store/store.ts';
import type { HandoffSlot } from '../worker/handoff.ts';
import type { Conveyor, EnqueuedJob } from './conveyor-api.ts';
import { InsertBatcher } from './insert-batcher.ts';
import type { JobRegistry } from './job-registry.ts';

export interface EnqueuerDeps {
  registry: JobRegistry;
  store: () => Promise<Store>;
  now: () => Date;
  maxPayloadBytes: number;
  tracing: JobTracing;
  log: Logger;
  /** Jobs of `queue` are ready now (committed by this process). */
  ready(queue: string): void;
  /** A job of this process is due at `runAt`. */
  scheduledAt(runAt: Date): void;
  /**
   * A slot of an idle local worker that would start this single enqueue's job at once
   * (worker/handoff.ts), or null. Bulk and transactional enqueues never ask.
   */
  handoff(job: NewJob): HandoffSlot | null;
}

/** The enqueue members of the Conveyor API (documented there), and what the instance needs beside. */
export interface Enqueuer extends Pick<Conveyor, 'enqueue' | 'enqueueByName' | 'enqueueMany'> {
  /** `context.enqueue` of a dry run: validates and logs, writes nothing. */
  dryRun: EnqueueFromHandler;
  /** Resolves once every enqueue accepted so far has settled. */
  settled(): Promise<void>;
}

export function createEnqueuer(deps: EnqueuerDeps): Enqueuer {
  const { registry, store, now, tracing, log } = deps;
  const prepare = (definition: AnyJobDefinition, payload: unknown, options?: EnqueueOptions, path?: string) =>
    prepareJob(definition, payload, options, {
      now: now(),
      maxPayloadBytes: deps.maxPayloadBytes,
      ...(path ? { path } : {}),
    });

  /** Committed by this process (not inside a caller's transaction, which commits later). */
  const inserted = (jobs: readonly NewJob[]): void => {
    const at = now().getTime();
    const readyQueues = new Set<string>();
    let earliest = Number.POSITIVE_INFINITY;
    for (const job of jobs) {
      const due = job.runAt.getTime();
      if (due <= at) readyQueues.add(job.queue);
      else earliest = Math.min(earliest, due);
    }
    for (const queue of readyQueues) deps.ready(queue);
    if (earliest !== Number.POSITIVE_INFINITY) deps.scheduledAt(new Date(earliest));
  };
  const inserter = new InsertBatcher(store, now, { onInserted: inserted, handoff: deps.handoff });

  const insertOne = (job: NewJob, tx: SqlExecutor | undefined): Promise<EnqueuedJob> =>
    tracing.enqueue([job], async () => {
      if (!tx) return inserter.insert(job);
      const [result] = await (await store()).jobInsertMany({ jobs: [job], now: now(), executor: tx });
      return result!;
    });

  return {
    async enqueue(job, payload, options = {}) {
      const { tx, ...rest } = options;
      return insertOne(prepare(registry.registered(job as unknown as AnyJobDefinition), payload, rest), tx);
    },

    async enqueueByName(name, payload, options = {}) {
      const { tx, ...rest } = options;
      return insertOne(prepare(registry.byName(name), payload, rest), tx);
    },

    async enqueueMany(job, items, options = {}) {
      const definition = registry.registered(job as unknown as AnyJobDefinition);
      if (!Array.isArray(items))
        throw new ValidationError('items', 'must be an array of { payload, options }');
      const at = now();
      const prepared = items.map((item, index) =>
        prepareJob(definition, item?.payload, item?.options, {
          now: at,
          maxPayloadBytes: deps.maxPayloadBytes,
          path: `items[${index}]`,
        }),
      );
      const seenKeys = new Set<string>();
      for (const [index, p] of prepared.entries()) {
        if (p.uniqueKey === null) continue;
        if (seenKeys.has(p.uniqueKey)) {
          throw new ValidationError(
            `items[${index}].options.uniqueKey`,
            `"${p.uniqueKey}" appears twice in one bulk enqueue`,
          );
        }
        seenKeys.add(p.uniqueKey);
      }
      const results = await tracing.enqueue(prepared, async () =>
        (await store()).jobInsertMany({
          jobs: prepared,
          now: at,
          ...(options.tx ? { executor: options.tx } : {}),
        }),
      );
      if (!options.tx) inserted(prepared.filter((_, index) => results[index]?.created));
      return results;
    },

    dryRun: async (job, payload, options) => {
      const prepared = prepare(registry.registered(job as unknown as AnyJobDefinition), payload, options);
      log.info(
        { job: prepared.name, queue: prepared.queue, tenantId: prepared.tenantId },
        'dry run: would enqueue',
      );
      return { id: null, created: false };
    },

    settled: () => inserter.settled(),
  };
}
