import { createPgliteDriver } from '../../src/store/pglite/pglite-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { describeStoreConformance } from './store-conformance.ts';

describeStoreConformance('PGlite (embedded)', async () => {
  const driver = await createPgliteDriver({ dataDir: 'memory://' });
  const store = createPostgresStore(driver, 'conveyor');
  return {
    store,
    reset: async () => {
      await driver.query(
        'reset',
        'TRUNCATE conveyor.jobs, conveyor.job_keys, conveyor.job_runs, conveyor.workers, conveyor.queues, conveyor.queue_groups',
        [],
      );
    },
    close: () => store.close(),
  };
});
