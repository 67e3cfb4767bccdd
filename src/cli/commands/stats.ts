import { JOB_STATES } from '../../core/job.ts';
import { expectPositionals, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { formatTable, printJson, printLine } from '../output.ts';

const HELP = `Usage: conveyor stats [--json]

Job counts per queue and state (completed counts what retention keeps).`;

export const statsCommand: Command = {
  name: 'stats',
  summary: 'job counts per queue and state',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('stats', context.args, {});
    if (values.help) return showHelp(HELP);
    expectPositionals('stats', positionals, [], 'conveyor stats');
    const stats = await withConveyor(
      context,
      values,
      { requireConfig: false, logger: commandLogger() },
      (conveyor) => conveyor.stats(),
    );
    if (values.json) {
      printJson(stats);
      return 0;
    }
    if (stats.length === 0) {
      printLine('no queues yet: no jobs registered in the config and none in the database');
      return 0;
    }
    const headers = ['QUEUE', ...JOB_STATES.map((state) => state.toUpperCase())];
    printLine(
      formatTable(
        headers,
        stats.map((s) => [s.queue, ...JOB_STATES.map((state) => s.counts[state])]),
      ),
    );
    return 0;
  },
};
