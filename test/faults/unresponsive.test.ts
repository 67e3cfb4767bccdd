/**
 * A database that accepts connections but never answers (defect 6): every process of a private
 * PostgreSQL is SIGSTOPped mid-drain. The kernel still completes TCP handshakes into the listen
 * backlog, so connects "succeed" and then hear nothing; open connections hear nothing either.
 *
 * While it is frozen: statements in flight are given up at their bound, /metrics answers (process
 * and job metrics, `conveyor_database_up 0`), /health answers 503, a new instance's worker.start()
 * rejects with a clear error at its connect bound, and close() returns, for that instance and for
 * ones with a running (idle) worker and a LISTEN connection, even when their statement bounds are
 * far longer than their close bounds. After SIGCONT the draining instance
 * recovers by itself: every job completes (the ledger holds).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createObservabilityServer } from '../../src/http/index.ts';
import { type Conveyor, type ConveyorOptions, createConveyor, defineJob } from '../../src/index.ts';
import { get, parseMetrics, sampleValue } from '../observe/http-client.ts';
import { usePrivatePostgres } from '../support/private-postgres.ts';
import { testLogger } from '../support/silent-logger.ts';
import { JobLedger } from './job-ledger.ts';

const postgres = usePrivatePostgres();
const opened: Conveyor[] = [];
afterAll(async () => {
  postgres.server.resume();
  await Promise.all(opened.map((c) => c.close()));
});

const TOTAL = 2_000;
const FREEZE_AFTER = 400;

/** Tight bounds so the test is quick; the defaults (docs/configuration.md) are for production. */
const BOUNDS = {
  connectTimeout: '1s',
  statementTimeout: '1s',
  closeTimeout: '1s',
} as const;

function open(options: Omit<ConveyorOptions, 'databaseUrl'>): Conveyor {
  const conveyor = createConveyor({
    poolSize: 4,
    logger: testLogger,
    ...BOUNDS,
    ...options,
    databaseUrl: postgres.server.url,
  });
  opened.push(conveyor);
  return conveyor;
}

/** A pino logger into memory that resolves `seen(predicate)` when a matching line arrives. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (line: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      const line = JSON.parse(String(chunk)) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      done();
    },
  });
  return {
    logger: pino({ level: 'warn' }, stream),
    lines,
    seen(match: (line: Record<string, unknown>) => boolean): Promise<void> {
      if (lines.some(match)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

const errCode = (line: Record<string, unknown>): unknown =>
  (line.err as { code?: unknown } | undefined)?.code;

describe('a database that stops answering', () => {
  it('bounds every wait while it is frozen and recovers by itself after', async () => {
    const server = postgres.server;
    const ledger = new JobLedger();
    const logs = capturingLogger();
    const draining = open({
      jobs: [ledger.job],
      logger: logs.logger,
      lease: '10s',
      retention: { completed: { count: 1_000_000 } },
      metrics: { defaultMetrics: true, databaseTimeoutMs: 500 },
    });
    await draining.migrate();
    await ledger.enqueue(draining, TOTAL);
    const http = createObservabilityServer(draining, { port: 0 });
    const { url } = await http.listen();

    // A second instance with a worker on an empty queue: connected, LISTENing, idle.
    const idleJob = defineJob({ name: 'idle-job', queue: 'idle', handler: async () => {} });
    const idle = open({ jobs: [idleJob] });
    await idle.worker({ handleSignals: false }).start();
    // The same, with statement bounds far longer than its shutdown and close bounds: its close()
    // must not wait for them, but close the connections at shutdownTimeout + closeTimeout.
    const patient = open({ jobs: [idleJob], statementTimeout: '5m', closeTimeout: '500ms' });
    await patient.worker({ handleSignals: false, shutdownTimeout: '500ms' }).start();

    const worker = draining.worker({ concurrency: 20, handleSignals: false });
    await worker.start();
    await ledger.ran(FREEZE_AFTER);
    server.pause();
    const frozenAt = Date.now();
    try {
      // Statements in flight are given up at their bound (statementTimeout + 1 s) with a clear error.
      await logs.seen((line) => errCode(line) === 'DATABASE_TIMEOUT');

      const checksAt = Date.now();
      const [metrics, health, start, idleClosed, patientClosed] = await Promise.all([
        get(`${url}/metrics`),
        get(`${url}/health`),
        // A new instance: worker.start() rejects at the connect bound.
        (async () => {
          const fresh = open({ jobs: [ledger.job] });
          const error = await fresh
            .worker({ handleSignals: false })
            .start()
            .then(
              () => null,
              (e: unknown) => e as Error & { code?: string; cause?: Error & { code?: string } },
            );
          await fresh.close();
          return error;
        })(),
        idle.close().then(() => Date.now() - checksAt),
        patient.close().then(() => Date.now() - checksAt),
      ]);

      expect(metrics.status).toBe(200);
      const { samples } = parseMetrics(metrics.body);
      expect(sampleValue(samples, 'conveyor_database_up', {})).toBe(0);
      expect(
        sampleValue(samples, 'conveyor_jobs_completed_total', { queue: 'faults', job: 'ledger-job' }),
      ).toBeGreaterThan(0);
      expect(samples.some((s) => s.name === 'conveyor_process_cpu_seconds_total')).toBe(true);

      expect(health.status).toBe(503);
      expect(JSON.parse(health.body).jobs.database).toBe('unreachable');

      expect(start?.code).toBe('DATABASE_UNAVAILABLE');
      expect(start?.message).toContain(`127.0.0.1:${server.port}`);
      expect(start?.cause?.code).toBe('DATABASE_TIMEOUT');
      expect(start?.cause?.message).toMatch(/within 1000 ms .*connectTimeout/);
      expect(start?.message).not.toContain(server.password);

      console.info(
        `[unresponsive] frozen after ${FREEZE_AFTER} runs; first statement given up ${checksAt - frozenAt} ms ` +
          `after the freeze; close() took ${idleClosed} ms for the idle instance, ${patientClosed} ms for the ` +
          'one with 5 min statement bounds',
      );
    } finally {
      server.resume();
    }

    // Back: the draining instance finishes every job by itself.
    await ledger.ran(TOTAL);
    await ledger.settled(server.url);
    await worker.stop();
    const report = await ledger.check(server.url);
    expect(report.completed).toBe(TOTAL);
    const after = parseMetrics((await get(`${url}/metrics`)).body).samples;
    expect(sampleValue(after, 'conveyor_database_up', {})).toBe(1);
    await http.close();
    console.info(`[unresponsive] ledger ${JSON.stringify(report)}`);
  }, 40_000);
});
