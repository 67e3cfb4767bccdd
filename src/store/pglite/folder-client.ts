/**
 * A process that does not hold the folder reaches it through the holder's socket with the ordinary
 * node-postgres driver (pool, LISTEN client and its reconnects included). One difference: every
 * statement is sent unnamed. All clients share PGlite's one session, where a statement name
 * prepared by one connection exists for all, so a second connection preparing the same name would
 * fail with 42P05 (PGlite's own in-process driver does not prepare by name either). The driver's
 * bounds apply as against a server: a statement waiting behind other processes' work for the one
 * session counts against statementTimeout, and a migration runs on a connection of its own.
 */
import type { Logger } from 'pino';
import type { PgBounds } from '../postgres/pg-bounds.ts';
import { createPgDriver } from '../postgres/pg-driver.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { FolderEndpoint } from './folder-endpoint.ts';

const UNNAMED = '';

export function connectFolderClient(
  endpoint: FolderEndpoint,
  holderPid: number,
  options: { poolSize: number; logger: Logger; bounds?: Partial<PgBounds> },
): SqlDriver {
  const pg = createPgDriver({
    ...options.bounds,
    connectionString: endpoint.connectionString,
    max: options.poolSize,
    logger: options.logger,
  });
  options.logger.info(
    { folder: endpoint.folder, holderPid },
    'embedded database: the folder is held by another Conveyor process; using it through that process',
  );
  return {
    description: `pglite:${endpoint.folder} (held by process ${holderPid})`,
    query: (_name, text, values) => pg.query(UNNAMED, text, values),
    transaction: (work, txOptions) => pg.transaction(work, txOptions),
    listen: (handlers, reconnected) => pg.listen(handlers, reconnected),
    dedicated: () => pg.dedicated(),
    close: () => pg.close(),
  };
}
