/**
 * A test file's setup for CLI tests: a fresh database, optionally a migrated Conveyor on it (with
 * the CLI fixture config's jobs), and `cli(...)` running the command against that database. Every
 * child process, the Conveyor and the database are gone after the file.
 */
import { afterAll, beforeAll } from 'vitest';
import { type Conveyor, createConveyor } from '../../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { killAll, runCli, TEST_CONFIG } from './cli-process.ts';
import { testJobs } from './fixtures/test.config.ts';

export function useCliDatabase(options: { withConveyor?: boolean } = {}) {
  let db: TestDatabase | null = null;
  let conveyor: Conveyor | null = null;
  beforeAll(async () => {
    db = await createTestDatabase();
    if (options.withConveyor) {
      conveyor = createConveyor({ jobs: testJobs, databaseUrl: db.url, logger: testLogger });
      await conveyor.migrate();
    }
  });
  afterAll(async () => {
    await killAll();
    await conveyor?.close();
    await db?.drop();
  });
  const env = {
    get url(): string {
      if (!db) throw new Error('the test database is made in beforeAll');
      return db.url;
    },
    get conveyor(): Conveyor {
      if (!conveyor)
        throw new Error('useCliDatabase({ withConveyor: true }) makes the Conveyor in beforeAll');
      return conveyor;
    },
    cli: (...args: string[]) => runCli([...args, '--config', TEST_CONFIG, '--database-url', env.url]),
  };
  return env;
}
