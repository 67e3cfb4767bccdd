/**
 * Durable enqueue ceiling for 16 awaited producers: how many rows/s this machine's PostgreSQL commits
 * into a bare queue table (synchronous_commit as the server has it, on by default) when pgbench, not
 * a queue, is the producer. Two ways to serve 16 producers that each await a durable insert:
 *
 * - 16 clients, one 1-row INSERT per transaction: every job waits for its own commit (WAL flushes
 *   of concurrent commits are grouped by the server, nothing else is);
 * - 1 client, one 16-row INSERT per transaction: the best that coalescing the 16 awaited calls into
 *   one statement and one commit can give.
 *
 * The ceiling is the larger. Each part starts from an empty table and a CHECKPOINT.
 */
import { makePayload } from '../payload.ts';
import { step, whole } from '../progress.ts';
import { withClient } from '../stores.ts';
import { type PgbenchFigure, runPgbench } from './pgbench.ts';
import { checkpoint, countRows } from './sql-client.ts';

export const ENQUEUE_CEILING_SIZES = {
  enqueueSeconds: 8,
  enqueueProducers: 16,
  /** pgbench threads driving the 16 client connections (`-j 2`). */
  enqueueThreads: 2,
};

export interface EnqueuePart {
  clients: number;
  threads: number;
  rowsPerTransaction: number;
  seconds: number;
  tps: number;
  rowsPerSecond: number;
  /** Rows in the table after the run: a check on tps × rows per transaction × seconds. */
  rowsInserted: number;
  /** A CHECKPOINT ran before the part (false when the role may not checkpoint). */
  checkpointed: boolean;
}

export interface EnqueueCeiling {
  value: number;
  unit: 'rows/s';
  extra: {
    sixteenClientsOneRow: EnqueuePart;
    oneClientSixteenRows: EnqueuePart;
    best: 'sixteenClientsOneRow' | 'oneClientSixteenRows';
  };
}

const CREATE_TABLE = `
  CREATE TABLE ceiling_jobs (
    id bigserial PRIMARY KEY,
    queue text COLLATE "C" NOT NULL,
    state text NOT NULL,
    payload jsonb NOT NULL,
    run_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX ceiling_jobs_ready ON ceiling_jobs (queue, id) WHERE state = 'ready';
`;

/**
 * `INSERT … VALUES` of `rows` jobs with the bench's ~100-byte payload, as a SQL literal. pgbench reads
 * `:name` as a variable even inside a literal, so the payload must not have a letter after a colon.
 */
function insertScript(rows: number): string {
  const payload = JSON.stringify(makePayload('ceiling')).replaceAll("'", "''");
  if (/:[A-Za-z_]/.test(payload)) throw new Error(`payload ${payload} would be read as a pgbench variable`);
  const values = Array.from({ length: rows }, () => `('bench', 'ready', '${payload}')`).join(', ');
  return `INSERT INTO ceiling_jobs (queue, state, payload) VALUES ${values};\n`;
}

async function measurePart(
  pgbench: string,
  url: string,
  clients: number,
  threads: number,
  rowsPerTransaction: number,
): Promise<EnqueuePart> {
  const seconds = ENQUEUE_CEILING_SIZES.enqueueSeconds;
  const label = `enqueue ceiling, ${clients} client${clients === 1 ? '' : 's'} × ${rowsPerTransaction}-row INSERT`;
  const checkpointed = await withClient(url, async (client) => {
    await client.query('TRUNCATE ceiling_jobs RESTART IDENTITY');
    return checkpoint(client);
  });
  const figure: PgbenchFigure = await step(
    label,
    () =>
      runPgbench(pgbench, url, {
        label,
        script: insertScript(rowsPerTransaction),
        clients,
        threads,
        seconds,
      }),
    (f) => `${whole(f.tps * rowsPerTransaction)} rows/s`,
  );
  const rowsInserted = await withClient(url, (client) =>
    countRows(client, 'SELECT count(*) AS n FROM ceiling_jobs'),
  );
  return {
    clients,
    threads,
    rowsPerTransaction,
    seconds,
    tps: Math.round(figure.tps * 10) / 10,
    rowsPerSecond: Math.round(figure.tps * rowsPerTransaction),
    rowsInserted,
    checkpointed,
  };
}

export async function measureEnqueueCeiling(pgbench: string, url: string): Promise<EnqueueCeiling> {
  await withClient(url, (client) => client.query(CREATE_TABLE));
  const producers = ENQUEUE_CEILING_SIZES.enqueueProducers;
  const sixteenClientsOneRow = await measurePart(
    pgbench,
    url,
    producers,
    ENQUEUE_CEILING_SIZES.enqueueThreads,
    1,
  );
  const oneClientSixteenRows = await measurePart(pgbench, url, 1, 1, producers);
  const best =
    oneClientSixteenRows.rowsPerSecond > sixteenClientsOneRow.rowsPerSecond
      ? 'oneClientSixteenRows'
      : 'sixteenClientsOneRow';
  return {
    value:
      best === 'oneClientSixteenRows'
        ? oneClientSixteenRows.rowsPerSecond
        : sixteenClientsOneRow.rowsPerSecond,
    unit: 'rows/s',
    extra: { sixteenClientsOneRow, oneClientSixteenRows, best },
  };
}
