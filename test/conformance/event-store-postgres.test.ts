import { createPgDriver } from '../../src/store/postgres/pg-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { createTestDatabase } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { describeEventStoreConformance } from './event-store-conformance.ts';

describeEventStoreConformance('PostgreSQL (node-postgres)', async () => {
  const database = await createTestDatabase();
  const store = createPostgresStore(
    createPgDriver({ connectionString: database.url, logger: testLogger }),
    'conveyor',
  );
  return {
    store,
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
});
