/**
 * The stored form of a failed attempt's error. Total: whatever was thrown (see thrown-value.ts),
 * this returns a plain AttemptError that PostgreSQL can store — U+0000 and lone surrogates replaced
 * by U+FFFD, and each text capped, with a marker saying how much was cut:
 *   message 8,192 characters, stack 16,384, name and code 256.
 * Before the caps a 1 MB message was stored in full per attempt, in the job row and in every run row.
 */
import type { AttemptError } from '../core/job.ts';
import { storableText } from '../core/storable-value.ts';
import { describeThrown } from '../core/thrown-value.ts';

export const MAX_ERROR_MESSAGE_CHARS = 8_192;
export const MAX_ERROR_STACK_CHARS = 16_384;
export const MAX_ERROR_NAME_CHARS = 256;

function isoOf(at: Date): string {
  const ms = at instanceof Date ? at.getTime() : Number.NaN;
  return new Date(Number.isFinite(ms) ? ms : Date.now()).toISOString();
}

/** The stored form of whatever a handler threw; never throws. */
export function attemptErrorFrom(thrown: unknown, attempt: number, at: Date): AttemptError {
  const { name, message, stack, code } = describeThrown(thrown);
  return {
    attempt,
    name: storableText(name, MAX_ERROR_NAME_CHARS),
    message: storableText(message, MAX_ERROR_MESSAGE_CHARS),
    ...(stack ? { stack: storableText(stack, MAX_ERROR_STACK_CHARS) } : {}),
    ...(code ? { code: storableText(code, MAX_ERROR_NAME_CHARS) } : {}),
    at: isoOf(at),
  };
}

/**
 * The error of an attempt whose outcome the database refused: a completion whose result it could
 * not store (RESULT_REJECTED, retried by policy), or a failure whose error it could not store
 * (ERROR_REJECTED: the minimal error written in place of the original). Only safe text.
 */
export function rejectedOutcomeError(
  kind: 'RESULT_REJECTED' | 'ERROR_REJECTED',
  refusal: { sqlState: string | null; databaseMessage: string },
  attempt: number,
  at: Date,
): AttemptError {
  const what =
    kind === 'RESULT_REJECTED'
      ? 'the database refused to store the handler result'
      : "the database refused to store this attempt's error, so it is not kept";
  const said = refusal.sqlState
    ? `SQLSTATE ${refusal.sqlState}: ${refusal.databaseMessage}`
    : refusal.databaseMessage;
  return {
    attempt,
    name: kind === 'RESULT_REJECTED' ? 'ResultRejectedError' : 'ErrorRejectedError',
    message: storableText(`${what} (${said})`, 1_024),
    code: kind,
    at: isoOf(at),
  };
}
