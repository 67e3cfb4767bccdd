/**
 * The package as a user gets it: built and packed with `npm pack` from a staging copy of the
 * repository (so the repository's own dist/, which the bench loads, is never rewritten), then
 * installed from the tarball into an empty folder with `npm install --prefer-offline` (the npm
 * cache that `npm ci` of the repository filled makes it work without the network).
 */
import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MANIFEST = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  files: string[];
};

/** What `npm run build` reads besides the packed files. */
const BUILD_INPUTS = ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'scripts'];

/** An environment for children: no database URL or Node options of the test run's own. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'NODE_OPTIONS', 'CONVEYOR_LOG_PRETTY', 'CONVEYOR_LOG_LEVEL'])
    delete env[name];
  return env;
}

export interface PackedInstall {
  /** The folder the tarball was installed into (has node_modules/, no package of its own). */
  readonly root: string;
  /** Seconds spent building and packing, and installing. */
  readonly timings: { pack: number; install: number };
  /** Creates `sub` in the install folder with a package.json of `type` and the given files. */
  project(sub: string, type: 'module' | 'commonjs', files: Record<string, string>): string;
  remove(): void;
}

/** Builds, packs and installs the package into a fresh temp folder. */
export async function packAndInstall(): Promise<PackedInstall> {
  const work = mkdtempSync(join(tmpdir(), 'conveyor-packed-'));
  try {
    const started = performance.now();
    const stage = join(work, 'stage');
    mkdirSync(stage);
    for (const entry of new Set([...MANIFEST.files, ...BUILD_INPUTS])) {
      const from = join(REPO_ROOT, entry);
      if (entry !== 'dist' && existsSync(from)) cpSync(from, join(stage, entry), { recursive: true });
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
    const env = childEnv();
    await run('npm', ['run', 'build', '--silent'], { cwd: stage, env });
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work, '--loglevel=error'],
      { cwd: stage, env },
    );
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    const packed = performance.now();

    const root = join(work, 'app');
    mkdirSync(root);
    writeFileSync(join(root, 'package.json'), '{ "private": true }\n');
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, filename)],
      { cwd: root, env },
    );
    const installed = performance.now();
    return {
      root,
      timings: { pack: (packed - started) / 1000, install: (installed - packed) / 1000 },
      project(sub, type, files) {
        const dir = join(root, sub);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, type })}\n`);
        for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
        return dir;
      },
      remove: () => rmSync(work, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node ...args` in `cwd` with this test's Node; never rejects, kills it after `timeoutMs`. */
export function runNode(cwd: string, args: string[], timeoutMs = 60_000): Promise<NodeRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
