/**
 * Classifies what a driver throws into the store's two typed errors, so that no driver error type
 * crosses the Store interface and every caller knows whether trying again can help:
 *
 *   transient (DatabaseTransientError): the write may succeed later, unchanged —
 *     SQLSTATE class 08 (connection exception), 53 (insufficient resources: disk full, out of
 *     memory, too many connections), 57P01–57P03 (admin/crash shutdown, cannot connect now), 57014
 *     (query cancelled, e.g. by a statement timeout), 58 (system I/O error), 40001 (serialization
 *     failure), 40P01 (deadlock), 55P03 (lock not available), 28 and 3D000 (login refused, database
 *     missing: raised when a new connection opens, and they pass when the operator fixes them);
 *     Node.js socket errors (ECONNRESET, ECONNREFUSED, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
 *     ENETDOWN, ECONNABORTED, ENOTFOUND, EAI_AGAIN); driver messages such as "Connection
 *     terminated" and timeouts; and any other error without a SQLSTATE (the client's own state).
 *   permanent (DatabaseRejectedError): every other SQLSTATE — class 22 (bad data: U+0000, invalid
 *     JSON, out of range), 23 (constraint), 42 (syntax, undefined object, privilege), 54 (program
 *     limit: nesting too deep), XX (internal) — and a TypeError/RangeError/SyntaxError thrown while
 *     the statement's input was built (a value that cannot be serialized).
 *
 * The typed error keeps the driver's message and code, and a plain Error copy of them as `cause`
 * (never the driver's object, which can hold the connection's parameters). A ConveyorError passes
 * through as it is: the driver's DatabaseTimeoutError (a bound ran out) counts as transient.
 */
import { ConveyorError, DatabaseRejectedError, DatabaseTransientError } from '../core/errors.ts';
import { storableText } from '../core/storable-value.ts';
import { describeThrown } from '../core/thrown-value.ts';

/** Five digits or capitals, at least one a digit (a Node.js code such as EPIPE has none). */
const SQLSTATE = /^(?=.*\d)[0-9A-Z]{5}$/;
const TRANSIENT_CLASSES = new Set(['08', '53', '58', '28']);
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '57014', '40001', '40P01', '55P03', '3D000']);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** Driver messages of a lost or unusable connection (node-postgres sets no code on these). */
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout/i,
  /connection error/i,
  /not queryable/i,
  /socket/i,
];
const MESSAGE_MAX_CHARS = 500;

/** Whether a SQLSTATE names a failure that may pass (see the list above). */
export function isTransientSqlState(sqlState: string): boolean {
  return TRANSIENT_STATES.has(sqlState) || TRANSIENT_CLASSES.has(sqlState.slice(0, 2));
}

function codeOf(error: unknown): string | null {
  try {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

function isConveyorError(error: unknown): error is ConveyorError {
  try {
    return error instanceof ConveyorError;
  } catch {
    return false;
  }
}

function isInputError(error: unknown): boolean {
  try {
    return error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError;
  } catch {
    return false;
  }
}

/** A plain copy of the driver error's code and message, safe to keep and log. */
function plainCause(message: string, code: string | null): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

/**
 * The store's typed error for anything a driver (or the building of a statement's input) threw.
 * A ConveyorError passes through unchanged. Never throws.
 */
export function storeErrorFrom(error: unknown): ConveyorError {
  if (isConveyorError(error)) return error;
  const code = codeOf(error);
  const message = storableText(describeThrown(error).message, MESSAGE_MAX_CHARS);
  const cause = plainCause(message, code);
  const failure = { code, databaseMessage: message };
  if (code !== null && !TRANSIENT_NODE_CODES.has(code) && SQLSTATE.test(code)) {
    if (isTransientSqlState(code)) {
      return new DatabaseTransientError(
        `database unavailable for now: ${message} (SQLSTATE ${code})`,
        failure,
        {
          cause,
        },
      );
    }
    return new DatabaseRejectedError(
      `the database refused the write: ${message} (SQLSTATE ${code})`,
      failure,
      {
        cause,
      },
    );
  }
  const connectionLost =
    (code !== null && TRANSIENT_NODE_CODES.has(code)) || CONNECTION_MESSAGES.some((m) => m.test(message));
  if (!connectionLost && isInputError(error)) {
    return new DatabaseRejectedError(
      `the write could not be prepared: ${message}`,
      { code: null, databaseMessage: message },
      { cause },
    );
  }
  return new DatabaseTransientError(
    `database unavailable for now: ${message}${code ? ` (${code})` : ''}`,
    failure,
    { cause },
  );
}

/** Whether trying the write again later may help (anything not known to be permanent). */
export function isTransientStoreError(error: unknown): boolean {
  return (
    !(error instanceof DatabaseRejectedError) && !(storeErrorFrom(error) instanceof DatabaseRejectedError)
  );
}

/** Runs `work`, rethrowing whatever it throws as the store's typed error. */
export async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw storeErrorFrom(error);
  }
}
