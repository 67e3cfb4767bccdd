import type { AnyJobDefinition } from '../../core/job-definition.ts';
import { expectPositionals, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { CliError } from '../cli-error.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { printJson, printNote } from '../output.ts';
import { parsePayloadFlag } from '../payload-flag.ts';

const HELP = `Usage: conveyor run <job> --payload <json> [--tenant T] [--dry-run] [--json]

Runs one job in this process, without the queue, and prints what its handler returned (as JSON).
The payload is validated exactly as for enqueue. Handler logs go to stderr.

Flags:
  --payload <json|@file>   the payload as JSON (required; '{}' for none), or @path to a JSON file
  --tenant <id>            tenant to run it for
  --dry-run                the handler sees dryRun: true and should compute and report, writing nothing
  --json                   print { result, durationMs }

Example:
  conveyor run cleanup-tenant --payload '{"days":30}' --tenant acme --dry-run`;

const OPTIONS = {
  payload: { type: 'string' },
  tenant: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

export const runCommand: Command = {
  name: 'run',
  summary: 'run one job in-process and print its result',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('run', context.args, OPTIONS);
    if (values.help) return showHelp(HELP);
    const [name] = expectPositionals('run', positionals, ['job'], "conveyor run <job> --payload '{…}'");
    const payload = parsePayloadFlag(values.payload, context.cwd);
    const dryRun = values['dry-run'] ?? false;

    // Mark the handler's start, so a failure of the handler (exit 1) is told apart from a payload
    // the job rejected before running (exit 4).
    let started = false;
    const outcome = await withConveyor(
      context,
      values,
      {
        requireConfig: true,
        logger: commandLogger('info'),
        mapJobs: (jobs) =>
          jobs.map(
            (job): AnyJobDefinition =>
              job && typeof job.handler === 'function'
                ? {
                    ...job,
                    handler: (jobContext) => {
                      started = true;
                      return job.handler(jobContext);
                    },
                  }
                : job,
          ),
      },
      (conveyor) =>
        conveyor.run(name!, payload, { ...(values.tenant ? { tenantId: values.tenant } : {}), dryRun }),
    ).catch((error: unknown) => {
      if (!started) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new CliError('JOB_FAILED', `job "${name}" failed: ${message}`);
    });
    if (values.json) printJson({ result: outcome.result ?? null, durationMs: outcome.durationMs, dryRun });
    else {
      printJson(outcome.result ?? null);
      printNote(`ran ${name} in ${outcome.durationMs} ms${dryRun ? ' (dry run)' : ''}`);
    }
    return 0;
  },
};
