/**
 * The Store over any SqlDriver (node-postgres or PGlite): every method runs one named SQL file.
 * Batches travel as one jsonb parameter, which every driver and user executor passes unchanged.
 */
import { DatabaseRejectedError, DatabaseUnavailableError } from '../../core/errors.ts';
import type { Row, SqlDriver, SqlSession } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { classified } from '../store-errors.ts';
import { apiStatements } from './api-statements.ts';
import { dashboardStatements } from './dashboard-statements.ts';
import { eventStatements } from './event-statements.ts';
import { jobStatements } from './job-statements.ts';
import { notificationStatements } from './notification-statements.ts';
import { queueStatements } from './queue-statements.ts';
import { runStatements } from './run-statements.ts';
import { scheduleStatements } from './schedule-statements.ts';
import { assertSchemaName, functionFiles, migrations, querySql } from './sql-files.ts';
import type { StatementContext } from './statement-context.ts';
import { workerStatements } from './worker-statements.ts';

const UNDEFINED_TABLE = '42P01';
const CHANNEL_NAME = /^[a-z][a-z0-9_]{0,30}$/;

/** The PostgreSQL channel of a notification kind in a schema: `<schema>_<name>` (`conveyor_ready`). */
function notificationChannel(schema: string, name: string): string {
  if (!CHANNEL_NAME.test(name)) throw new Error(`invalid notification channel name ${JSON.stringify(name)}`);
  return `${schema}_${name}`;
}
/** Migrations run under the migration bound, not the statement bound (pg-bounds.ts). */
const MIGRATION = { migration: true } as const;
const INVALID_SCHEMA = '3F000';

export function createPostgresStore(driver: SqlDriver, schema: string): Store {
  assertSchemaName(schema);
  const readyChannel = notificationChannel(schema, 'ready');
  const cancelChannel = notificationChannel(schema, 'cancel');
  // Every statement's failure leaves the store as DatabaseTransientError or DatabaseRejectedError
  // (store-errors.ts): no driver error crosses the seam, and callers know whether to try again.
  const run = (name: string, values: unknown[]): Promise<Row[]> =>
    classified(() => driver.query(`${schema}:${name}`, querySql(schema, name), values));
  // Versions applied by a release that predates the functions table (its list fails on that table).
  const appliedOrZero = async (): Promise<number> => {
    try {
      const rows = await run('migration-list', []);
      return Math.max(0, ...rows.map((r) => Number(r.version)));
    } catch {
      return 0;
    }
  };
  /** A migration transaction (its own connection and bound), its failure typed like any statement's. */
  const migrationTransaction = <T>(work: (session: SqlSession) => Promise<T>): Promise<T> =>
    classified(() => driver.transaction(work, MIGRATION));
  const context: StatementContext = {
    run,
    transaction: (work) =>
      classified(() =>
        driver.transaction((session) =>
          work((name, values) => session.query(querySql(schema, name), values)),
        ),
      ),
    sqlFor: (name) => querySql(schema, name),
    readyChannel,
    cancelChannel,
  };

  return {
    ...jobStatements(context),
    ...queueStatements(context),
    ...workerStatements(context),
    ...runStatements(context),
    ...scheduleStatements(context),
    ...apiStatements(context),
    ...dashboardStatements(context),
    ...eventStatements(
      context,
      notificationChannel(schema, 'events'),
      notificationChannel(schema, 'event_fanout'),
    ),
    ...notificationStatements(context, notificationChannel(schema, 'events')),
    description: driver.description,

    // Numbered migrations first, then every function file whose checksum differs from the one last
    // applied, all in one transaction under the migration lock: a function body never has to exist
    // for a migration to run, and concurrent migrators apply each change once.
    async migrate() {
      return migrationTransaction(async (session) => {
        await session.query(querySql(schema, 'migration-lock'), [schema]);
        await session.exec(querySql(schema, 'migration-prepare'));
        const applied = new Set(
          (await session.query(querySql(schema, 'migration-list'))).map((r) => Number(r.version)),
        );
        const versions: number[] = [];
        for (const migration of migrations(schema)) {
          if (applied.has(migration.version)) continue;
          await session.exec(migration.sql);
          await session.query(querySql(schema, 'migration-record'), [migration.version, migration.name]);
          versions.push(migration.version);
        }
        const checksums = new Map(
          (await session.query(querySql(schema, 'function-list'))).map((r) => [String(r.name), r.checksum]),
        );
        const functions: string[] = [];
        for (const file of functionFiles(schema)) {
          if (checksums.get(file.name) === file.checksum) continue;
          await session.exec(file.sql);
          await session.query(querySql(schema, 'function-record'), [file.name, file.checksum]);
          functions.push(file.name);
        }
        return { versions, functions };
      });
    },

    async migrationStatus() {
      const all = migrations(schema);
      const latest = all.at(-1)?.version ?? 0;
      const everyFunction = functionFiles(schema);
      try {
        const rows = await run('migration-list', []);
        const applied = Math.max(0, ...rows.map((r) => Number(r.version)));
        const checksums = new Map((await run('function-list', [])).map((r) => [String(r.name), r.checksum]));
        const functionsPending = everyFunction
          .filter((file) => checksums.get(file.name) !== file.checksum)
          .map((file) => file.name);
        return { applied, latest, functionsPending };
      } catch (error) {
        const code = error instanceof DatabaseRejectedError ? error.sqlState : null;
        if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA) {
          const applied = code === UNDEFINED_TABLE ? await appliedOrZero() : 0;
          return { applied, latest, functionsPending: everyFunction.map((file) => file.name) };
        }
        throw error;
      }
    },

    async listen({ channels, reconnected }) {
      const handlers = Object.fromEntries(
        Object.entries(channels).map(([name, handler]) => [notificationChannel(schema, name), handler]),
      );
      return driver.listen(handlers, reconnected);
    },

    async leaderSession() {
      const session = await driver.dedicated();
      // Roles are per schema: two Conveyor schemas in one database elect their own leaders.
      const key = (role: string): string => `${schema}:${role}`;
      return {
        lost: session.lost,
        async tryAcquire(role) {
          const [row] = await session.query(querySql(schema, 'leader-try-acquire'), [key(role)]);
          return row?.acquired === true;
        },
        async release(role) {
          await session.query(querySql(schema, 'leader-release'), [key(role)]);
        },
        close: () => session.close(),
      };
    },

    async ping() {
      try {
        await run('ping', []);
      } catch (error) {
        throw new DatabaseUnavailableError(driver.description, error);
      }
    },

    close: () => driver.close(),
  };
}
