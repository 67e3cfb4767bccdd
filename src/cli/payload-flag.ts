/** `--payload`: inline JSON, or `@path` to read the JSON from a file. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './cli-error.ts';

const EXAMPLE = `--payload '{"userId":"u_1"}'`;

export function parsePayloadFlag(value: string | undefined, cwd: string): unknown {
  if (value === undefined) {
    throw new UsageError(
      `missing --payload; give the job's payload as JSON, e.g. ${EXAMPLE} (use '{}' for none)`,
    );
  }
  let text = value;
  let source = '--payload';
  if (value.startsWith('@')) {
    const path = resolve(cwd, value.slice(1));
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new UsageError(`--payload ${value}: cannot read ${path}`);
    }
    source = `--payload ${value}`;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `${source} is not valid JSON (${reason}); quote it for the shell and use double quotes inside, e.g. ${EXAMPLE}`,
    );
  }
}
