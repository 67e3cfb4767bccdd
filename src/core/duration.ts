import { ValidationError } from './errors.ts';

/** A duration: milliseconds as a number, or a string such as `500ms`, `30s`, `5m`, `2h`, `1d`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/** Parses a duration into whole milliseconds; `field` names the option in the error. */
export function parseDuration(value: Duration, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(field, `expected a non-negative number of milliseconds, got ${value}`);
    }
    return Math.round(value);
  }
  const match = PATTERN.exec(value.trim());
  if (!match) {
    throw new ValidationError(
      field,
      `"${value}" is not a duration; use milliseconds or e.g. "500ms", "30s", "5m", "2h", "1d"`,
    );
  }
  return Math.round(Number(match[1]) * (UNIT_MS[match[2]!] ?? 1));
}
