/**
 * The database stopped and restarted during a drain, twice: once by an operator (`pg_ctl stop -m
 * fast`, which terminates every session, then start) and once by a crash (every server process
 * SIGKILLed, then start with crash recovery). The worker must recover by itself and the ledger
 * hold. A crash may run a few jobs twice: claims commit without waiting for their WAL (migration
 * 0005), so a claim the crash lost hands its jobs out again; the ledger counts them.
 *
 * The same run checks what the logs say about it (defect 9). The connection string carries a
 * password (SCRAM auth), and the logger is the caller's own pino logger, not Conveyor's: every
 * line must be free of the password, the role's connection parameters and the SQL text of
 * prepared statements, and stay short, however many connections were lost.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Conveyor, createConveyor } from '../../src/index.ts';
import { APP_USER, usePrivatePostgres } from '../support/private-postgres.ts';
import { JobLedger } from './job-ledger.ts';

const postgres = usePrivatePostgres();
let conveyor: Conveyor | null = null;
afterAll(async () => {
  await conveyor?.close();
});

const TOTAL = 3_000;
const RESTART_AFTER = 600;
const CRASH_AFTER = 1_800;
/** Longest log line accepted: a lost-connection warning used to be over 10 KB. */
const MAX_LINE = 2_048;

describe('the database stopped and restarted during a drain', () => {
  it('finishes every job by itself, and logs the faults without secrets or SQL', async () => {
    const server = postgres.server;
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const ledger = new JobLedger();
    conveyor = createConveyor({
      jobs: [ledger.job],
      databaseUrl: server.url,
      logger,
      poolSize: 4,
      lease: '5s',
      retention: { completed: { count: 1_000_000 } },
    });
    await conveyor.migrate();
    await ledger.enqueue(conveyor, TOTAL);
    const worker = conveyor.worker({ concurrency: 20, handleSignals: false });
    await worker.start();

    await ledger.ran(RESTART_AFTER);
    await server.restart();
    await ledger.ran(CRASH_AFTER);
    await server.kill();
    await server.start();

    await ledger.ran(TOTAL);
    await ledger.settled(server.url);
    await worker.stop();
    const report = await ledger.check(server.url);
    expect(report.completed).toBe(TOTAL);
    await conveyor.close();
    conveyor = null;

    // The faults were logged…
    const lost = lines.filter((l) => /connection lost|failed; retrying|will retry/.test(l));
    expect(lost.length).toBeGreaterThan(0);
    for (const line of lost) {
      const err = JSON.parse(line).err as Record<string, unknown> | undefined;
      if (err) expect(typeof err.message).toBe('string');
    }
    // …and no line carries a secret, the connection parameters or statement text, or runs long.
    const leaks = lines.filter(
      (l) =>
        l.includes(server.password) ||
        l.includes(APP_USER) ||
        l.includes('connectionParameters') ||
        /SKIP LOCKED|conveyor\.jobs|conveyor\.job_runs|INSERT INTO|DELETE FROM/.test(l),
    );
    expect(leaks.map((l) => l.slice(0, 300))).toEqual([]);
    const longest = Math.max(...lines.map((l) => l.length));
    expect(longest).toBeLessThanOrEqual(MAX_LINE);
    console.info(
      `[restart] ledger ${JSON.stringify(report)}; ${lines.length} log lines, ${lost.length} about the faults, longest ${longest} chars`,
    );
  }, 40_000);
});
