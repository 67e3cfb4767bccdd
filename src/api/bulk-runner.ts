/**
 * Bulk actions by filter (retry, cancel, promote, replay or delete every job a search matches): the
 * request resolves the matching ids within the caller's scope (up to `maxJobs`), stores a handle
 * (`bulk_actions`, with the total), answers 202 with it, and works through the ids here in batches
 * of 500, adding each batch's counts to the handle, which `GET /bulk/{id}` reads.
 *
 * Invariant: each batch is a scoped store action over ids, so a job that left the scope or the
 * state meanwhile is skipped, never touched; `affected` counts what each batch really changed.
 * A failure ends the handle as `failed` with the error's message (a ConveyorError's, never a
 * driver's); the process goes on.
 */
import type { Logger } from 'pino';
import { ConveyorError, ValidationError } from '../core/errors.ts';
import type { Scope } from '../core/scope.ts';
import { safeError } from '../log/safe-error.ts';
import type { BulkActionRow, JobAction, JobSearch, Store } from '../store/store.ts';

const BATCH = 500;

export interface BulkRunnerOptions {
  store: () => Promise<Store>;
  now: () => Date;
  logger?: Logger | undefined;
  /** Most jobs one bulk action may match (default 100,000). */
  maxJobs?: number;
  /** Cancels as conveyor.cancel() does (job:cancelled emitted); without it, the store's cancel. */
  cancel?: (scope: Scope, ids: string[]) => Promise<string[]>;
}

export class BulkRunner {
  readonly #options: BulkRunnerOptions;
  readonly #running = new Set<Promise<void>>();

  constructor(options: BulkRunnerOptions) {
    this.#options = options;
  }

  /** Resolves the matching ids, stores the handle and starts the work; resolves with the handle. */
  async start(params: {
    scope: Scope;
    actor: string;
    action: JobAction;
    search: JobSearch;
    filter: unknown;
  }): Promise<BulkActionRow> {
    const store = await this.#options.store();
    const max = this.#options.maxJobs ?? 100_000;
    const ids: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await store.apiJobSearch({
        scope: params.scope,
        search: params.search,
        ...(before ? { before } : {}),
        limit: 1000,
      });
      ids.push(...page.map((job) => job.id));
      if (ids.length > max) {
        throw new ValidationError(
          'body.filter',
          `matches more than ${max} jobs; narrow it (queue, state, time range)`,
        );
      }
      if (page.length < 1000) break;
      before = page.at(-1)!.id;
    }
    const handle = await store.apiBulkInsert({
      scope: params.scope,
      action: params.action,
      filter: params.filter,
      total: ids.length,
      createdBy: params.actor,
      now: this.#options.now(),
    });
    const work = this.#work(store, params.scope, params.action, handle.id, ids).finally(() =>
      this.#running.delete(work),
    );
    this.#running.add(work);
    return handle;
  }

  async #work(store: Store, scope: Scope, action: JobAction, id: string, ids: string[]): Promise<void> {
    try {
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        const { cancel } = this.#options;
        const changed =
          action === 'cancel' && cancel
            ? await cancel(scope, batch)
            : await store.apiJobAct({ scope, action, ids: batch, now: this.#options.now() });
        const last = i + BATCH >= ids.length;
        await store.apiBulkProgress({
          id,
          processed: batch.length,
          affected: changed.length,
          status: last ? 'done' : 'running',
          error: null,
          now: this.#options.now(),
        });
      }
      if (ids.length === 0) {
        await store.apiBulkProgress({
          id,
          processed: 0,
          affected: 0,
          status: 'done',
          error: null,
          now: this.#options.now(),
        });
      }
    } catch (error) {
      this.#options.logger?.error({ err: safeError(error), bulkAction: id }, 'bulk action failed');
      const message = error instanceof ConveyorError ? error.message : 'internal error; see the server log';
      await store
        .apiBulkProgress({
          id,
          processed: 0,
          affected: 0,
          status: 'failed',
          error: message,
          now: this.#options.now(),
        })
        .catch(() => {});
    }
  }

  /** Waits for every bulk action in progress (close, tests). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
