/**
 * Finds and loads the config file. TypeScript configs load without a build through tsx's
 * `tsImport`, which compiles them in their own module graph (so their classes are not the CLI's;
 * see exit-codes.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConveyorOptions } from '../client/conveyor-options.ts';
import { CliError, UsageError } from './cli-error.ts';

export const CONFIG_FILES = ['conveyor.config.ts', 'conveyor.config.js', 'conveyor.config.mjs'];

export interface LoadedConfig {
  options: ConveyorOptions;
  /** The file it came from; null when none was found and none was required. */
  path: string | null;
}

/** Imports a module (TypeScript or JavaScript) by file path. */
export async function importFile(path: string): Promise<Record<string, unknown>> {
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
}

function isOptions(value: unknown): value is ConveyorOptions {
  return typeof value === 'object' && value !== null && 'jobs' in value;
}

/**
 * Loads `--config <path>` or the first of CONFIG_FILES in `cwd`. Without a file: `{ jobs: [] }`
 * when `required` is false (migrate, stats, dlq need no jobs), else a UsageError with the fix.
 */
export async function loadConfig(
  flag: string | undefined,
  cwd: string,
  required: boolean,
): Promise<LoadedConfig> {
  let path: string | undefined;
  if (flag !== undefined) {
    path = resolve(cwd, flag);
    if (!existsSync(path)) throw new UsageError(`--config: ${flag} does not exist (resolved to ${path})`);
  } else {
    path = CONFIG_FILES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate));
  }
  if (!path) {
    if (!required) return { options: { jobs: [] }, path: null };
    throw new UsageError(
      `no config file found in ${cwd} (looked for ${CONFIG_FILES.join(', ')}); create one that does ` +
        '`export default defineConfig({ jobs: [...] })`, or pass --config <path>',
    );
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = await importFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError('CONFIG', `could not load ${path}: ${reason}`);
  }
  // An ES module's default export; a CommonJS one arrives wrapped once more.
  const candidate = isOptions(loaded.default)
    ? loaded.default
    : (loaded.default as { default?: unknown } | undefined)?.default;
  if (!isOptions(candidate)) {
    throw new CliError(
      'CONFIG',
      `${path} must default-export the options: \`export default defineConfig({ jobs: [...] })\``,
    );
  }
  return { options: candidate, path };
}
