/** Fails fast, with the fix, when PostgreSQL is not reachable. */
import pg from 'pg';
import { ADMIN_URL } from './database.ts';

export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`tests need PostgreSQL at ${ADMIN_URL} (set TEST_DATABASE_URL): ${String(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
}
