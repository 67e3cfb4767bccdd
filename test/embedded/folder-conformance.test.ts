/**
 * The store conformance suite, run by a process that does not hold its folder: every statement
 * travels through the holder's socket (node-postgres, unnamed statements) into the holder's PGlite.
 */
import { type FolderDriver, openFolderDriver } from '../../src/store/pglite/folder-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { describeStoreConformance } from '../conformance/store-conformance.ts';
import { testLogger } from '../support/silent-logger.ts';
import { useFolders } from './folders.ts';

const folders = useFolders();

describeStoreConformance('PGlite folder, from a process that does not hold it', async () => {
  const dir = await folders.fresh();
  const open = (): Promise<FolderDriver> =>
    openFolderDriver({ dataDir: dir, poolSize: 4, logger: testLogger });
  const holder = await open();
  const client = await open();
  if (holder.role !== 'holder' || client.role !== 'client') {
    throw new Error(`expected a holder and a client, got ${holder.role} and ${client.role}`);
  }
  const store = createPostgresStore(client, 'conveyor');
  return {
    store,
    reset: async () => {
      await client.query(
        'reset',
        'TRUNCATE conveyor.jobs, conveyor.job_keys, conveyor.job_runs, conveyor.workers, conveyor.queues, conveyor.queue_groups',
        [],
      );
    },
    close: async () => {
      await store.close();
      await holder.close();
    },
  };
});
