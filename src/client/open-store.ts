import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { createPgliteDriver } from '../store/pglite/pglite-driver.ts';
import { createPgDriver } from '../store/postgres/pg-driver.ts';
import { createPostgresStore } from '../store/postgres/postgres-store.ts';
import type { Store } from '../store/store.ts';
import type { ResolvedOptions } from './conveyor-options.ts';

/** Opens the store: PostgreSQL when there is a URL, else embedded PGlite in `dataDir`. */
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
  if (!options.dataDir.includes('://')) mkdirSync(options.dataDir, { recursive: true });
  const driver = await createPgliteDriver({ dataDir: options.dataDir });
  return createPostgresStore(driver, options.schema);
}
