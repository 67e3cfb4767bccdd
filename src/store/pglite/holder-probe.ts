/**
 * Asks whatever listens on a folder's socket who it is, with a real PostgreSQL startup: a Conveyor
 * holder answers with ReadyForQuery after a ParameterStatus `conveyor.holder_pid`. The answer
 * decides what a newcomer does (see folder-lock.ts).
 */
import { connect } from 'node:net';
import { HOLDER_PID_PARAMETER } from './session-server.ts';
import {
  backendMessages,
  errorField,
  parameterValue,
  startupMessage,
  TERMINATE_MESSAGE,
} from './wire-messages.ts';

export type ProbeResult =
  /** A live Conveyor holder. */
  | { kind: 'holder'; pid: number }
  /** No socket file: nobody holds the folder. */
  | { kind: 'absent' }
  /** A socket file nobody listens on: its holder died. */
  | { kind: 'stale' }
  /** Accepted, then closed without an answer: a holder shutting down. */
  | { kind: 'closed' }
  /** Something answered, but not as a Conveyor holder. */
  | { kind: 'foreign'; reason: string }
  /** Accepted, but no answer within the timeout. */
  | { kind: 'silent' }
  /** The socket could not be tried (e.g. permissions). */
  | { kind: 'error'; error: NodeJS.ErrnoException };

/** Backend message types PostgreSQL may send in answer to a startup. */
const STARTUP_REPLIES = new Set(['R', 'S', 'K', 'Z', 'E', 'N', 'v']);

export function probeHolder(socketPath: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.kind === 'holder' && !socket.destroyed) socket.end(TERMINATE_MESSAGE);
      else socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'silent' }), timeoutMs);
    socket.on('connect', () => {
      socket.write(startupMessage({ user: 'postgres', database: 'postgres', application_name: 'conveyor' }));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') finish({ kind: 'absent' });
      else if (error.code === 'ECONNREFUSED') finish({ kind: 'stale' });
      else if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish({ kind: 'closed' });
      else finish({ kind: 'error', error });
    });
    socket.on('close', () => finish(received.length === 0 ? { kind: 'closed' } : incomplete(received)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const verdict = readStartupReply(received);
      if (verdict) finish(verdict);
    });
  });
}

function incomplete(received: Buffer): ProbeResult {
  return readStartupReply(received) ?? { kind: 'foreign', reason: 'it closed the connection mid-answer' };
}

/** The verdict once the reply is complete (or plainly not PostgreSQL); null while more is needed. */
function readStartupReply(received: Buffer): ProbeResult | null {
  const first = String.fromCharCode(received[0]!);
  if (!STARTUP_REPLIES.has(first)) {
    return { kind: 'foreign', reason: 'it does not speak the PostgreSQL protocol' };
  }
  let pid: number | null = null;
  for (const message of backendMessages(received)) {
    if (message.type === 'E') {
      const text = errorField(message.bytes, 'M') ?? 'an error';
      return { kind: 'foreign', reason: `a PostgreSQL server answered: ${text}` };
    }
    if (message.type === 'R' && message.bytes.length >= 9 && message.bytes.readInt32BE(5) !== 0) {
      return { kind: 'foreign', reason: 'a PostgreSQL server asked for a password' };
    }
    if (message.type === 'S') {
      const value = parameterValue(message.bytes, HOLDER_PID_PARAMETER);
      if (value !== undefined) pid = Number(value);
    }
    if (message.type === 'Z') {
      return pid !== null && Number.isInteger(pid)
        ? { kind: 'holder', pid }
        : { kind: 'foreign', reason: 'a PostgreSQL server that is not a Conveyor process answered' };
    }
  }
  return null;
}
