/**
 * Who holds a folder (folder-lock.ts), on real sockets and real processes: the first claim holds
 * it, a socket left by a killed holder is taken over (once, however many race for it), an
 * abandoned takeover does not block, and a socket held by something else is refused with a clear
 * error. No PGlite here: a claim's holder is just a listening socket.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { folderEndpoint } from '../../src/store/pglite/folder-endpoint.ts';
import { EmbeddedFolderError } from '../../src/store/pglite/folder-errors.ts';
import { claimFolder, type FolderClaim } from '../../src/store/pglite/folder-lock.ts';
import { useFolders } from './folders.ts';

const folders = useFolders();
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

let made = 0;
const emptyFolder = (): string => {
  const dir = join(folders.root(), `lock-${++made}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const keep = (claim: FolderClaim): FolderClaim => {
  if (claim.role === 'holder') {
    servers.push(claim.socket.server);
    claim.socket.server.on('connection', (socket) => sockets.push(socket));
    sockets.push(...claim.socket.parked);
  }
  return claim;
};

/** Leaves a socket file whose listener was SIGKILLed, as a crashed holder does. */
function staleSocket(path: string): void {
  const child = spawnSync(process.execPath, [
    '-e',
    `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ]);
  expect(child.signal).toBe('SIGKILL');
  expect(existsSync(path)).toBe(true);
}

function listenWith(path: string, onConnection: (socket: Socket) => void): Promise<void> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(path, () => resolve()));
}

describe('claiming an embedded data folder', () => {
  it('holds a folder nobody holds, and records its pid', async () => {
    const endpoint = folderEndpoint(emptyFolder());
    const claim = keep(await claimFolder(endpoint));
    expect(claim.role).toBe('holder');
    expect(existsSync(endpoint.socketPath)).toBe(true);
    expect(JSON.parse(readFileSync(endpoint.holderFile, 'utf8')).pid).toBe(process.pid);
  });

  it('takes over the socket of a killed holder exactly once, however many claim it at the same time', async () => {
    const endpoint = folderEndpoint(emptyFolder());
    staleSocket(endpoint.socketPath);
    const claims = await Promise.allSettled(
      Array.from({ length: 6 }, () => claimFolder(endpoint, { answerMs: 300, claimMs: 3_000 })),
    );
    const holders = claims.filter((c) => c.status === 'fulfilled' && c.value.role === 'holder');
    for (const c of claims) if (c.status === 'fulfilled') keep(c.value);
    expect(holders).toHaveLength(1);
    // The others found a live listener (which, having no PGlite behind it here, never answers).
    for (const c of claims) {
      if (c.status === 'rejected') expect((c.reason as Error).message).toMatch(/did not answer within 0.3 s/);
    }
  });

  it('does not wait for a takeover abandoned by a crashed process', async () => {
    const endpoint = folderEndpoint(emptyFolder());
    staleSocket(endpoint.socketPath);
    const mutex = `${endpoint.socketPath}.takeover`;
    mkdirSync(mutex);
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(mutex, longAgo, longAgo);
    const claim = keep(await claimFolder(endpoint, { claimMs: 2_000, staleMutexMs: 10_000 }));
    expect(claim.role).toBe('holder');
    expect(existsSync(mutex)).toBe(false);
  });

  it('refuses a socket held by a program that is not Conveyor, naming the folder and the fix', async () => {
    const endpoint = folderEndpoint(emptyFolder());
    await listenWith(endpoint.socketPath, (socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const error = await claimFolder(endpoint).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedFolderError);
    expect((error as EmbeddedFolderError).code).toBe('EMBEDDED_FOLDER_UNAVAILABLE');
    expect((error as Error).message).toBe(
      `embedded database folder ${endpoint.folder}: its socket ${endpoint.socketPath} is held by a program that is not Conveyor (it does not speak the PostgreSQL protocol); stop that program, or choose another dataDir, or set DATABASE_URL to use a PostgreSQL server`,
    );
  });

  it('names the holder that does not answer', async () => {
    const endpoint = folderEndpoint(emptyFolder());
    await listenWith(endpoint.socketPath, () => {});
    writeFileSync(endpoint.holderFile, JSON.stringify({ pid: 4242 }));
    await expect(claimFolder(endpoint, { answerMs: 200 })).rejects.toThrow(
      `embedded database folder ${endpoint.folder}: process 4242, which holds it, did not answer within 0.2 s; if that process is stuck, stop it (kill 4242) and retry`,
    );
  });

  it('never removes a file that is not a socket', async () => {
    const endpoint = folderEndpoint(emptyFolder());
    writeFileSync(endpoint.socketPath, 'not a socket');
    await expect(claimFolder(endpoint, { claimMs: 500 })).rejects.toThrow(
      /is not a socket; remove that file/,
    );
    expect(readFileSync(endpoint.socketPath, 'utf8')).toBe('not a socket');
  });

  it('puts the socket of a folder with a long path in the temporary directory, at a path every process derives alike', async () => {
    const deep = join(
      emptyFolder(),
      'a-folder-name-long-enough-to-push-the-socket-path-past-the-limit-of-unix-sockets',
    );
    const endpoint = folderEndpoint(deep);
    expect(Buffer.byteLength(endpoint.socketPath)).toBeLessThanOrEqual(100);
    expect(endpoint.socketPath.startsWith(join(folders.root(), ''))).toBe(false);
    expect(folderEndpoint(deep).socketPath).toBe(endpoint.socketPath);
    expect(folderEndpoint(emptyFolder()).socketPath).not.toBe(endpoint.socketPath);
    // And a holder listens there.
    const claim = keep(await claimFolder(endpoint));
    expect(claim.role).toBe('holder');
    expect(existsSync(endpoint.socketPath)).toBe(true);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    rmSync(dirname(endpoint.socketPath), { recursive: true, force: true });
  });
});
