/**
 * A Redis server of the test's own (its own port, nothing on disk), so a test can stop and restart
 * it — a Redis outage — without touching the shared server on 6379 or another test file's.
 * The same port is kept across restarts, as a real outage would: clients reconnect to it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port.ts';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGKILL: as abrupt as an outage); resolves once the port is closed. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(port: number, open: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await accepts(port)) !== open) {
    if (Date.now() > deadline) throw new Error(`redis on port ${port} did not ${open ? 'start' : 'stop'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    if (child) return;
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child.once('exit', () => {
      child = null;
    });
    await waitFor(port, true);
  };
  const stop = async (): Promise<void> => {
    const stopping = child;
    if (stopping) {
      // Wait for the exit itself, not only the closed port: until 'exit' clears `child`, start()
      // would take the killed server for a running one and start nothing (a flaky outage test).
      const exited = new Promise((resolve) => stopping.once('exit', resolve));
      stopping.kill('SIGKILL');
      await exited;
    }
    await waitFor(port, false);
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, stop, start };
}

/** A private Redis for one test file: started in beforeAll, stopped in afterAll. */
export function usePrivateRedis(): { readonly server: PrivateRedis } {
  let server: PrivateRedis | null = null;
  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('private Redis not started yet (use inside tests)');
      return server;
    },
  };
}
