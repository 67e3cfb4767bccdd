import { createPgDriver } from '../../src/store/postgres/pg-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { createTestDatabase, sql } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { describeStoreConformance } from './store-conformance.ts';

const TABLES =
  'conveyor.jobs, conveyor.job_keys, conveyor.job_runs, conveyor.workers, conveyor.queues, conveyor.queue_groups';

describeStoreConformance('PostgreSQL (node-postgres)', async () => {
  const database = await createTestDatabase();
  const store = createPostgresStore(
    createPgDriver({ connectionString: database.url, logger: testLogger }),
    'conveyor',
  );
  return {
    store,
    reset: async () => {
      await sql(database.url, `TRUNCATE ${TABLES}`);
    },
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
});
