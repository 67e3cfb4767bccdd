/**
 * What the ceilings do on their setup connection (withClient in ../stores.ts) around the pgbench
 * runs: CHECKPOINT and row counts. None of it is timed; only pgbench's runs are.
 */
import type pg from 'pg';

/**
 * CHECKPOINT before a measured run, so no run pays for the WAL an earlier step wrote (filling
 * 1,500,000 rows writes several hundred MB; max_wal_size is 1 GB by default, so a checkpoint would
 * otherwise start inside whichever run comes next). Needs superuser or pg_checkpoint: without it,
 * false, and the run goes ahead anyway.
 */
export async function checkpoint(client: pg.Client): Promise<boolean> {
  try {
    await client.query('CHECKPOINT');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42501') return false;
    throw error;
  }
}

export async function countRows(client: pg.Client, sql: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(sql);
  return Number(rows[0]?.n ?? 0);
}
