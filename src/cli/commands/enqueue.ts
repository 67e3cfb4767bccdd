import type { EnqueueOptions } from '../../core/enqueue-options.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { printJson, printLine } from '../output.ts';
import { parsePayloadFlag } from '../payload-flag.ts';

const HELP = `Usage: conveyor enqueue <job> --payload <json> [flags]

Enqueues one job by its registered name and prints its id.

Flags:
  --payload <json|@file>   the payload as JSON (required; '{}' for none), or @path to a JSON file
  --tenant <id>            tenant the job belongs to
  --delay <duration>       run no earlier than this from now: 500ms, 30s, 5m, 2h, 1d (or milliseconds)
  --priority <n>           lower runs first (default 0)
  --attempts <n>           total attempts including the first
  --unique-key <key>       deduplicate: returns the existing job while one with this key is unfinished

Example:
  conveyor enqueue send-digest --payload '{"userId":"u_1"}' --tenant acme --delay 5m`;

const OPTIONS = {
  payload: { type: 'string' },
  tenant: { type: 'string' },
  delay: { type: 'string' },
  priority: { type: 'string' },
  attempts: { type: 'string' },
  'unique-key': { type: 'string' },
} as const;

export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'enqueue one job',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('enqueue', context.args, OPTIONS);
    if (values.help) return showHelp(HELP);
    const [name] = expectPositionals(
      'enqueue',
      positionals,
      ['job'],
      "conveyor enqueue <job> --payload '{…}'",
    );
    const payload = parsePayloadFlag(values.payload, context.cwd);
    const options: EnqueueOptions = {};
    if (values.tenant !== undefined) options.tenantId = values.tenant;
    if (values.delay !== undefined)
      options.delay = /^\d+$/.test(values.delay) ? Number(values.delay) : values.delay;
    const priority = intFlag('priority', values.priority);
    if (priority !== undefined) options.priority = priority;
    const attempts = intFlag('attempts', values.attempts);
    if (attempts !== undefined) options.attempts = attempts;
    if (values['unique-key'] !== undefined) options.uniqueKey = values['unique-key'];

    const enqueued = await withConveyor(
      context,
      values,
      { requireConfig: true, logger: commandLogger() },
      (conveyor) => conveyor.enqueueByName(name!, payload, options),
    );
    if (values.json) printJson(enqueued);
    else if (enqueued.created) printLine(`enqueued ${name} as job ${enqueued.id}`);
    else
      printLine(
        `not enqueued: job ${enqueued.id} already holds unique key ${JSON.stringify(values['unique-key'])}`,
      );
    return 0;
  },
};
