/** What every `conveyor` command provides, and what it receives. */
import type { Conveyor } from '../client/conveyor.ts';
import type { ConveyorOptions } from '../client/conveyor-options.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';
import type { Logger } from '../log/logger.ts';
import { GLOBAL_HELP, type GlobalFlags } from './args.ts';
import { effectiveDatabaseUrl, openConveyor } from './cli-conveyor.ts';
import { loadConfig } from './load-config.ts';
import { printLine } from './output.ts';

export interface CommandContext {
  /** Arguments after the command words. */
  args: string[];
  cwd: string;
  /** Records the connection string in effect, so an error can name its host (never its password). */
  useDatabaseUrl(url: string | null): void;
}

export interface Command {
  /** The words that select it, e.g. `dlq list`. */
  name: string;
  summary: string;
  /** Full help text (usage, flags, examples). */
  help: string;
  /** Runs the command; resolves to the exit code. */
  run(context: CommandContext): Promise<number>;
}

export function showHelp(help: string): number {
  printLine(`${help}\n\n${GLOBAL_HELP}`);
  return 0;
}

/**
 * Loads the config and opens a Conveyor with the global flags applied; `work` runs with it and the
 * Conveyor is closed afterwards, whatever happens.
 */
export async function withConveyor<T>(
  context: CommandContext,
  flags: GlobalFlags,
  setup: {
    requireConfig: boolean;
    logger: Logger;
    overrides?: Partial<ConveyorOptions>;
    /** Replaces the config's job definitions (e.g. to wrap their handlers). */
    mapJobs?: (jobs: AnyJobDefinition[]) => AnyJobDefinition[];
  },
  work: (conveyor: Conveyor, options: ConveyorOptions) => Promise<T>,
): Promise<T> {
  context.useDatabaseUrl(effectiveDatabaseUrl(null, flags));
  const { options } = await loadConfig(flags.config, context.cwd, setup.requireConfig);
  context.useDatabaseUrl(effectiveDatabaseUrl(options, flags));
  const jobs = setup.mapJobs && Array.isArray(options.jobs) ? setup.mapJobs(options.jobs) : options.jobs;
  const conveyor = openConveyor({ ...options, jobs }, flags, setup.logger, setup.overrides);
  try {
    return await work(conveyor, options);
  } finally {
    await conveyor.close().catch(() => {});
  }
}
