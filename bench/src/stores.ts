import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
export const REDIS = { host: '127.0.0.1', port: 6379, db: Number(process.env.BENCH_REDIS_DB ?? 9) };

function dbUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs `work` on a connection of its own to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(PG_ADMIN_URL, fn);
}

export function databaseName(contender: string, scenario: string): string {
  return `bench_${contender}_${scenario}`.replace(/[^a-z0-9_]/g, '_').slice(0, 63);
}

/** A fresh, empty database (dropped first if a previous run left it). */
export async function freshDatabase(name: string): Promise<string> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return dbUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/**
 * VACUUM ANALYZE the whole database, as autovacuum would have by then in a long-running one. A
 * table bulk-filled a moment ago has no planner statistics yet, and plans made without them run a
 * queue's fetch up to 10× slower or faster than in steady state; and the dead rows an earlier run
 * of the same store left would slow the next run down (see README).
 */
export async function vacuumAnalyzeDatabase(url: string): Promise<void> {
  await withClient(url, (client) => client.query('VACUUM ANALYZE'));
}

export async function flushRedis(): Promise<void> {
  const redis = new Redis({ ...REDIS, lazyConnect: true });
  await redis.connect();
  await redis.flushdb();
  redis.disconnect();
}

export async function freshDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function postgresMeta(): Promise<Record<string, string>> {
  return admin(async (c) => {
    const out: Record<string, string> = {};
    out.version = (await c.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
    for (const name of [
      'shared_buffers',
      'synchronous_commit',
      'fsync',
      'wal_level',
      'max_connections',
      'work_mem',
      'max_wal_size',
      'checkpoint_timeout',
    ]) {
      out[name] = (await c.query<{ v: string }>(`SELECT current_setting('${name}') AS v`)).rows[0]!.v;
    }
    return out;
  });
}

export async function redisMeta(): Promise<Record<string, string>> {
  const redis = new Redis({ ...REDIS, lazyConnect: true });
  await redis.connect();
  const info = await redis.info('server');
  const persistence = await redis.info('persistence');
  redis.disconnect();
  const pick = (text: string, key: string) => text.match(new RegExp(`^${key}:(.*)$`, 'm'))?.[1]?.trim() ?? '';
  return {
    version: pick(info, 'redis_version'),
    aof_enabled: pick(persistence, 'aof_enabled'),
    rdb_changes_since_last_save: pick(persistence, 'rdb_changes_since_last_save'),
    db: String(REDIS.db),
  };
}
