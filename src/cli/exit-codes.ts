/**
 * Exit codes of `conveyor`, and the mapping from any thrown error to one of them plus a one-line,
 * secret-free message. Errors are recognised by their `code` (not `instanceof`): a config file is
 * loaded through its own module graph, so its error classes are not the CLI's.
 */
import { describeConnection } from '../store/postgres/pg-driver.ts';

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  unknownJob: 3,
  validation: 4,
  databaseUnavailable: 5,
} as const;

export interface ClassifiedError {
  exitCode: number;
  code: string;
  message: string;
}

/** Error codes of a PostgreSQL connection that could not be made (socket, DNS, auth, database). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name: the database does not exist
  '57P03', // cannot_connect_now: the server is starting up
]);
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout expired/i,
  /timeout exceeded when trying to connect/i,
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || codeOf(error) || error.name;
  return String(error);
}

/** The connection failure inside `error` (itself, its cause, or one of an AggregateError's), if any. */
function connectionFailure(error: unknown, depth = 0): unknown {
  if (error === null || error === undefined || depth > 4) return undefined;
  const code = codeOf(error);
  if (code !== undefined && CONNECTION_CODES.has(code)) return error;
  if (code === undefined && CONNECTION_MESSAGES.some((pattern) => pattern.test(messageOf(error))))
    return error;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = connectionFailure(inner, depth + 1);
      if (found) return found;
    }
  }
  return connectionFailure((error as { cause?: unknown }).cause, depth + 1);
}

/** Replaces the password of `databaseUrl` wherever it appears in `text`. */
export function redact(text: string, databaseUrl: string | null): string {
  if (!databaseUrl) return text;
  let out = text;
  try {
    const url = new URL(databaseUrl);
    for (const secret of [url.password, decodeURIComponent(url.password)]) {
      if (secret) out = out.split(secret).join('***');
    }
  } catch {
    // Not a URL: a full connection string is never echoed below, so there is nothing to redact.
  }
  return out.split(databaseUrl).join(describeConnection(databaseUrl));
}

/**
 * Maps an error to its exit code and message. `databaseUrl` is the effective connection string
 * (flag, config or DATABASE_URL), used to name the host and to keep its password out of messages.
 */
export function classifyError(error: unknown, databaseUrl: string | null): ClassifiedError {
  const code = codeOf(error);
  const exitCode = (error as { exitCode?: unknown } | null)?.exitCode;
  if (typeof exitCode === 'number' && code) {
    return { exitCode, code, message: redact(messageOf(error), databaseUrl) };
  }
  if (code === 'UNKNOWN_JOB') return { exitCode: ExitCode.unknownJob, code, message: messageOf(error) };
  if (code === 'VALIDATION' || code === 'PAYLOAD_TOO_LARGE') {
    return { exitCode: ExitCode.validation, code, message: redact(messageOf(error), databaseUrl) };
  }
  // The embedded folder's errors (they carry `folder`) name the folder and the fix; they are not
  // about DATABASE_URL.
  if (code !== undefined && typeof (error as { folder?: unknown }).folder === 'string') {
    return { exitCode: ExitCode.databaseUnavailable, code, message: messageOf(error) };
  }
  // A bound that ran out (the server stopped answering) and a lost connection are the database
  // being unreachable too, whatever the statement.
  const unreachable =
    code === 'DATABASE_UNAVAILABLE' || code === 'DATABASE_TIMEOUT' || code === 'DATABASE_TRANSIENT';
  const failure = unreachable ? (error as { cause?: unknown }).cause : connectionFailure(error);
  if (unreachable || failure !== undefined) {
    const target = databaseUrl ? describeConnection(databaseUrl) : 'the embedded database';
    const reason = failure !== undefined ? ` (${messageOf(failure)})` : '';
    return {
      exitCode: ExitCode.databaseUnavailable,
      code: 'DATABASE_UNAVAILABLE',
      message: redact(
        `cannot reach the database at ${target}${reason}; check --database-url / DATABASE_URL and that PostgreSQL is running`,
        databaseUrl,
      ),
    };
  }
  return {
    exitCode: ExitCode.failure,
    code: code ?? 'ERROR',
    message: redact(messageOf(error), databaseUrl),
  };
}
