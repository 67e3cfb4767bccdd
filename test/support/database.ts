/**
 * A fresh PostgreSQL database per test file (real server, never a mock). Connection from
 * TEST_DATABASE_URL (default postgres://root@127.0.0.1:5432/test); the admin connection creates
 * `conveyor_t_<random>` and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A pool a test has ended may still be closing its connections: pg-pool's end() resolves before
 * the sockets close. Forcing the drop then hands such a client a FATAL 57P01 with no listener left,
 * an uncaught error that fails the run (seen in the crash test). So wait up to a second for them to
 * go; the drop forces only what is left after that.
 */
async function waitForConnectionsToClose(admin: pg.Client, name: string): Promise<void> {
  for (let waitedMs = 0; waitedMs < 1_000; waitedMs += 20) {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
      [name],
    );
    if (rows[0]?.n === 0) return;
    await delay(20);
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `conveyor_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(ADMIN_URL, name),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await waitForConnectionsToClose(client, name);
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Runs one query on a short-lived connection (assertions on table contents). */
export async function sql<T = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
