import type { JobFilter } from '../../core/job.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { brief, formatTable, printJson, printLine, printNote } from '../output.ts';

const FILTER_OPTIONS = {
  queue: { type: 'string' },
  name: { type: 'string' },
  tenant: { type: 'string' },
} as const;

const FILTER_HELP = `  --queue <q>      only this queue
  --name <job>     only this job
  --tenant <id>    only this tenant`;

const LIST_HELP = `Usage: conveyor dlq list [--queue Q] [--name JOB] [--tenant T] [--limit N] [--json]

Dead jobs (out of attempts): id, job, queue, tenant, attempts and the last error. --json adds every
attempt's error and the payload.

Flags:
${FILTER_HELP}
  --limit <n>      at most this many (default 100)`;

const REPLAY_HELP = `Usage: conveyor dlq replay <id…> | --all [--queue Q] [--name JOB] [--tenant T] [--json]

Sends dead jobs back to ready with fresh attempts (earlier errors stay on the job).

Flags:
  --all            every dead job (narrowed by the filters below)
${FILTER_HELP}`;

function filterOf(values: {
  queue?: string | undefined;
  name?: string | undefined;
  tenant?: string | undefined;
}): JobFilter {
  return {
    ...(values.queue !== undefined ? { queue: values.queue } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.tenant !== undefined ? { tenantId: values.tenant } : {}),
  };
}

export const dlqListCommand: Command = {
  name: 'dlq list',
  summary: 'list dead jobs with their last error',
  help: LIST_HELP,
  async run(context) {
    const { values, positionals } = parseCommand('dlq list', context.args, {
      ...FILTER_OPTIONS,
      limit: { type: 'string' },
    });
    if (values.help) return showHelp(LIST_HELP);
    expectPositionals('dlq list', positionals, [], 'conveyor dlq list [--queue Q]');
    const limit = intFlag('limit', values.limit) ?? 100;
    if (limit < 1) throw new UsageError(`--limit must be at least 1, got ${limit}`);
    const dead = await withConveyor(
      context,
      values,
      { requireConfig: false, logger: commandLogger() },
      (conveyor) => conveyor.deadLetters.list(filterOf(values), { limit }),
    );
    if (values.json) {
      printJson(
        dead.map((job) => ({
          id: job.id,
          name: job.name,
          queue: job.queue,
          tenantId: job.tenantId,
          attempts: job.attempt,
          maxAttempts: job.maxAttempts,
          lastError: job.errors.at(-1)?.message ?? null,
          finishedAt: job.finishedAt,
          payload: job.payload,
          errors: job.errors,
        })),
      );
      return 0;
    }
    if (dead.length === 0) {
      printLine('no dead jobs');
      return 0;
    }
    const rows = dead.map((job) => [
      job.id,
      job.name,
      job.queue,
      job.tenantId ?? '-',
      `${job.attempt}/${job.maxAttempts}`,
      brief(job.errors.at(-1)?.message ?? '-', 80).replace(/^"|"$/g, ''),
    ]);
    printLine(formatTable(['ID', 'JOB', 'QUEUE', 'TENANT', 'ATTEMPTS', 'LAST ERROR'], rows));
    if (dead.length === limit) printNote(`showing the first ${limit}; pass --limit for more`);
    return 0;
  },
};

export const dlqReplayCommand: Command = {
  name: 'dlq replay',
  summary: 'send dead jobs back to ready',
  help: REPLAY_HELP,
  async run(context) {
    const { values, positionals: ids } = parseCommand('dlq replay', context.args, {
      ...FILTER_OPTIONS,
      all: { type: 'boolean' },
    });
    if (values.help) return showHelp(REPLAY_HELP);
    if (values.all && ids.length > 0) throw new UsageError('give job ids or --all, not both');
    if (!values.all && ids.length === 0) {
      throw new UsageError(
        'missing job ids; usage: conveyor dlq replay <id…> (or --all); `conveyor dlq list` shows them',
      );
    }
    if (!values.all && (values.queue || values.name || values.tenant)) {
      throw new UsageError('--queue, --name and --tenant narrow --all; with ids, give only the ids');
    }
    const malformed = ids.find((id) => !/^\d+$/.test(id));
    if (malformed !== undefined)
      throw new UsageError(`${JSON.stringify(malformed)} is not a job id (ids are numbers)`);

    const replayed = await withConveyor(
      context,
      values,
      { requireConfig: false, logger: commandLogger() },
      (conveyor) => conveyor.deadLetters.replay(values.all ? { all: true, ...filterOf(values) } : { ids }),
    );
    const missing = ids.filter((id) => !replayed.includes(id));
    if (values.json) printJson({ replayed, notDead: missing });
    else if (replayed.length === 0) printLine('no dead jobs replayed');
    else printLine(`replayed ${replayed.length} job(s): ${replayed.join(', ')}`);
    if (missing.length > 0) {
      throw new CliError('NOT_DEAD', `not replayed (no dead job with this id): ${missing.join(', ')}`);
    }
    return 0;
  },
};

/** `conveyor dlq` alone: says which subcommand to use. */
export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'dead letters: list, replay',
  help: `Usage: conveyor dlq list [...] | conveyor dlq replay <id…|--all>\n\n${LIST_HELP}\n\n${REPLAY_HELP}`,
  async run(context) {
    const { values, positionals } = parseCommand('dlq', context.args, {});
    if (values.help) return showHelp(this.help);
    expectPositionals('dlq', positionals, ['list|replay'], 'conveyor dlq list | conveyor dlq replay <id…>');
    throw new UsageError(
      `unknown subcommand dlq ${positionals[0]}; use \`conveyor dlq list\` or \`conveyor dlq replay\``,
    );
  },
};
