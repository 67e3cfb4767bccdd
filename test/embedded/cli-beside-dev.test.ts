/**
 * The README's workflow on the embedded database: `conveyor dev` in one terminal, the other
 * commands in others. They share dev's folder through dev (issue 12, defect 5: each used to open
 * its own copy, so dev never saw the jobs and ids repeated), and a folder that can be neither
 * held nor reached fails with an error that names it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderEndpoint } from '../../src/store/pglite/folder-endpoint.ts';
import { killAll, runCli, startCli } from '../cli/cli-process.ts';
import { useFolders } from './folders.ts';

const CONFIG = 'test/embedded/fixtures/folder.config.ts';
const folders = useFolders();
const mounts: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await killAll();
  for (const server of servers) server.close();
  for (const mount of mounts) execFileSync('umount', [mount]);
});

const cli = (dir: string, ...args: string[]) =>
  runCli([...args, '--config', CONFIG], { env: { CONVEYOR_TEST_DATA_DIR: dir } });

describe('conveyor commands beside `conveyor dev` on the embedded database', { timeout: 60_000 }, () => {
  it('enqueue from other processes reaches the dev worker, ids never repeat, and stats sees the work', async () => {
    const dir = await folders.fresh();
    const dev = startCli(['dev', '--config', CONFIG, '--port', 'off'], {
      env: { CONVEYOR_TEST_DATA_DIR: dir },
    });
    await dev.waitFor(/worker running on every queue/);
    expect(dev.stdout()).toContain(
      `database embedded PGlite (${dir}), held by this process: other conveyor commands share it while dev runs`,
    );

    const enqueued = await Promise.all(
      [1, 2].map((n) => cli(dir, 'enqueue', 'echo', '--payload', JSON.stringify({ n }), '--json')),
    );
    for (const result of enqueued) expect(result.code, result.stderr).toBe(0);
    const ids = enqueued.map((r) => (JSON.parse(r.stdout) as { id: string }).id);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) await dev.waitFor(new RegExp(`✓ echo #${id} completed`));

    const stats = await cli(dir, 'stats', '--json');
    expect(stats.code, stats.stderr).toBe(0);
    const counts = (JSON.parse(stats.stdout) as { queue: string; counts: Record<string, number> }[]).find(
      (s) => s.queue === 'cli',
    )?.counts;
    expect(counts).toMatchObject({ ready: 0, active: 0, completed: 2 });

    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
    // dev closed cleanly: the folder is free, and the next command holds it itself.
    const after = await cli(dir, 'stats', '--json');
    expect(after.code, after.stderr).toBe(0);
  });

  it('fails clearly when the folder socket belongs to another program', async () => {
    const dir = await folders.fresh();
    const { socketPath, folder } = folderEndpoint(dir);
    const server = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socketPath, () => resolve()));
    const result = await cli(dir, 'enqueue', 'echo', '--payload', '{}');
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      `embedded database folder ${folder}: its socket ${socketPath} is held by a program that is not Conveyor`,
    );
    expect(result.stderr).toContain('set DATABASE_URL');
  });

  it('fails clearly when the folder is not writable', async () => {
    const dir = join(folders.root(), 'read-only');
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir]);
    mounts.push(dir);
    const result = await cli(dir, 'stats');
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      `embedded database folder ${dir}: cannot create its lock socket ${join(dir, '.s.PGSQL.5432')} (EROFS); make the folder writable by this user`,
    );
  });
});
