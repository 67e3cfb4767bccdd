/** `conveyor schedules list|get|add|pause|resume|remove`: cron schedules at runtime, with next fires. */
import type { ScheduleInfo } from '../../scheduler/schedule-definition.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { formatTable, printJson, printLine } from '../output.ts';
import { parsePayloadFlag } from '../payload-flag.ts';

const HELP = `Usage: conveyor schedules <list|get|add|pause|resume|remove> [...]

  conveyor schedules list [--tenant T] [--prefix P] [--fire-times N] [--json]
  conveyor schedules get <name> [--fire-times N] [--json]
  conveyor schedules add <name> --job JOB --cron "0 2 * * *" [--timezone Europe/Berlin]
                         [--payload JSON|@file] [--tenant T] [--missed skip|runOnce|catchUp:N]
                         [--overlap skip|allow|queue] [--run-on-start] [--paused] [--json]
  conveyor schedules pause|resume|remove <name> [--json]

Schedules fire while any process runs a worker (or \`conveyor schedules\`' API is ticked). Schedules
declared in the config's \`schedules\` are re-applied at each start; ones added here stay until
removed. --fire-times sets how many next fire times to show (default 3).`;

const OPTIONS = {
  job: { type: 'string' },
  cron: { type: 'string' },
  timezone: { type: 'string' },
  payload: { type: 'string' },
  tenant: { type: 'string' },
  prefix: { type: 'string' },
  missed: { type: 'string' },
  overlap: { type: 'string' },
  'run-on-start': { type: 'boolean' },
  paused: { type: 'boolean' },
  'fire-times': { type: 'string' },
} as const;

function parseMissed(value: string | undefined) {
  if (value === undefined) return undefined;
  if (value === 'skip' || value === 'runOnce') return value;
  const match = /^catchUp:(\d+)$/.exec(value);
  if (match) return { catchUp: Number(match[1]) };
  throw new UsageError(`--missed must be skip, runOnce or catchUp:N, got ${JSON.stringify(value)}`);
}

function printSchedules(schedules: ScheduleInfo[], json: boolean | undefined): void {
  if (json) {
    printJson(schedules);
    return;
  }
  if (schedules.length === 0) {
    printLine('no schedules');
    return;
  }
  const rows = schedules.map((s) => [
    s.name,
    s.job,
    s.cron,
    s.timezone,
    s.tenantId ?? '-',
    s.paused ? 'paused' : 'active',
    s.source,
    s.nextFireTimes.map((d) => d.toISOString()).join(', ') || '-',
  ]);
  printLine(
    formatTable(['NAME', 'JOB', 'CRON', 'TIMEZONE', 'TENANT', 'STATE', 'SOURCE', 'NEXT FIRES'], rows),
  );
}

export const schedulesCommand: Command = {
  name: 'schedules',
  summary: 'cron schedules: list, get, add, pause, resume, remove',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('schedules', context.args, OPTIONS);
    if (values.help) return showHelp(HELP);
    const [action, ...rest] = positionals;
    const fireTimes = intFlag('fire-times', values['fire-times']) ?? 3;
    const named = (): string =>
      expectPositionals(`schedules ${action}`, rest, ['name'], `conveyor schedules ${action} <name>`)[0]!;
    const setup = { requireConfig: action === 'add', logger: commandLogger() };
    switch (action) {
      case 'list': {
        expectPositionals('schedules list', rest, [], 'conveyor schedules list');
        const list = await withConveyor(context, values, setup, (conveyor) =>
          conveyor.schedules.list({
            fireTimes,
            ...(values.tenant !== undefined ? { tenantId: values.tenant } : {}),
            ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
          }),
        );
        printSchedules(list, values.json);
        return 0;
      }
      case 'get': {
        const name = named();
        const info = await withConveyor(context, values, setup, (c) => c.schedules.get(name, { fireTimes }));
        if (!info) throw new CliError('SCHEDULE_NOT_FOUND', `no schedule named "${name}"`);
        printSchedules([info], values.json);
        return 0;
      }
      case 'add': {
        const name = named();
        if (!values.job) throw new UsageError('missing --job; the job to enqueue, e.g. --job ics-sync');
        if (!values.cron) throw new UsageError('missing --cron, e.g. --cron "*/5 * * * *"');
        const missed = parseMissed(values.missed);
        const payload =
          values.payload === undefined ? undefined : parsePayloadFlag(values.payload, context.cwd);
        const info = await withConveyor(context, values, setup, (conveyor) =>
          conveyor.schedules.add({
            name,
            job: values.job!,
            cron: values.cron!,
            ...(values.timezone !== undefined ? { timezone: values.timezone } : {}),
            ...(payload !== undefined ? { payload } : {}),
            ...(values.tenant !== undefined ? { tenantId: values.tenant } : {}),
            ...(missed !== undefined ? { missed } : {}),
            ...(values.overlap !== undefined ? { overlap: values.overlap as 'skip' } : {}),
            ...(values['run-on-start'] ? { runOnStart: true } : {}),
            ...(values.paused ? { paused: true } : {}),
          }),
        );
        printSchedules([{ ...info, nextFireTimes: info.nextFireTimes.slice(0, fireTimes) }], values.json);
        return 0;
      }
      case 'pause':
      case 'resume': {
        const name = named();
        const info = await withConveyor(context, values, setup, (c) =>
          action === 'pause' ? c.schedules.pause(name) : c.schedules.resume(name),
        );
        printSchedules([{ ...info, nextFireTimes: info.nextFireTimes.slice(0, fireTimes) }], values.json);
        return 0;
      }
      case 'remove': {
        const name = named();
        const removed = await withConveyor(context, values, setup, (c) => c.schedules.remove(name));
        if (!removed) throw new CliError('SCHEDULE_NOT_FOUND', `no schedule named "${name}"`);
        if (values.json) printJson({ removed: name });
        else printLine(`removed schedule ${name}`);
        return 0;
      }
      default:
        throw new UsageError(
          `${action === undefined ? 'missing subcommand' : `unknown subcommand "schedules ${action}"`}; use list, get, add, pause, resume or remove (see \`conveyor schedules --help\`)`,
        );
    }
  },
};
