/**
 * What of an error may go into a log line: its type, code, message and stack, capped, and the same
 * of its cause (two levels). Nothing else: a driver's error can carry the whole client object (pg's
 * pool puts the Client on `err.client`: connection parameters, every prepared statement's SQL), and
 * pino's standard serializer would write every enumerable field of it (10+ KB per line).
 *
 * Every call site that logs an error passes it through `safeError` (callers may bring their own
 * pino logger, whose serializers we do not control), and `createLogger` also installs it as the
 * `err` serializer. Total: it never throws, whatever it is given (throwing getters, cycles, proxies).
 */

export interface SafeError {
  type: string;
  code?: string;
  message: string;
  stack?: string;
  cause?: SafeError;
}

/** Longest message kept, in characters. */
export const MAX_MESSAGE = 1_000;
/** Longest stack kept, in characters (about 15 frames). */
export const MAX_STACK = 1_500;
const MAX_DEPTH = 2;

function capped(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** A field read that survives throwing getters and proxies. */
function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function typeOf(value: object): string {
  for (const key of ['name', 'type']) {
    const name = read(value, key);
    if (typeof name === 'string' && name !== '') return capped(name, 100);
  }
  try {
    return capped(Object.getPrototypeOf(value)?.constructor?.name || 'Object', 100);
  } catch {
    return 'Object';
  }
}

function describe(value: unknown, depth: number): SafeError {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    let message: string;
    try {
      message = String(value);
    } catch {
      message = typeof value;
    }
    return { type: typeof value, message: capped(message, MAX_MESSAGE) };
  }
  const fields: SafeError = { type: typeOf(value), message: '' };
  const code = read(value, 'code');
  if (typeof code === 'string' || typeof code === 'number') fields.code = capped(String(code), 100);
  const message = read(value, 'message');
  if (typeof message === 'string') fields.message = capped(message, MAX_MESSAGE);
  const stack = read(value, 'stack');
  if (typeof stack === 'string') fields.stack = capped(stack, MAX_STACK);
  const cause = read(value, 'cause');
  if (cause !== undefined && cause !== value && depth < MAX_DEPTH) fields.cause = describe(cause, depth + 1);
  return fields;
}

/** The loggable fields of any thrown value (log it as `{ err: safeError(error) }`). */
export function safeError(error: unknown): SafeError {
  return describe(error, 0);
}
