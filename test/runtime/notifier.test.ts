/**
 * The notifier (issue 13): channels by name over one shared LISTEN connection, each subscription
 * told when a lost connection is back, and the connection closed with the last subscription.
 */
import { describe, expect, it } from 'vitest';
import { Notifier } from '../../src/runtime/notifier.ts';
import { createPgDriver } from '../../src/store/postgres/pg-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { ADMIN_URL, sql } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';

const db = useConveyorDatabase();
const databaseName = (): string => new URL(db.url).pathname.slice(1);

/** Backends of the test database whose last statement was a LISTEN or UNLISTEN. */
async function listenBackends(): Promise<number[]> {
  const rows = await sql<{ pid: number }>(
    ADMIN_URL,
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ~ '^(UN)?LISTEN '",
    [databaseName()],
  );
  return rows.map((r) => r.pid);
}

/** Collects a channel's payloads and wakes whoever waits for one. */
function inbox() {
  const payloads: string[] = [];
  let waiters: { text: string; resolve: () => void }[] = [];
  return {
    payloads,
    handler: (payload: string) => {
      payloads.push(payload);
      for (const w of waiters.filter((w) => w.text === payload)) w.resolve();
      waiters = waiters.filter((w) => w.text !== payload);
    },
    received: (text: string) =>
      payloads.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ text, resolve })),
  };
}

describe('the notifier', () => {
  it('shares one LISTEN connection, survives its termination, and closes it with the last subscription', async () => {
    const store = createPostgresStore(
      createPgDriver({ connectionString: db.url, logger: testLogger, max: 2 }),
      'conveyor',
    );
    const notifier = new Notifier(async () => store);
    const alpha = inbox();
    const beta = inbox();
    let alphaBack = () => {};
    let betaBack = () => {};
    const alphaReconnected = new Promise<void>((resolve) => {
      alphaBack = resolve;
    });
    const betaReconnected = new Promise<void>((resolve) => {
      betaBack = resolve;
    });
    const stopAlpha = await notifier.listen('alpha', alpha.handler, { reconnected: () => alphaBack() });
    const stopBeta = await notifier.listen('beta', beta.handler, { reconnected: () => betaBack() });
    const [pid, ...others] = await listenBackends();
    expect(others).toEqual([]);

    await sql(db.url, "SELECT pg_notify('conveyor_alpha', 'a1'), pg_notify('conveyor_beta', 'b1')");
    await Promise.all([alpha.received('a1'), beta.received('b1')]);

    await sql(ADMIN_URL, 'SELECT pg_terminate_backend($1)', [pid]);
    await Promise.all([alphaReconnected, betaReconnected]);
    const after = await listenBackends();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(pid);
    await sql(db.url, "SELECT pg_notify('conveyor_alpha', 'a2'), pg_notify('conveyor_beta', 'b2')");
    await Promise.all([alpha.received('a2'), beta.received('b2')]);

    // One subscription ends: its channel is UNLISTENed, the other goes on.
    await stopAlpha();
    await sql(db.url, "SELECT pg_notify('conveyor_alpha', 'a3'), pg_notify('conveyor_beta', 'b3')");
    await beta.received('b3');
    expect(alpha.payloads).toEqual(['a1', 'a2']);
    await stopBeta();
    expect(await listenBackends()).toEqual([]);
    await store.close();
  });
});
