import { createPgliteDriver } from '../../src/store/pglite/pglite-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { describeEventStoreConformance } from './event-store-conformance.ts';

describeEventStoreConformance('PGlite (embedded)', async () => {
  const store = createPostgresStore(await createPgliteDriver({ dataDir: 'memory://' }), 'conveyor');
  return { store, close: () => store.close() };
});
