/**
 * Enqueue ceiling of a Node producer: 16 concurrent loops in this one Node process, each awaiting a
 * single enqueue before sending the next, as enqueue_single_16 runs them. The calls are coalesced
 * the way Conveyor's insert batcher does it (the first call flushes after the current tick, calls
 * arriving meanwhile wait for the next flush, one statement in flight), and a flush is
 *
 *   INSERT INTO ceiling_jobs (queue, state, payload) SELECT 'bench', 'ready', p::jsonb
 *   FROM unnest($1::text[]) AS p RETURNING id
 *
 * over one node-postgres connection, committed durably (synchronous_commit as the server has it).
 * Nothing else: no job name, options, unique keys, scheduling, sort key, wake-up or validation. It is
 * the least an awaited, durable enqueue sent from Node can cost here, so a target near or above it
 * is out of reach for any PostgreSQL-backed queue whose producers run in Node on this machine.
 */
import type pg from 'pg';
import { makePayload } from '../payload.ts';
import { step, whole } from '../progress.ts';
import { withClient } from '../stores.ts';
import { checkpoint, countRows } from './sql-client.ts';

export const NODE_ENQUEUE_SIZES = { nodeEnqueueSeconds: 6, nodeEnqueueProducers: 16 };

export interface NodeEnqueueCeiling {
  value: number;
  unit: 'rows/s';
  extra: {
    producers: number;
    seconds: number;
    /** Average rows per INSERT: how well the 16 awaited calls coalesced. */
    rowsPerStatement: number;
    /** This process's CPU (user + system) per row, the producers' own work included. */
    nodeCpuMicrosPerRow: number;
    /** Rows in the table afterwards; must equal the rows the producers were told were inserted. */
    rowsInserted: number;
    checkpointed: boolean;
  };
}

const INSERT = `INSERT INTO ceiling_jobs (queue, state, payload) SELECT 'bench', 'ready', p::jsonb FROM unnest($1::text[]) AS p RETURNING id`;

interface Waiting {
  payload: string;
  resolve(id: string): void;
  reject(error: unknown): void;
}

/** A one-statement-at-a-time coalescer of awaited inserts over `client`. */
function coalescer(client: pg.Client) {
  let waiting: Waiting[] = [];
  let flushing = false;
  let scheduled = false;
  let statements = 0;

  const flush = async (): Promise<void> => {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      statements += 1;
      try {
        const { rows } = await client.query<{ id: string }>({
          name: 'ceiling-insert',
          text: INSERT,
          values: [batch.map((w) => w.payload)],
        });
        for (const [i, w] of batch.entries()) w.resolve(rows[i]?.id ?? '');
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    flushing = false;
  };

  return {
    statements: () => statements,
    insert(payload: unknown): Promise<string> {
      return new Promise((resolve, reject) => {
        waiting.push({ payload: JSON.stringify(payload), resolve, reject });
        if (flushing || scheduled) return;
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          flushing = true;
          void flush();
        });
      });
    },
  };
}

/** Runs on the ceiling_jobs table that measureEnqueueCeiling created. */
export async function measureNodeEnqueueCeiling(url: string): Promise<NodeEnqueueCeiling> {
  const { nodeEnqueueSeconds: seconds, nodeEnqueueProducers: producers } = NODE_ENQUEUE_SIZES;
  const checkpointed = await withClient(url, async (client) => {
    await client.query('TRUNCATE ceiling_jobs RESTART IDENTITY');
    return checkpoint(client);
  });
  const label = `enqueue ceiling, one Node process (${producers} awaiting producers, node-postgres)`;
  const run = await step(
    label,
    () =>
      withClient(url, async (client) => {
        const inserts = coalescer(client);
        let inserted = 0;
        let n = 0;
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const until = started + seconds * 1000;
        const producer = async (): Promise<void> => {
          while (performance.now() < until) {
            await inserts.insert(makePayload(`node-ceiling-${n++}`));
            inserted += 1;
          }
        };
        await Promise.all(Array.from({ length: producers }, producer));
        const elapsed = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        return {
          inserted,
          rowsPerSecond: inserted / elapsed,
          rowsPerStatement: inserted / Math.max(1, inserts.statements()),
          nodeCpuMicrosPerRow: inserted > 0 ? (cpu.user + cpu.system) / inserted : 0,
        };
      }),
    (r) =>
      `${whole(r.rowsPerSecond)} rows/s, ${r.rowsPerStatement.toFixed(1)} rows per INSERT, ${r.nodeCpuMicrosPerRow.toFixed(1)} µs of Node CPU per row`,
  );
  const rowsInserted = await withClient(url, (client) =>
    countRows(client, 'SELECT count(*) AS n FROM ceiling_jobs'),
  );
  if (rowsInserted !== run.inserted)
    throw new Error(
      `the Node producers were told ${run.inserted} rows were inserted, the table holds ${rowsInserted}`,
    );
  return {
    value: Math.round(run.rowsPerSecond),
    unit: 'rows/s',
    extra: {
      producers,
      seconds,
      rowsPerStatement: Math.round(run.rowsPerStatement * 10) / 10,
      nodeCpuMicrosPerRow: Math.round(run.nodeCpuMicrosPerRow * 10) / 10,
      rowsInserted,
      checkpointed,
    },
  };
}
