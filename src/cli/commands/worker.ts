import { drainForBudget } from '../../worker/drain-for-budget.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { commandLogger, serviceLogger } from '../cli-conveyor.ts';
import { UsageError } from '../cli-error.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { logJobEvents } from '../job-reporter.ts';
import { printJson, printLine } from '../output.ts';
import { waitForStopSignal } from '../stop-signal.ts';

const HELP = `Usage: conveyor worker [--queues a,b] [--concurrency N]

Runs a worker for the config's jobs until SIGTERM or SIGINT, then shuts down gracefully: it stops
claiming, lets running jobs finish (up to the shutdown timeout), and exits 0. A second signal
exits at once. Logs are JSON on stdout (CONVEYOR_LOG_PRETTY=1 for readable ones).

Flags:
  --queues <a,b>      queues to take jobs from (default: every queue of the config's jobs)
  --concurrency <n>   jobs run at once (default 10)
  --once              drain queued work and exit 0, printing { processed, failed, remaining }
  --budget <d>        with --once: stop after this long, e.g. 50s (default 15m)`;

const OPTIONS = {
  queues: { type: 'string' },
  concurrency: { type: 'string' },
  once: { type: 'boolean' },
  budget: { type: 'string' },
} as const;

export function parseQueues(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const queues = value
    .split(',')
    .map((queue) => queue.trim())
    .filter((queue) => queue.length > 0);
  if (queues.length === 0)
    throw new UsageError('--queues needs at least one queue name, e.g. --queues emails,reports');
  return queues;
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run a worker until SIGTERM/SIGINT',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('worker', context.args, OPTIONS);
    if (values.help) return showHelp(HELP);
    expectPositionals('worker', positionals, [], 'conveyor worker [--queues a,b] [--concurrency N]');
    const queues = parseQueues(values.queues);
    const concurrency = intFlag('concurrency', values.concurrency);
    if (values.budget !== undefined && !values.once) throw new UsageError('--budget goes with --once');
    if (values.once) {
      const summary = await withConveyor(
        context,
        values,
        { requireConfig: true, logger: commandLogger() },
        (conveyor) =>
          drainForBudget(conveyor, {
            budget: values.budget ?? '15m',
            handleSignals: true,
            ...(queues ? { queues } : {}),
            ...(concurrency !== undefined ? { concurrency } : {}),
          }),
      );
      if (values.json) printJson(summary);
      else
        printLine(
          `processed ${summary.processed} (${summary.completed} completed, ${summary.failed} failed); ${summary.remaining} remaining; ${summary.durationMs} ms`,
        );
      return 0;
    }
    const log = serviceLogger(process.env.CONVEYOR_LOG_PRETTY === '1');
    const stop = waitForStopSignal();
    try {
      await withConveyor(context, values, { requireConfig: true, logger: log }, async (conveyor) => {
        const stopReporting = logJobEvents(conveyor, conveyor.logger);
        const worker = conveyor.worker({
          ...(queues ? { queues } : {}),
          ...(concurrency !== undefined ? { concurrency } : {}),
        });
        await worker.start();
        await stop.signalled;
        // The worker stops itself on the signal; close() waits for that, then closes the store.
        await conveyor.close();
        stopReporting();
      });
    } finally {
      stop.dispose();
    }
    return 0;
  },
};
