/**
 * A worker process of the soak (src/soak/main.ts): runs the soak job with Conveyor from the repo's
 * dist/ build and appends one line per handler run, `<n> <job id>`, to its ledger file with a
 * synchronous write, so a SIGKILL loses no line of a handler that ran. Reports its memory on
 * request and stops gracefully on "stop".
 * Env: DATABASE_URL, LEDGER (file path), CONCURRENCY, LEASE.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const DIST = new URL('../../../dist/index.js', import.meta.url);

interface SoakConveyor {
  worker(options: Record<string, unknown>): { start(): Promise<{ id: string }> };
  close(): Promise<void>;
}
interface SoakModule {
  createLogger(options: { level?: string }): unknown;
  createConveyor(options: Record<string, unknown>): SoakConveyor;
  defineJob(definition: Record<string, unknown>): unknown;
}

const { createConveyor, createLogger, defineJob } = (await import(DIST.href)) as SoakModule;
const databaseUrl = process.env.DATABASE_URL;
const ledgerPath = process.env.LEDGER;
if (!databaseUrl || !ledgerPath) throw new Error('soak-worker needs DATABASE_URL and LEDGER');

const ledger = openSync(ledgerPath, 'a');
const job = defineJob({
  name: 'soak',
  queue: 'soak',
  // Faults fail attempts (a statement cut off, a restart): plenty of quick retries, so none dies.
  defaults: { attempts: 25, backoff: { type: 'fixed', delay: 100 } },
  handler: ({ payload, job: info }: { payload: { n: number }; job: { id: string } }) => {
    writeSync(ledger, `${payload.n} ${info.id}\n`);
  },
});
const conveyor = createConveyor({
  jobs: [job],
  databaseUrl,
  logger: createLogger({ level: 'silent' }),
  lease: process.env.LEASE ?? '5s',
  poolSize: 4,
  retention: { completed: false },
});
const worker = await conveyor
  .worker({ concurrency: Number(process.env.CONCURRENCY ?? 50), handleSignals: false })
  .start();
process.send?.({ type: 'started', workerId: worker.id });
process.on('message', (message: { type?: string }) => {
  if (message.type === 'memory') {
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ type: 'memory', rss, heapUsed });
  }
  if (message.type === 'stop') {
    void conveyor.close().then(() => {
      closeSync(ledger);
      process.exit(0);
    });
  }
});
