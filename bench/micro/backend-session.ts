/**
 * What the statement micro-benchmarks share (drain-statements.ts, enqueue-statement.ts): a schema of
 * Conveyor's, migrated, with one connection whose backend's CPU time is read from /proc, so a
 * statement's server cost is measured without the client's or other backends'.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createConveyor } from '../../src/index.ts';

/** The server: the first argument, else the bench's BENCH_PG_URL, else its default. */
export const MICRO_PG_URL =
  process.argv[2] ?? process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface BackendSession {
  client: pg.Client;
  /** The backend's CPU time so far (user + system), in µs, at clock-tick resolution (10 ms). */
  cpuMicros(): number;
  /** Drops the schema and closes the connection. */
  close(): Promise<void>;
}

/** Migrates `schema` (Conveyor's tables and functions) and opens one connection to it. */
export async function openBackendSession(schema: string): Promise<BackendSession> {
  const conveyor = createConveyor({ databaseUrl: MICRO_PG_URL, schema, jobs: [] });
  await conveyor.migrate();
  await conveyor.close();
  const client = new pg.Client(MICRO_PG_URL);
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return {
    client,
    cpuMicros() {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6; // utime + stime
    },
    async close() {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
