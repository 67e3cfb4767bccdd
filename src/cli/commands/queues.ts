/** `conveyor queues …`: flow control at runtime — list, pause/resume, limits, group overrides. */
import type { QueueFlowOptions } from '../../core/queue-settings.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { UsageError } from '../cli-error.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { formatTable, printJson, printLine } from '../output.ts';

const LIST_HELP = `Usage: conveyor queues list [--json]

Stored queue settings: paused, priority, global and per-group concurrency, rate limits, aging.`;

const PAUSE_HELP = `Usage: conveyor queues pause <queue>
       conveyor queues resume <queue>

A paused queue keeps its jobs and runs none; running jobs finish.`;

const SET_HELP = `Usage: conveyor queues set <queue> [--global-concurrency N] [--group-concurrency N]
                             [--rate MAX/PER] [--group-rate MAX/PER] [--priority N]

Changes limits at runtime, for every worker process. "none" clears a limit.

Flags:
  --global-concurrency <n|none>  jobs of the queue running at once, cluster-wide
  --group-concurrency <n|none>   jobs of one tenant/group running at once
  --rate <max/per|none>          starts per window for the queue, e.g. 20/1s or 100/1m
  --group-rate <max/per|none>    starts per window for each group
  --priority <n>                 lower is claimed first by workers serving several queues

Example: conveyor queues set emails --rate 100/1m --group-concurrency 2`;

const GROUP_HELP = `Usage: conveyor queues group <queue> <group> [--pause | --resume] [--concurrency N|none] [--weight N]

Settings of one group (tenant) of a queue: pause it alone, or override its concurrency or weight.`;

function limitFlag(flag: string, value: string | undefined): number | null | undefined {
  if (value === 'none') return null;
  return intFlag(flag, value);
}

function rateFlag(flag: string, value: string | undefined): { max: number; per: string } | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const match = /^(\d+)\/(.+)$/.exec(value.trim());
  if (!match)
    throw new UsageError(
      `--${flag} must look like MAX/PER, e.g. 20/1s or 100/1m; got ${JSON.stringify(value)}`,
    );
  return { max: Number(match[1]), per: match[2]! };
}

export const queuesListCommand: Command = {
  name: 'queues list',
  summary: 'show queue settings (limits, pause, priority)',
  help: LIST_HELP,
  async run(context) {
    const { values, positionals } = parseCommand('queues list', context.args, {});
    if (values.help) return showHelp(LIST_HELP);
    expectPositionals('queues list', positionals, [], 'conveyor queues list');
    const queues = await withConveyor(
      context,
      values,
      { requireConfig: false, logger: commandLogger() },
      (c) => c.queues.list(),
    );
    if (values.json) {
      printJson(queues);
      return 0;
    }
    if (queues.length === 0) {
      printLine('no queue settings stored (every queue runs without limits)');
      return 0;
    }
    const rate = (max: number | null, per: number | null) => (max === null ? '-' : `${max}/${per}ms`);
    const rows = queues.map((q) => [
      q.name,
      q.paused ? 'paused' : 'running',
      q.priority,
      q.globalConcurrency ?? '-',
      q.groupConcurrency ?? '-',
      rate(q.rateLimit, q.rateIntervalMs),
      rate(q.groupRateLimit, q.groupRateIntervalMs),
    ]);
    printLine(formatTable(['QUEUE', 'STATE', 'PRIORITY', 'GLOBAL', 'PER GROUP', 'RATE', 'GROUP RATE'], rows));
    return 0;
  },
};

function pauseCommand(paused: boolean): Command {
  const name = paused ? 'queues pause' : 'queues resume';
  return {
    name,
    summary: paused ? 'stop claiming from a queue' : 'resume a paused queue',
    help: PAUSE_HELP,
    async run(context) {
      const { values, positionals } = parseCommand(name, context.args, {});
      if (values.help) return showHelp(PAUSE_HELP);
      const [queue] = expectPositionals(name, positionals, ['queue'], `conveyor ${name} <queue>`);
      await withConveyor(context, values, { requireConfig: false, logger: commandLogger() }, (c) =>
        paused ? c.queues.pause(queue!) : c.queues.resume(queue!),
      );
      if (values.json) printJson({ queue, paused });
      else printLine(`${queue} ${paused ? 'paused' : 'resumed'}`);
      return 0;
    },
  };
}

export const queuesPauseCommand = pauseCommand(true);
export const queuesResumeCommand = pauseCommand(false);

export const queuesSetCommand: Command = {
  name: 'queues set',
  summary: 'change a queue’s limits at runtime',
  help: SET_HELP,
  async run(context) {
    const { values, positionals } = parseCommand('queues set', context.args, {
      'global-concurrency': { type: 'string' },
      'group-concurrency': { type: 'string' },
      rate: { type: 'string' },
      'group-rate': { type: 'string' },
      priority: { type: 'string' },
    });
    if (values.help) return showHelp(SET_HELP);
    const [queue] = expectPositionals(
      'queues set',
      positionals,
      ['queue'],
      'conveyor queues set <queue> --rate 20/1s',
    );
    const change: QueueFlowOptions = {};
    const globalConcurrency = limitFlag('global-concurrency', values['global-concurrency']);
    if (globalConcurrency !== undefined) change.globalConcurrency = globalConcurrency;
    const groupConcurrency = limitFlag('group-concurrency', values['group-concurrency']);
    if (groupConcurrency !== undefined) change.groupConcurrency = groupConcurrency;
    const rate = rateFlag('rate', values.rate);
    if (rate !== undefined) change.rateLimit = rate;
    const groupRate = rateFlag('group-rate', values['group-rate']);
    if (groupRate !== undefined) change.groupRateLimit = groupRate;
    const priority = intFlag('priority', values.priority);
    if (priority !== undefined) change.priority = priority;
    if (Object.keys(change).length === 0) {
      throw new UsageError('nothing to change; give at least one flag (see `conveyor queues set --help`)');
    }
    await withConveyor(context, values, { requireConfig: false, logger: commandLogger() }, (c) =>
      c.queues.configure(queue!, change),
    );
    if (values.json) printJson({ queue, change });
    else printLine(`${queue} updated`);
    return 0;
  },
};

export const queuesGroupCommand: Command = {
  name: 'queues group',
  summary: 'pause, resume, limit or weight one group of a queue',
  help: GROUP_HELP,
  async run(context) {
    const { values, positionals } = parseCommand('queues group', context.args, {
      pause: { type: 'boolean' },
      resume: { type: 'boolean' },
      concurrency: { type: 'string' },
      weight: { type: 'string' },
    });
    if (values.help) return showHelp(GROUP_HELP);
    const [queue, group] = expectPositionals(
      'queues group',
      positionals,
      ['queue', 'group'],
      'conveyor queues group <queue> <group> --pause',
    );
    if (values.pause && values.resume) throw new UsageError('give --pause or --resume, not both');
    const concurrency = limitFlag('concurrency', values.concurrency);
    const weight = intFlag('weight', values.weight);
    const change = {
      ...(values.pause ? { paused: true } : values.resume ? { paused: false } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(weight !== undefined ? { weight } : {}),
    };
    if (Object.keys(change).length === 0) {
      throw new UsageError('nothing to change; give --pause, --resume, --concurrency or --weight');
    }
    const row = await withConveyor(context, values, { requireConfig: false, logger: commandLogger() }, (c) =>
      c.queues.setGroup(queue!, group!, change),
    );
    if (values.json) printJson(row);
    else
      printLine(
        `${queue}/${group}: ${row.paused ? 'paused' : 'running'}, concurrency ${row.concurrency ?? 'queue default'}, weight ${row.weight}`,
      );
    return 0;
  },
};

export const queuesCommands: readonly Command[] = [
  queuesListCommand,
  queuesPauseCommand,
  queuesResumeCommand,
  queuesSetCommand,
  queuesGroupCommand,
];
