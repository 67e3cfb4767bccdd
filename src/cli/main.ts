/**
 * The `conveyor` command. `bin/conveyor.js` runs the compiled file; in development run it with
 * `npx tsx src/cli/main.ts <command>`. Exit codes: 0 ok, 1 failure, 2 bad usage, 3 unknown job,
 * 4 validation error, 5 database unreachable (exit-codes.ts).
 */
import { readFileSync } from 'node:fs';
import { GLOBAL_HELP, splitCommand } from './args.ts';
import { UsageError } from './cli-error.ts';
import type { Command } from './command.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { devCommand } from './commands/dev.ts';
import { dlqCommand, dlqListCommand, dlqReplayCommand } from './commands/dlq.ts';
import { enqueueCommand } from './commands/enqueue.ts';
import { gatewayCommand } from './commands/gateway.ts';
import { keysCommands } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { queuesCommands } from './commands/queues.ts';
import { runCommand } from './commands/run.ts';
import { schedulesCommand } from './commands/schedules.ts';
import { statsCommand } from './commands/stats.ts';
import { workerCommand } from './commands/worker.ts';
import { classifyError } from './exit-codes.ts';
import { printError, printLine } from './output.ts';

const COMMANDS: readonly Command[] = [
  migrateCommand,
  workerCommand,
  enqueueCommand,
  runCommand,
  statsCommand,
  schedulesCommand,
  dlqListCommand,
  dlqReplayCommand,
  ...queuesCommands,
  ...keysCommands,
  dashboardCommand,
  devCommand,
  gatewayCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `Usage: conveyor <command> [flags]

Commands:
${lines.join('\n')}

${GLOBAL_HELP}

Run \`conveyor <command> --help\` for a command's flags.`;
}

/** The package's version: package.json is two folders up from both src/cli and dist/cli. */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(manifest.version);
}

function findCommand(words: string[]): Command | undefined {
  const [first, second] = words;
  if (first === 'dlq') {
    if (second === undefined) return dlqCommand;
    return COMMANDS.find((command) => command.name === `dlq ${second}`);
  }
  if (first === 'queues') return COMMANDS.find((command) => command.name === `queues ${second ?? 'list'}`);
  if (first === 'keys') return COMMANDS.find((command) => command.name === `keys ${second ?? 'list'}`);
  return COMMANDS.find((command) => command.name === first);
}

/** Runs the CLI on `argv` (without `node` and the script); resolves to the exit code. */
async function main(argv: string[], cwd = process.cwd()): Promise<number> {
  const json = argv.includes('--json');
  let databaseUrl: string | null = process.env.DATABASE_URL ?? null;
  try {
    const { words, rest } = splitCommand(argv, (first) =>
      first === 'dlq' || first === 'queues' || first === 'keys' ? 2 : 1,
    );
    if (words.length === 0 && (argv[0] === '--version' || argv[0] === '-v')) {
      printLine(version());
      return 0;
    }
    if (words.length === 0 || words[0] === 'help') {
      const target =
        words[0] === 'help' ? findCommand(rest.filter((arg) => !arg.startsWith('-'))) : undefined;
      if (target) printLine(target.help);
      else if (words.length === 0 && !argv.includes('--help') && !argv.includes('-h')) {
        process.stderr.write(`${overview()}\n`);
        return 2;
      } else printLine(overview());
      return 0;
    }
    const command = findCommand(words);
    if (!command) {
      const known = COMMANDS.map((c) => c.name).join(', ');
      throw new UsageError(
        `unknown command "${words.join(' ')}"; commands: ${known} (see \`conveyor --help\`)`,
      );
    }
    return await command.run({
      args: rest,
      cwd,
      useDatabaseUrl(url) {
        databaseUrl = url;
      },
    });
  } catch (error) {
    const classified = classifyError(error, databaseUrl);
    printError(classified, json);
    return classified.exitCode;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now; if a stray handle (a user's timer, a socket) keeps the loop alive,
// do not hang the shell.
setTimeout(() => process.exit(code), 2_000).unref();
