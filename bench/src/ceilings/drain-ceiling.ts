/**
 * Drain ceiling: how many jobs/s this machine's PostgreSQL can claim and complete when pgbench, not a
 * queue, is the worker, and a job costs nothing but those two writes. Per pgbench transaction pair,
 * in autocommit:
 *
 *   claim:    UPDATE … SET state = 'active', owner = :client_id WHERE id IN (SELECT … ORDER BY id
 *             LIMIT 250 FOR UPDATE SKIP LOCKED) RETURNING id, payload
 *   complete: DELETE … WHERE owner = :client_id AND state = 'active'
 *
 * so jobs/s = tps × 250. Runs with 1, 2 and 4 clients; the ceiling is the best of them.
 *
 * A run must never run out of ready rows (an empty claim is cheap, so tps × 250 would overstate it):
 * before each run the table is topped up to 1,500,000 ready rows if fewer than 600,000 remain (a
 * 6 s run took at most ~460k on 2 cores), then VACUUM ANALYZEd and checkpointed, so every run starts
 * without the dead rows of the one before. After each run the ready rows are counted; a run that
 * left fewer than 250 per client may have come up short, is reported as such and is not counted.
 */
import type pg from 'pg';
import { makePayload } from '../payload.ts';
import { progress, step, whole } from '../progress.ts';
import { withClient } from '../stores.ts';
import { runPgbench } from './pgbench.ts';
import { checkpoint, countRows } from './sql-client.ts';

export const DRAIN_CEILING_SIZES = {
  drainSeconds: 6,
  drainClients: [1, 2, 4],
  /** Jobs one claim takes. */
  claimBatch: 250,
  drainFillRows: 1_500_000,
  drainRefillBelow: 600_000,
};

export interface DrainRun {
  clients: number;
  seconds: number;
  tps: number;
  jobsPerSecond: number;
  /** Ready rows added before the run (the first fill or a top-up), 0 when none were needed. */
  toppedUp: number;
  readyBefore: number;
  readyAfter: number;
  /** Fewer than claimBatch ready rows per client were left: a claim may have come up short. */
  ranOut: boolean;
  checkpointed: boolean;
}

export interface DrainCeiling {
  value: number;
  unit: 'jobs/s';
  extra: { bestClients: number; claimBatch: number; runs: DrainRun[] };
}

const CREATE_TABLE = `
  CREATE TABLE ceiling_queue (
    id bigserial PRIMARY KEY,
    queue text COLLATE "C" NOT NULL,
    state text NOT NULL,
    owner int,
    payload jsonb NOT NULL,
    run_at timestamptz NOT NULL DEFAULT now()
  ) WITH (fillfactor = 70);
  CREATE INDEX ceiling_queue_ready ON ceiling_queue (queue, id) WHERE state = 'ready';
  CREATE INDEX ceiling_queue_active ON ceiling_queue (owner) WHERE state = 'active';
`;

/** $1 = rows to add, $2 = the payload (the bench's ~100-byte JSON) every row gets. */
const FILL = `
  INSERT INTO ceiling_queue (queue, state, payload)
  SELECT 'bench', 'ready', $2::jsonb FROM generate_series(1, $1::int)
`;

const COUNT_READY = `SELECT count(*) AS n FROM ceiling_queue WHERE queue = 'bench' AND state = 'ready'`;

const CLAIM_AND_COMPLETE = `
UPDATE ceiling_queue SET state = 'active', owner = :client_id WHERE id IN (SELECT id FROM ceiling_queue WHERE queue = 'bench' AND state = 'ready' ORDER BY id LIMIT ${DRAIN_CEILING_SIZES.claimBatch} FOR UPDATE SKIP LOCKED) RETURNING id, payload;
DELETE FROM ceiling_queue WHERE owner = :client_id AND state = 'active';
`;

/** Fewer than one claim's worth of ready rows per client left: some claim may have come up short. */
export function ranOut(readyAfter: number, clients: number): boolean {
  return readyAfter < DRAIN_CEILING_SIZES.claimBatch * clients;
}

/** Tops the table up to drainFillRows ready rows if it is below drainRefillBelow; returns rows added. */
async function topUp(client: pg.Client): Promise<number> {
  const ready = await countRows(client, COUNT_READY);
  if (ready >= DRAIN_CEILING_SIZES.drainRefillBelow) return 0;
  const add = DRAIN_CEILING_SIZES.drainFillRows - ready;
  await step(
    `drain ceiling: fill to ${whole(DRAIN_CEILING_SIZES.drainFillRows)} ready rows (${whole(ready)} left)`,
    () => client.query(FILL, [add, JSON.stringify(makePayload('ceiling'))]),
    () => `${whole(add)} rows added`,
  );
  return add;
}

export interface PreparedTable {
  toppedUp: number;
  checkpointed: boolean;
  readyBefore: number;
}

/** Tops the table up, VACUUM ANALYZEs and checkpoints it: every run starts from the same state. */
export function prepareTable(url: string): Promise<PreparedTable> {
  return withClient(url, async (client) => {
    const toppedUp = await topUp(client);
    const checkpointed = await step('drain ceiling: VACUUM ANALYZE and CHECKPOINT', async () => {
      await client.query('VACUUM ANALYZE ceiling_queue');
      return checkpoint(client);
    });
    return { toppedUp, checkpointed, readyBefore: await countRows(client, COUNT_READY) };
  });
}

/** The ready rows left after a run. */
export function countReady(url: string): Promise<number> {
  return withClient(url, (client) => countRows(client, COUNT_READY));
}

async function measureRun(pgbench: string, url: string, clients: number): Promise<DrainRun> {
  const seconds = DRAIN_CEILING_SIZES.drainSeconds;
  const prepared = await prepareTable(url);
  const label = `drain ceiling, ${clients} client${clients === 1 ? '' : 's'}`;
  const { figure, readyAfter } = await step(
    label,
    async () => {
      const figure = await runPgbench(pgbench, url, {
        label,
        script: CLAIM_AND_COMPLETE,
        clients,
        threads: clients,
        seconds,
      });
      return { figure, readyAfter: await countReady(url) };
    },
    ({ figure, readyAfter }) =>
      `${whole(figure.tps * DRAIN_CEILING_SIZES.claimBatch)} jobs/s` +
      (ranOut(readyAfter, clients)
        ? `, RAN OUT of ready rows (${whole(readyAfter)} left): not counted`
        : `, ${whole(readyAfter)} ready rows left`),
  );
  return {
    clients,
    seconds,
    tps: Math.round(figure.tps * 10) / 10,
    jobsPerSecond: Math.round(figure.tps * DRAIN_CEILING_SIZES.claimBatch),
    toppedUp: prepared.toppedUp,
    readyBefore: prepared.readyBefore,
    readyAfter,
    ranOut: ranOut(readyAfter, clients),
    checkpointed: prepared.checkpointed,
  };
}

/** Creates ceiling_queue; the pgbench drain runs and the Node worker's run share it. */
export function createQueueTable(url: string): Promise<unknown> {
  return withClient(url, (client) => client.query(CREATE_TABLE));
}

export async function measureDrainCeiling(pgbench: string, url: string): Promise<DrainCeiling> {
  await createQueueTable(url);
  const runs: DrainRun[] = [];
  for (const clients of DRAIN_CEILING_SIZES.drainClients) runs.push(await measureRun(pgbench, url, clients));
  const counted = runs.filter((run) => !run.ranOut);
  const best = counted.reduce<DrainRun | null>(
    (top, run) => (top === null || run.jobsPerSecond > top.jobsPerSecond ? run : top),
    null,
  );
  if (best === null)
    throw new Error(
      `every drain run ran out of ready rows: raise drainFillRows and drainRefillBelow in ${import.meta.url}`,
    );
  if (counted.length < runs.length)
    progress(
      `warning: ${runs.length - counted.length} drain run(s) ran out of ready rows and are not counted`,
    );
  return {
    value: best.jobsPerSecond,
    unit: 'jobs/s',
    extra: { bestClients: best.clients, claimBatch: DRAIN_CEILING_SIZES.claimBatch, runs },
  };
}
