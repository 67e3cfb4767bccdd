import { afterAll, beforeAll } from 'vitest';
import { internalsOf } from '../../src/client/conveyor-internals.ts';
import { type Conveyor, type ConveyorOptions, createConveyor } from '../../src/index.ts';
import type { Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { testLogger } from './silent-logger.ts';

/**
 * Gives a test file a fresh database and a factory for Conveyor instances on it; every instance
 * and the database are closed and dropped after the file.
 */
export function useConveyorDatabase(): {
  readonly url: string;
  open(options: Omit<ConveyorOptions, 'databaseUrl'>): Conveyor;
} {
  let database: TestDatabase | null = null;
  const opened: Conveyor[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await database?.drop();
  });
  return {
    get url() {
      if (!database) throw new Error('database not created yet (use inside tests)');
      return database.url;
    },
    open(options) {
      const conveyor = createConveyor({ logger: testLogger, poolSize: 4, ...options, databaseUrl: this.url });
      opened.push(conveyor);
      return conveyor;
    },
  };
}

/** The store of a migrated Conveyor with no jobs on `db`: for tests of store-level services. */
export async function migratedStore(db: ReturnType<typeof useConveyorDatabase>): Promise<Store> {
  const conveyor = db.open({ jobs: [] });
  await conveyor.migrate();
  return internalsOf(conveyor).store();
}
