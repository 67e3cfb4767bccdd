/**
 * Opens the store once, lazily, and makes it ready: connection checked (an unreachable database
 * becomes a DatabaseUnavailableError naming the target), then migrations applied (`auto`) or
 * verified (`verify`), and the queue settings declared in code written. `migrate()` uses the same connection, never a second one — which matters
 * for the embedded database, where a second open would be another database or a locked folder.
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
  let closed = false;
  const logFunctions = ({ functions }: MigrationReport): void => {
    if (functions.length > 0)
      log.info({ schema: settings.schema, functions }, 'applied SQL function definitions');
  };

  const open = (): Promise<Store> => {
    if (closed) return Promise.reject(new ConveyorError('CLOSED', 'this Conveyor instance is closed'));
    opening ??= (async () => {
      const store = await openStore(settings, log);
      try {
        await store.ping();
      } catch (error) {
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
        if (settings.migrate === 'auto') logFunctions(await store.migrate());
        else {
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
      logFunctions(report);
      return report.versions;
    },

    async close() {
      if (closed) return;
      closed = true;
      const store = await opening?.catch(() => null);
      await store?.close();
    },
  };
}
