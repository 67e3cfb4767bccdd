/**
 * The few pieces of the PostgreSQL wire protocol (v3) the folder's session server needs: cutting
 * what a client sends into whole messages, walking what PGlite answers, and building the handful
 * of messages the server writes itself. Nothing here does I/O.
 *
 * Frontend messages are `type (1 byte) · length (int32, counting itself) · body`, except the
 * first ones of a connection (startup, SSLRequest, GSSENCRequest, CancelRequest), which have no
 * type byte and are told apart by the int32 code after the length.
 */

/** Codes of the untyped messages a connection may open with. */
const PROTOCOL_3 = 196_608;
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;
/** PostgreSQL refuses messages over 1 GB; so does this server (a wrong length is not a stall). */
const MAX_MESSAGE = 1 << 30;

export type FrontendMessage =
  | { kind: 'startup'; bytes: Buffer }
  | { kind: 'encryption-request' }
  | { kind: 'cancel' }
  | { kind: 'typed'; type: string; bytes: Buffer };

export class ProtocolViolation extends Error {}

/**
 * Cuts the whole messages off the front of `input`; `rest` is an incomplete tail to keep for the
 * next read. `started` says whether the connection's startup message has been seen.
 */
export function splitFrontend(
  input: Buffer,
  started: boolean,
): { messages: FrontendMessage[]; rest: Buffer; started: boolean } {
  const messages: FrontendMessage[] = [];
  let offset = 0;
  let inStartup = !started;
  for (;;) {
    if (inStartup) {
      if (input.length - offset < 8) break;
      const length = input.readInt32BE(offset);
      const code = input.readInt32BE(offset + 4);
      if (length < 8 || length > 10_000) throw new ProtocolViolation(`bad startup length ${length}`);
      if (input.length - offset < length) break;
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) messages.push({ kind: 'encryption-request' });
      else if (code === CANCEL_REQUEST) messages.push({ kind: 'cancel' });
      else if (code === PROTOCOL_3) {
        messages.push({ kind: 'startup', bytes: input.subarray(offset, offset + length) });
        inStartup = false;
      } else throw new ProtocolViolation(`unsupported protocol code ${code}`);
      offset += length;
      continue;
    }
    if (input.length - offset < 5) break;
    const length = input.readInt32BE(offset + 1);
    if (length < 4 || length > MAX_MESSAGE) throw new ProtocolViolation(`bad message length ${length}`);
    if (input.length - offset < 1 + length) break;
    const type = String.fromCharCode(input[offset]!);
    messages.push({ kind: 'typed', type, bytes: input.subarray(offset, offset + 1 + length) });
    offset += 1 + length;
  }
  return { messages, rest: input.subarray(offset), started: !inStartup };
}

export interface BackendMessage {
  type: string;
  /** The whole message, type byte included. */
  bytes: Buffer;
}

/** Walks whole backend messages (PGlite flushes whole messages at the end of every call); stops at an incomplete or malformed one. */
export function* backendMessages(output: Buffer): Generator<BackendMessage> {
  let offset = 0;
  while (output.length - offset >= 5) {
    const length = output.readInt32BE(offset + 1);
    const end = offset + 1 + length;
    // A length below 4 is not PostgreSQL (a probe may read anything): stop rather than loop.
    if (length < 4 || end > output.length) return;
    yield { type: String.fromCharCode(output[offset]!), bytes: output.subarray(offset, end) };
    offset = end;
  }
}

export interface Notification {
  pid: number;
  channel: string;
  payload: string;
}

function cString(bytes: Buffer, from: number): { text: string; next: number } {
  const end = bytes.indexOf(0, from);
  const stop = end === -1 ? bytes.length : end;
  return { text: bytes.toString('utf8', from, stop), next: stop + 1 };
}

/** NotificationResponse ('A'): int32 pid, channel\0, payload\0. */
export function readNotification(message: Buffer): Notification {
  const pid = message.readInt32BE(5);
  const channel = cString(message, 9);
  const payload = cString(message, channel.next);
  return { pid, channel: channel.text, payload: payload.text };
}

/** The transaction status of a ReadyForQuery ('Z'): `I` idle, `T` in a transaction, `E` failed one. */
export function readyStatus(message: Buffer): string {
  return String.fromCharCode(message[5]!);
}

/** The SQL text of a simple Query ('Q'). */
export function queryText(message: Buffer): string {
  return cString(message, 5).text;
}

/** The value of a ParameterStatus ('S') message, if it names `name`. */
export function parameterValue(message: Buffer, name: string): string | undefined {
  const key = cString(message, 5);
  return key.text === name ? cString(message, key.next).text : undefined;
}

/** The first ErrorResponse field of type `field` (e.g. `M` message, `C` SQLSTATE). */
export function errorField(message: Buffer, field: string): string | undefined {
  let offset = 5;
  while (offset < message.length && message[offset] !== 0) {
    const type = String.fromCharCode(message[offset]!);
    const value = cString(message, offset + 1);
    if (type === field) return value.text;
    offset = value.next;
  }
  return undefined;
}

function typed(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

const z = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');

export function notificationMessage(notification: Notification): Buffer {
  const pid = Buffer.alloc(4);
  pid.writeInt32BE(notification.pid);
  return typed('A', pid, z(notification.channel), z(notification.payload));
}

export function parameterStatusMessage(name: string, value: string): Buffer {
  return typed('S', z(name), z(value));
}

export function readyForQueryMessage(status: 'I' | 'T' | 'E'): Buffer {
  return typed('Z', Buffer.from(status, 'latin1'));
}

export function commandCompleteMessage(tag: string): Buffer {
  return typed('C', z(tag));
}

/** A FATAL ErrorResponse, for a connection the server ends itself. */
export function fatalMessage(sqlState: string, message: string): Buffer {
  return typed('E', z('SFATAL'), z('VFATAL'), z(`C${sqlState}`), z(`M${message}`), Buffer.from([0]));
}

export function simpleQueryMessage(sql: string): Buffer {
  return typed('Q', z(sql));
}

export const SYNC_MESSAGE: Buffer = typed('S');
export const TERMINATE_MESSAGE: Buffer = typed('X');

/** A protocol 3.0 StartupMessage with the given parameters. */
export function startupMessage(parameters: Record<string, string>): Buffer {
  const pairs = Object.entries(parameters).flatMap(([key, value]) => [z(key), z(value)]);
  const body = Buffer.concat([...pairs, Buffer.from([0])]);
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + body.length, 0);
  header.writeInt32BE(PROTOCOL_3, 4);
  return Buffer.concat([header, body]);
}

/**
 * `LISTEN x` / `UNLISTEN x` sent alone as a simple query (how node-postgres and psql send them);
 * anything else, including several statements in one query, is not recognised.
 */
export function listenCommand(sql: string): { command: 'LISTEN' | 'UNLISTEN'; channel: string } | null {
  const match = /^\s*(LISTEN|UNLISTEN)\s+(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*|\*))\s*;?\s*$/i.exec(
    sql,
  );
  if (!match) return null;
  const channel = match[2] !== undefined ? match[2].replaceAll('""', '"') : match[3]!.toLowerCase();
  return { command: match[1]!.toUpperCase() as 'LISTEN' | 'UNLISTEN', channel };
}
