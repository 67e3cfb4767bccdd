import type { z } from 'zod';
import { ValidationError } from './errors.ts';
import { describeThrown } from './thrown-value.ts';

/** Turns the first zod issue into a ValidationError whose field is `prefix.path.to.field`. */
export function validationErrorFrom(error: z.ZodError, prefix: string): ValidationError {
  const issue = error.issues[0];
  if (!issue) return new ValidationError(prefix, 'is invalid');
  const path = issue.path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
    .join('');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return new ValidationError(`${prefix}${path}`.replace(/^\./, ''), `${issue.message}${more}`, {
    cause: error,
  });
}

/** Parses `value` with `schema` or throws a ValidationError naming the field under `prefix`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  let parsed: z.ZodSafeParseResult<z.output<S>>;
  try {
    parsed = schema.safeParse(value) as z.ZodSafeParseResult<z.output<S>>;
  } catch (error) {
    // A getter or Proxy trap that throws while the schema reads the value.
    throw new ValidationError(prefix, `cannot be read: ${describeThrown(error).message.slice(0, 200)}`);
  }
  if (!parsed.success) throw validationErrorFrom(parsed.error, prefix);
  return parsed.data;
}
