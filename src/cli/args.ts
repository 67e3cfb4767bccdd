/**
 * Flag parsing on Node's `util.parseArgs`: every command accepts the global flags plus its own;
 * unknown flags, missing values and stray arguments become a UsageError (exit code 2) that names
 * the flag and points to `--help`.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './cli-error.ts';

/** The slice of `util.parseArgs` option config the commands use. */
export type OptionSpecs = Record<string, { type: 'string' | 'boolean'; short?: string }>;

export const GLOBAL_OPTIONS = {
  config: { type: 'string' },
  'database-url': { type: 'string' },
  schema: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export const GLOBAL_HELP = `Global flags:
  --config <path>        config file (default ./conveyor.config.ts, then .js, .mjs)
  --database-url <url>   PostgreSQL connection string (overrides DATABASE_URL; none → embedded PGlite)
  --schema <name>        schema holding Conveyor's tables (default conveyor)
  --json                 machine-readable output and errors
  -h, --help             show help
  -v, --version          print the version (alone, before any command)`;

export interface GlobalFlags {
  config?: string | undefined;
  'database-url'?: string | undefined;
  schema?: string | undefined;
  json?: boolean | undefined;
  help?: boolean | undefined;
}

/** Splits argv into the command words (`dlq list`) and the rest, leaving global flags in place. */
export function splitCommand(
  argv: string[],
  depth: (first: string) => number,
): { words: string[]; rest: string[] } {
  const { tokens } = parseArgs({
    args: argv,
    options: GLOBAL_OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const positions: number[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') break;
    if (token.kind === 'positional') {
      if (positions.length > 0 && positions.at(-1) !== token.index - 1) break;
      positions.push(token.index);
      if (positions.length >= depth(argv[positions[0]!]!)) break;
    } else if (positions.length > 0) break;
  }
  const words = positions.map((index) => argv[index]!);
  return { words, rest: argv.filter((_, index) => !positions.includes(index)) };
}

/** The parsed flags of an option spec: booleans for boolean flags, strings for the rest. */
export type FlagValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string;
};

/** Parses a command's arguments (its own flags plus the global ones). */
export function parseCommand<const O extends OptionSpecs>(
  command: string,
  args: string[],
  options: O,
): { values: FlagValues<typeof GLOBAL_OPTIONS & O>; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return {
      values: parsed.values as FlagValues<typeof GLOBAL_OPTIONS & O>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new UsageError(`${describeParseError(error)}; see \`conveyor ${command} --help\``);
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown flag ${flag}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // "Option '--payload <value>' argument missing", "… argument is ambiguous" (followed by a flag),
    // "Option '--json' does not take an argument".
    const flag = /'(--?[\w-]+)/.exec(message)?.[1];
    if (flag && /argument missing|ambiguous/.test(message)) {
      return `${flag} needs a value (one starting with "-" is written ${flag}=-value)`;
    }
    if (flag && /does not take an argument/.test(message)) return `${flag} takes no value`;
  }
  return message.replace(/\. To specify.*$/s, '');
}

/** A whole number from a flag, or a UsageError naming the flag. */
export function intFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim()))
    throw new UsageError(`--${flag} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Exactly the positionals a command expects, else a UsageError. */
export function expectPositionals(
  command: string,
  positionals: string[],
  names: string[],
  example: string,
): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`missing <${names[positionals.length]}>; usage: ${example}`);
  }
  if (positionals.length > names.length) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(positionals[names.length])}; see \`conveyor ${command} --help\``,
    );
  }
  return positionals;
}
