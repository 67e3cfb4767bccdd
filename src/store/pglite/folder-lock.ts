/**
 * Who holds an embedded data folder. Listening on the folder's Unix socket IS the lock: the kernel
 * frees it when the process dies, however it dies; only the socket file stays behind.
 *
 * A newcomer probes the socket (holder-probe.ts) and then:
 * - a Conveyor holder answered → it becomes a client of that process;
 * - no socket file → it listens; EADDRINUSE means another newcomer won the race: probe again;
 * - a socket file nobody listens on (ECONNREFUSED) → its holder died: it takes over under a
 *   short-lived mutex (an atomic `mkdir` of `<socket>.takeover`, considered abandoned after 10 s
 *   so a crash mid-takeover cannot block the folder forever), probes again under the mutex,
 *   unlinks the stale file and listens;
 * - accepted and closed without an answer → a holder shutting down: probe again shortly;
 * - a non-Conveyor answer, no answer within 10 s, or any other error → EmbeddedFolderError.
 * It gives up after 30 s of retries. The holder writes its pid to `.conveyor-holder.json` in the
 * folder, for the messages of newcomers that find it silent.
 */
import { lstatSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { type FolderEndpoint, folderEndpoint } from './folder-endpoint.ts';
import { EmbeddedFolderError, OTHER_FOLDER_FIX } from './folder-errors.ts';
import { type ProbeResult, probeHolder } from './holder-probe.ts';

export interface FolderTiming {
  /** How long a holder may take to answer a probe (default 10 s). */
  answerMs: number;
  /** How long to keep retrying a race, a takeover or a closing holder (default 30 s). */
  claimMs: number;
  /** Age after which a takeover mutex is considered abandoned (default 10 s). */
  staleMutexMs: number;
  /** As holder: longest a client may keep the session idle inside a transaction (default 30 s). */
  idleInTransactionMs: number;
}

const DEFAULT_TIMING: FolderTiming = {
  answerMs: 10_000,
  claimMs: 30_000,
  staleMutexMs: 10_000,
  idleInTransactionMs: 30_000,
};

/** The listening socket of a new holder, with any connection accepted before it serves. */
export interface HeldSocket {
  server: Server;
  parked: Socket[];
}

export type FolderClaim = { role: 'holder'; socket: HeldSocket } | { role: 'client'; holderPid: number };

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function claimFolder(
  endpoint: FolderEndpoint,
  timing: Partial<FolderTiming> = {},
): Promise<FolderClaim> {
  const { answerMs, claimMs, staleMutexMs } = { ...DEFAULT_TIMING, ...timing };
  const deadline = Date.now() + claimMs;
  for (let round = 0; ; round += 1) {
    const probe = await probeHolder(endpoint.socketPath, answerMs);
    if (probe.kind === 'holder') {
      if (!endpoint.shareable) throw unshareable(endpoint, probe.pid);
      return { role: 'client', holderPid: probe.pid };
    }
    if (probe.kind === 'absent') {
      const socket = await listenOn(endpoint);
      if (socket) return holding(endpoint, socket);
    } else if (probe.kind === 'stale') {
      const socket = await takeOver(endpoint, answerMs, staleMutexMs);
      if (socket) return holding(endpoint, socket);
    } else if (probe.kind !== 'closed') {
      throw refusal(endpoint, probe, answerMs);
    }
    if (Date.now() > deadline) {
      throw new EmbeddedFolderError(
        endpoint.folder,
        `could not become its holder nor reach the process holding it within ${claimMs / 1000} s (last: ${probe.kind})`,
        `retry; if it keeps failing, stop the processes using it. Or ${OTHER_FOLDER_FIX}`,
      );
    }
    await pause(Math.min(10 * 2 ** round, 200));
  }
}

/** Records this process as the holder and returns the claim. */
function holding(endpoint: FolderEndpoint, socket: HeldSocket): FolderClaim {
  try {
    writeFileSync(
      endpoint.holderFile,
      `${JSON.stringify({ pid: process.pid, since: new Date().toISOString(), socket: endpoint.socketPath })}\n`,
    );
  } catch {
    // Informational only; the socket is the lock.
  }
  return { role: 'holder', socket };
}

/** Removes the holder file if it still names this process (a clean close). */
export function forgetHolder(endpoint: FolderEndpoint): void {
  if (readHolderPid(endpoint) === process.pid) rmSync(endpoint.holderFile, { force: true });
}

/** The pid recorded by the process holding `dataDir` (null if none is recorded). */
export function embeddedFolderHolder(dataDir: string): number | null {
  return readHolderPid(folderEndpoint(dataDir));
}

export function readHolderPid(endpoint: FolderEndpoint): number | null {
  try {
    const pid = (JSON.parse(readFileSync(endpoint.holderFile, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
}

/** Listens on the folder's socket: null if someone else listens there already. */
function listenOn(endpoint: FolderEndpoint): Promise<HeldSocket | null> {
  return new Promise((resolve, reject) => {
    // The socket's own folder when it is not the data folder (a long path): private to this user.
    if (endpoint.shareable) mkdirSync(dirname(endpoint.socketPath), { recursive: true, mode: 0o700 });
    const parked: Socket[] = [];
    const server = createServer({ pauseOnConnect: true }, (socket) => parked.push(socket));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(null);
      else
        reject(
          new EmbeddedFolderError(
            endpoint.folder,
            `cannot create its lock socket ${endpoint.socketPath} (${error.code ?? error.message})`,
            `make the folder writable by this user, or ${OTHER_FOLDER_FIX}`,
            { cause: error },
          ),
        );
    });
    server.listen(endpoint.socketPath, () => resolve({ server, parked }));
  });
}

/** Replaces a dead holder's socket, under the takeover mutex; null to probe again. */
async function takeOver(
  endpoint: FolderEndpoint,
  answerMs: number,
  staleMutexMs: number,
): Promise<HeldSocket | null> {
  const mutex = `${endpoint.socketPath}.takeover`;
  try {
    mkdirSync(mutex);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      throw new EmbeddedFolderError(
        endpoint.folder,
        `its holder died, and taking over failed: cannot create ${mutex} (${code})`,
        `make the folder writable by this user, or ${OTHER_FOLDER_FIX}`,
        { cause: error },
      );
    }
    const age = Date.now() - (statSync(mutex, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > staleMutexMs) rmSync(mutex, { recursive: true, force: true });
    return null;
  }
  try {
    const again = await probeHolder(endpoint.socketPath, answerMs);
    if (again.kind !== 'stale') return null;
    if (!lstatSync(endpoint.socketPath).isSocket()) {
      throw new EmbeddedFolderError(
        endpoint.folder,
        `${endpoint.socketPath} is not a socket`,
        'remove that file (Conveyor keeps its lock socket there)',
      );
    }
    rmSync(endpoint.socketPath, { force: true });
    return await listenOn(endpoint);
  } finally {
    rmSync(mutex, { recursive: true, force: true });
  }
}

function unshareable(endpoint: FolderEndpoint, pid: number): EmbeddedFolderError {
  return new EmbeddedFolderError(
    endpoint.folder,
    `it is in use by process ${pid}, and on Windows an embedded folder cannot be shared between processes`,
    `stop that process, or ${OTHER_FOLDER_FIX}`,
  );
}

function refusal(endpoint: FolderEndpoint, probe: ProbeResult, answerMs: number): EmbeddedFolderError {
  if (probe.kind === 'foreign') {
    return new EmbeddedFolderError(
      endpoint.folder,
      `its socket ${endpoint.socketPath} is held by a program that is not Conveyor (${probe.reason})`,
      `stop that program, or ${OTHER_FOLDER_FIX}`,
    );
  }
  if (probe.kind === 'silent') {
    const pid = readHolderPid(endpoint);
    const who = pid === null ? 'the process listening on its socket' : `process ${pid}, which holds it,`;
    return new EmbeddedFolderError(
      endpoint.folder,
      `${who} did not answer within ${answerMs / 1000} s`,
      `if that process is stuck, stop it${pid === null ? '' : ` (kill ${pid})`} and retry`,
    );
  }
  const error = probe.kind === 'error' ? probe.error : undefined;
  return new EmbeddedFolderError(
    endpoint.folder,
    `cannot reach its socket ${endpoint.socketPath} (${error?.code ?? probe.kind})`,
    `check the folder's permissions, or ${OTHER_FOLDER_FIX}`,
    { cause: error },
  );
}
