/**
 * Errors as HTTP responses, in one place: which status a ConveyorError code gets, what of it a
 * client may read, and the body, an RFC 9457 problem (`application/problem+json`):
 *
 *   { type, title, status, detail, code, field?, error: { code, message, field? } }
 *
 * `code` is the stable ConveyorError code (or an HTTP-level one: BAD_REQUEST, NOT_FOUND,
 * METHOD_NOT_ALLOWED, UNAUTHORIZED, INTERNAL), `type` is `urn:conveyor:problem:<code in
 * kebab-case>`, `field` names the offending input of a ValidationError. `error` repeats code,
 * detail and field in the shape Conveyor's endpoints answered before problem details, so clients
 * reading `error.code` keep working.
 *
 * Invariant: a client reads the message of a 4xx only. A 5xx says what kind of failure it was and
 * "see the server log" (the caller logs it): messages of server-side errors can name hosts,
 * schemas or SQL.
 */
import { ConveyorError, ValidationError } from '../core/errors.ts';

/** The body of every error response. */
export interface ProblemDetails {
  /** `urn:conveyor:problem:<code in kebab-case>`, e.g. `urn:conveyor:problem:validation`. */
  type: string;
  /** Short and the same for every problem of a type, e.g. `Invalid request`. */
  title: string;
  status: number;
  /** What went wrong and how to fix it (4xx); what kind of failure, for the server log (5xx). */
  detail: string;
  /** The ConveyorError code, or an HTTP-level one (BAD_REQUEST, NOT_FOUND, UNAUTHORIZED, INTERNAL…). */
  code: string;
  /** The offending input, for VALIDATION (e.g. `body`, `since`, `limit`). */
  field?: string;
  /** The same as `{ code, message: detail, field }`, the error shape of Conveyor's first endpoints. */
  error: { code: string; message: string; field?: string };
}

interface StatusRule {
  status: number;
  title: string;
  /** For a 5xx: the detail shown instead of the error's own message. */
  detail?: string;
}

/** ConveyorError code → HTTP status. Codes not listed are 500 Internal error. */
const STATUS_BY_CODE: Readonly<Record<string, StatusRule>> = {
  VALIDATION: { status: 400, title: 'Invalid request' },
  UNKNOWN_JOB: { status: 400, title: 'Unknown job' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  REQUEST_TOO_LARGE: { status: 413, title: 'Request too large' },
  SCHEDULE_NOT_FOUND: { status: 404, title: 'Schedule not found' },
  // The REST API's refusals (src/api/api-errors.ts).
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  DATABASE_UNAVAILABLE: {
    status: 503,
    title: 'Database unavailable',
    detail: 'the database is unreachable',
  },
  DATABASE_TIMEOUT: { status: 503, title: 'Database unavailable', detail: 'the database is unreachable' },
  // A lost connection, a deadlock, a full disk…: the request may pass if tried again.
  DATABASE_TRANSIENT: { status: 503, title: 'Database unavailable', detail: 'the database is unreachable' },
  MIGRATION_REQUIRED: {
    status: 503,
    title: 'Migration required',
    detail: 'the database schema is not up to date; see the server log',
  },
};

const INTERNAL: StatusRule = {
  status: 500,
  title: 'Internal error',
  detail: 'internal error; see the server log',
};

const kebab = (code: string): string => code.toLowerCase().replaceAll('_', '-');

/** A problem of Conveyor's own making (`code`, detail and field given by the caller). */
export function problem(
  status: number,
  code: string,
  detail: string,
  options: { title?: string; field?: string } = {},
): ProblemDetails {
  const field = options.field === undefined ? {} : { field: options.field };
  return {
    type: `urn:conveyor:problem:${kebab(code)}`,
    title: options.title ?? HTTP_PROBLEMS[status]?.title ?? 'Error',
    status,
    detail,
    code,
    ...field,
    error: { code, message: detail, ...field },
  };
}

/** The problem an error thrown by a handler becomes. */
export function problemFromError(error: unknown): ProblemDetails {
  if (error instanceof ConveyorError) {
    const rule = STATUS_BY_CODE[error.code];
    if (rule === undefined) return problem(500, 'INTERNAL', INTERNAL.detail!, { title: INTERNAL.title });
    const field = error instanceof ValidationError ? { field: error.field } : {};
    return problem(rule.status, error.code, rule.detail ?? error.message, { title: rule.title, ...field });
  }
  const status = httpStatusOf(error);
  if (status !== null && status < 500) {
    // A 4xx thrown by HTTP middleware (Hono's HTTPException): its message is meant for the client.
    const message = error instanceof Error && error.message !== '' ? error.message : 'request refused';
    return problem(status, httpCode(status), message);
  }
  return problem(500, 'INTERNAL', INTERNAL.detail!, { title: INTERNAL.title });
}

/** HTTP-level problems (not ConveyorErrors): their code and title. */
const HTTP_PROBLEMS: Readonly<Record<number, { code: string; title: string }>> = {
  400: { code: 'BAD_REQUEST', title: 'Bad request' },
  401: { code: 'UNAUTHORIZED', title: 'Unauthorized' },
  403: { code: 'FORBIDDEN', title: 'Forbidden' },
  404: { code: 'NOT_FOUND', title: 'Not found' },
  405: { code: 'METHOD_NOT_ALLOWED', title: 'Method not allowed' },
  413: { code: 'REQUEST_TOO_LARGE', title: 'Request too large' },
  429: { code: 'TOO_MANY_REQUESTS', title: 'Too many requests' },
};

/** The code of an HTTP-level problem (not a ConveyorError), e.g. 404 → NOT_FOUND. */
export function httpCode(status: number): string {
  return HTTP_PROBLEMS[status]?.code ?? `HTTP_${status}`;
}

/** The status of an HTTP-aware error (Hono's HTTPException and the like carry `status`). */
function httpStatusOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null || !('status' in error)) return null;
  const { status } = error as { status: unknown };
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : null;
}

/** An `application/problem+json` response, never cached. */
export function problemResponse(details: ProblemDetails, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(details), {
    status: details.status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
  });
}
