/**
 * The Store over any SqlDriver (node-postgres or PGlite): every method runs one named SQL file.
 * Batches travel as one jsonb parameter, which every driver and user executor passes unchanged.
 */
import { DatabaseUnavailableError } from '../../core/errors.ts';
import type { Row, SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { jobStatements } from './job-statements.ts';
import { queueStatements } from './queue-statements.ts';
import { runStatements } from './run-statements.ts';
import { scheduleStatements } from './schedule-statements.ts';
import { assertSchemaName, functionFiles, migrations, querySql } from './sql-files.ts';
import type { StatementContext } from './statement-context.ts';
import { workerStatements } from './worker-statements.ts';

const UNDEFINED_TABLE = '42P01';
/** Migrations run under the migration bound, not the statement bound (pg-bounds.ts). */
const MIGRATION = { migration: true } as const;
const INVALID_SCHEMA = '3F000';

export function createPostgresStore(driver: SqlDriver, schema: string): Store {
  assertSchemaName(schema);
  const readyChannel = `${schema}_ready`;
  const cancelChannel = `${schema}_cancel`;
  const run = (name: string, values: unknown[]): Promise<Row[]> =>
    driver.query(`${schema}:${name}`, querySql(schema, name), values);
  // Versions applied by a release that predates the functions table (its list fails on that table).
  const appliedOrZero = async (): Promise<number> => {
    try {
      const rows = await run('migration-list', []);
      return Math.max(0, ...rows.map((r) => Number(r.version)));
    } catch {
      return 0;
    }
  };
  const context: StatementContext = {
    run,
    transaction: (work) =>
      driver.transaction((session) => work((name, values) => session.query(querySql(schema, name), values))),
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
    description: driver.description,

    // Numbered migrations first, then every function file whose checksum differs from the one last
    // applied, all in one transaction under the migration lock: a function body never has to exist
    // for a migration to run, and concurrent migrators apply each change once.
    async migrate() {
      return driver.transaction(async (session) => {
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
      }, MIGRATION);
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
        const code = (error as { code?: string }).code;
        if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA) {
          const applied = code === UNDEFINED_TABLE ? await appliedOrZero() : 0;
          return { applied, latest, functionsPending: everyFunction.map((file) => file.name) };
        }
        throw error;
      }
    },

    async listen(handlers) {
      return driver.listen(
        { [readyChannel]: handlers.ready, [cancelChannel]: handlers.cancelled },
        handlers.reconnected,
      );
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
