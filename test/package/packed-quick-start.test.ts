/**
 * The quick start from the packed tarball, with plain `node` (no tsx, no source paths): the
 * README's "A first job" in an ES module project and, require-style, in a CommonJS one; the
 * `conveyor` bin with a `conveyor.config.ts` in a project without `"type": "module"`; the root
 * entry loading no HTTP router, Redis client, TypeScript loader or log prettifier; and the Redis
 * health check saying how to install its optional peer; the dashboard's built files in the package,
 * served by the installed API handler without a build step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST, type PackedInstall, packAndInstall, REPO_ROOT, runNode } from './packed-install.ts';

const NAME = MANIFEST.name;

/** The first ```ts block after "## A first job" in the README. */
function readmeFirstJob(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A first job'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README.md has no ```ts block under "## A first job"');
  return match[1];
}

/** The same program with `require` and the top-level awaits inside an async function. */
function asCommonJs(program: string): string {
  const body = program.replace(
    /^import \{([^}]+)\} from '([^']+)';$/gm,
    (_, names: string, from: string) => `const {${names}} = require('${from}');`,
  );
  if (/^import /m.test(body)) throw new Error('the README example has an import this test cannot rewrite');
  return `(async () => {\n${body}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

/**
 * Records every module the ES module loader resolves (a resolve hook, Node ≥ 20.6) and every
 * CommonJS module in require.cache, after importing the entry named on the command line.
 */
const LOAD_HOOKS = `
const seen = [];
export async function resolve(specifier, context, next) {
  if (specifier === 'loaded:list') {
    return { url: 'data:text/javascript,export default ' + encodeURIComponent(JSON.stringify(seen)), shortCircuit: true };
  }
  const result = await next(specifier, context);
  seen.push(result.url);
  return result;
}
`;
const LIST_LOADS = `
import { register, createRequire } from 'node:module';
register('./load-hooks.mjs', import.meta.url);
await import(process.argv[2]);
const { default: esm } = await import('loaded:list');
const cjs = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify([...esm, ...cjs]));
`;

/**
 * Packages the root entry must not load: HTTP, Redis, the realtime gateway's Socket.IO and JWT
 * library, the CLI's TypeScript loader and prettifier, the email channel's nodemailer, and what
 * a cold worker need not pay for: prom-client (loaded when metrics are asked for) and zod (the
 * user's schemas bring their own; enqueue options are checked by hand), ~60 ms of CPU each.
 */
const NOT_IN_ROOT = [
  'hono',
  '@hono/node-server',
  'ioredis',
  'socket.io',
  'engine.io',
  'jose',
  '@socket.io/redis-adapter',
  'tsx',
  'esbuild',
  'pino-pretty',
  'nodemailer',
  'prom-client',
  'zod',
];
const packagesIn = (urls: string[]): Set<string> =>
  new Set(
    urls.flatMap((url) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(decodeURIComponent(url));
      return match?.[1] ? [match[1]] : [];
    }),
  );

describe(`${NAME} installed from its packed tarball`, { timeout: 120_000 }, () => {
  let install: PackedInstall;
  beforeAll(async () => {
    install = await packAndInstall();
    console.info(
      `[packed] build + pack ${install.timings.pack.toFixed(1)} s, install ${install.timings.install.toFixed(1)} s`,
    );
  }, 120_000);
  afterAll(() => install?.remove());

  it("runs the README's first job in an ES module project and, with require, in a CommonJS one", async () => {
    const program = readmeFirstJob();
    expect(program).toContain(`from '${NAME}'`);
    const esm = install.project('esm', 'module', { 'first-job.js': program });
    const cjs = install.project('cjs', 'commonjs', { 'first-job.js': asCommonJs(program) });
    const [fromEsm, fromCjs] = await Promise.all([
      runNode(esm, ['first-job.js']),
      runNode(cjs, ['first-job.js']),
    ]);
    for (const result of [fromEsm, fromCjs]) {
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.stdout).toMatch(/^\d+ \{ sentTo: 'ada@example\.com' \}$/m);
      expect(result.code).toBe(0);
    }
  });

  it('runs the conveyor bin with a conveyor.config.ts in a project without "type": "module"', async () => {
    const project = install.project('cli', 'commonjs', {
      'conveyor.config.ts': [
        `import { defineConfig, defineJob } from '${NAME}';`,
        '',
        'const greet = defineJob({',
        "  name: 'greet',",
        "  queue: 'cli',",
        "  handler: ({ payload }: { payload: { name: string } }) => ({ greeting: 'hello ' + payload.name }),",
        '});',
        "export default defineConfig({ jobs: [greet], dataDir: 'memory://' });",
        '',
      ].join('\n'),
    });
    const bin = join(install.root, 'node_modules', '.bin', 'conveyor');
    const result = await runNode(project, [bin, 'run', 'greet', '--payload', '{"name":"ada"}', '--json']);
    expect(result.stderr).not.toMatch(/No exports main defined|could not load/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ result: { greeting: 'hello ada' } });
    const http = await runNode(project, [
      '-e',
      `console.log(typeof require('${NAME}/http').createTriggerHandler)`,
    ]);
    expect(http.stdout.trim()).toBe('function');
    const api = await runNode(project, ['-e', `console.log(typeof require('${NAME}/api').createApiHandler)`]);
    expect(api.stdout.trim()).toBe('function');
  });

  it('loads no HTTP router, Redis client, Socket.IO, JWT library, TypeScript loader, prettifier, metrics library or zod from the root entry', async () => {
    const project = install.project('loads', 'module', {
      'load-hooks.mjs': LOAD_HOOKS,
      'list-loads.mjs': LIST_LOADS,
    });
    const [root = new Set<string>(), http = new Set<string>(), notify = new Set<string>()] =
      await Promise.all(
        [NAME, `${NAME}/http`, `${NAME}/notify`].map(async (entry) => {
          const result = await runNode(project, ['list-loads.mjs', entry]);
          expect(result.stderr).toBe('');
          return packagesIn(JSON.parse(result.stdout) as string[]);
        }),
      );
    expect(root.has(NAME)).toBe(true);
    expect(NOT_IN_ROOT.filter((name) => root.has(name))).toEqual([]);
    // The recorder sees packages: the HTTP entry does load the router (and not the gateway's
    // packages, which are not even installed here: optional peers).
    expect(http.has('hono')).toBe(true);
    // The notifications entry loads nodemailer only when an email is sent.
    expect(notify.has(NAME)).toBe(true);
    expect(notify.has('nodemailer')).toBe(false);
    expect(['socket.io', 'jose'].filter((name) => http.has(name))).toEqual([]);
  });

  it('names the optional ioredis peer when a Redis check runs without it', async () => {
    // The probe behind health()'s Redis check, from the installed files (no database needed).
    const probe = join(install.root, 'node_modules', NAME, 'dist', 'observe', 'redis-probe.js');
    const project = install.project('redis', 'module', {
      'check.js': [
        `const { RedisProbe } = await import(${JSON.stringify(pathToFileURL(probe).href)});`,
        "const probe = new RedisProbe('redis://127.0.0.1:1');",
        'console.log(JSON.stringify(await probe.check()));',
        'await probe.close();',
      ].join('\n'),
    });
    const result = await runNode(project, ['check.js']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      status: 'unreachable',
      error: expect.stringMatching(/^redisUrl: .*ioredis.*\(npm install ioredis\)/),
    });
  });

  it('ships the built dashboard, served by the installed API handler at /', async () => {
    const project = install.project('dashboard', 'module', {
      'serve.js': [
        `import { createApiHandler } from '${NAME}/api';`,
        `import { createConveyor } from '${NAME}';`,
        "const conveyor = createConveyor({ jobs: [], dataDir: 'memory://' });",
        'const api = createApiHandler({ conveyor, auth: {} });',
        "const index = await api.fetch(new Request('http://localhost/'));",
        'const html = await index.text();',
        'const script = /src="\\.\\/(assets\\/[^"]+\\.js)"/.exec(html)[1];',
        "const asset = await api.fetch(new Request('http://localhost/' + script));",
        "console.log(JSON.stringify({ index: index.status, cache: asset.headers.get('cache-control'), bytes: (await asset.arrayBuffer()).byteLength }));",
        'await api.settled();',
        'await conveyor.close();',
      ].join('\n'),
    });
    const result = await runNode(project, ['serve.js']);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    const served = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(served).toMatchObject({ index: 200, cache: 'public, max-age=31536000, immutable' });
    expect(served.bytes).toBeGreaterThan(10_000);
  });
});
