import type { Logger } from 'pino';
import { openFolderDriver } from '../store/pglite/folder-driver.ts';
import { createPgliteDriver } from '../store/pglite/pglite-driver.ts';
import { createPgDriver } from '../store/postgres/pg-driver.ts';
import { createPostgresStore } from '../store/postgres/postgres-store.ts';
import type { Store } from '../store/store.ts';
import type { ResolvedOptions } from './conveyor-options.ts';

/** A data folder (a path, or `file://path`), as opposed to `memory://` and PGlite's other schemes. */
function folderPath(dataDir: string): string | null {
  if (dataDir.startsWith('file://')) return dataDir.slice('file://'.length);
  return dataDir.includes('://') ? null : dataDir;
}

/**
 * Opens the store: PostgreSQL when there is a URL; else embedded PGlite. A data folder is shared
 * by every process that opens it (the first holds it and serves the others, see
 * store/pglite/folder-driver.ts); `memory://` is private to this process.
 */
export async function openStore(
  options: {
    databaseUrl: string | null;
    dataDir: string;
    schema: string;
    poolSize: number;
  } & Pick<
    ResolvedOptions,
    'connectTimeoutMs' | 'statementTimeoutMs' | 'migrationTimeoutMs' | 'closeTimeoutMs'
  >,
  log: Logger,
): Promise<Store> {
  if (options.databaseUrl) {
    const driver = createPgDriver({
      connectionString: options.databaseUrl,
      max: options.poolSize,
      logger: log,
      connectTimeoutMs: options.connectTimeoutMs,
      statementTimeoutMs: options.statementTimeoutMs,
      migrationTimeoutMs: options.migrationTimeoutMs,
      closeTimeoutMs: options.closeTimeoutMs,
    });
    return createPostgresStore(driver, options.schema);
  }
  const folder = folderPath(options.dataDir);
  const driver = folder
    ? await openFolderDriver({
        dataDir: folder,
        poolSize: options.poolSize,
        logger: log,
        bounds: {
          connectTimeoutMs: options.connectTimeoutMs,
          statementTimeoutMs: options.statementTimeoutMs,
          migrationTimeoutMs: options.migrationTimeoutMs,
          closeTimeoutMs: options.closeTimeoutMs,
        },
      })
    : await createPgliteDriver({ dataDir: options.dataDir });
  return createPostgresStore(driver, options.schema);
}
