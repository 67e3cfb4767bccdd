/**
 * Opens the store once, lazily, and makes it ready: connection checked (an unreachable database
 * becomes a DatabaseUnavailableError naming the target), then migrations applied (`auto`) or
 * verified (`verify`), and the queue settings declared in code written. `migrate()` uses the same
 * store, never a second one — which matters for the embedded database, where a second open would
 * be another database or a locked folder.
 *
 * close() never waits on an open that is still trying to reach the database: it closes the store
 * under it, so it returns within the driver's bounds even when the server accepts connections and
 * never answers.
 */
import type { Logger } from 'pino';
import { ConveyorError, MigrationRequiredError } from '../core/errors.ts';
import type { MigrationReport, Store } from '../store/store.ts';
import type { ResolvedOptions } from './conveyor-options.ts';
import { openStore } from './open-store.ts';

export interface StoreHandle {
  /** The store, connected (not necessarily migrated). */
  connected(): Promise<Store>;
  /** The store, migrated (or verified) and ready. */
  ready(): Promise<Store>;
  /** Applies pending migrations; returns the versions applied. */
  migrate(): Promise<number[]>;
  close(): Promise<void>;
}

export function createStoreHandle(settings: ResolvedOptions, log: Logger): StoreHandle {
  let opening: Promise<Store> | null = null;
  let readying: Promise<Store> | null = null;
  /** The store once created, before its first ping answers: close() closes it even then. */
  let created: Store | null = null;
  let closing: Promise<void> | null = null;
  /** An explicit migrate() succeeded on this store: ready() need not migrate again. */
  let migrated = false;
  const closedError = (): ConveyorError => new ConveyorError('CLOSED', 'this Conveyor instance is closed');
  const logFunctions = ({ functions }: MigrationReport): void => {
    if (functions.length > 0)
      log.info({ schema: settings.schema, functions }, 'applied SQL function definitions');
  };

  const open = (): Promise<Store> => {
    if (closing) return Promise.reject(closedError());
    opening ??= (async () => {
      const store = await openStore(settings, log);
      if (closing) {
        await store.close().catch(() => {});
        throw closedError();
      }
      created = store;
      try {
        await store.ping();
      } catch (error) {
        created = null;
        await store.close().catch(() => {});
        throw error;
      }
      return store;
    })().catch((error: unknown) => {
      opening = null;
      throw error;
    });
    return opening;
  };

  return {
    connected: open,

    ready() {
      readying ??= (async () => {
        const store = await open();
        if (settings.migrate === 'auto') {
          if (!migrated) logFunctions(await store.migrate());
        } else {
          const status = await store.migrationStatus();
          if (status.applied < status.latest || status.functionsPending.length > 0) {
            throw new MigrationRequiredError(
              settings.schema,
              status.applied,
              status.latest,
              status.functionsPending,
            );
          }
        }
        // Queues declared in code: their flow settings as written there (code wins at start).
        for (const [name, change] of settings.queueFlow) {
          await store.queueUpsert({ name, change, now: settings.now() });
        }
        return store;
      })().catch((error: unknown) => {
        readying = null;
        throw error;
      });
      return readying;
    },

    async migrate() {
      const report = await (await open()).migrate();
      migrated = true;
      logFunctions(report);
      return report.versions;
    },

    /**
     * Idempotent; concurrent calls share one close. Does not wait for an open in progress to
     * answer: the store is closed under it (its first statement then fails), so close() is bounded
     * by the driver's closeTimeout (and connectTimeout for a connection being opened).
     */
    close() {
      closing ??= (async () => {
        const store = created ?? (await opening?.catch(() => null)) ?? null;
        await store?.close();
      })();
      return closing;
    },
  };
}
