/** Output of `conveyor`: results on stdout (text or JSON), errors on stderr as one line or JSON. */
import type { ClassifiedError } from './exit-codes.ts';

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Notes for a person (not part of the result) go to stderr, so stdout stays pipeable. */
export function printNote(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function printError(error: ClassifiedError, json: boolean): void {
  if (json)
    process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
  else process.stderr.write(`conveyor: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
}

/** A left-aligned text table; numeric columns are right-aligned. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const numeric = headers.map(
    (_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'),
  );
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** Shortens a value's JSON for one line of output. */
export function brief(value: unknown, max = 120): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
