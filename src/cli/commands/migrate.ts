import { expectPositionals, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { printJson, printLine } from '../output.ts';

const HELP = `Usage: conveyor migrate [--json]

Applies pending migrations to the schema (under a lock, so concurrent runs are safe) and prints the
versions applied.`;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending database migrations',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('migrate', context.args, {});
    if (values.help) return showHelp(HELP);
    expectPositionals('migrate', positionals, [], 'conveyor migrate');
    const { applied, schema } = await withConveyor(
      context,
      values,
      { requireConfig: false, logger: commandLogger() },
      async (conveyor, options) => ({
        applied: await conveyor.migrate(),
        schema: values.schema ?? options.schema ?? 'conveyor',
      }),
    );
    if (values.json) printJson({ schema, applied });
    else if (applied.length === 0) printLine(`schema "${schema}" is up to date; no migrations applied`);
    else printLine(`applied migration(s) ${applied.join(', ')} to schema "${schema}"`);
    return 0;
  },
};
