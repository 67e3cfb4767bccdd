// Bundles the compiled entry points (dist/index.js, the subpath exports and the CLI) in place, with
// their shared code in dist/chunks/: one module graph for all of them, so a class or symbol is the
// same object whichever entry a program imports it from. Dependencies stay external (node_modules).
//
// Why: a cold worker process loaded ~127 separate files from the root entry (import 72–79 ms on
// Node 24 here); as one file it loads in 40–45 ms, the largest part of cold_start_ms (issue 17).
// The per-file modules tsc wrote stay in dist/ beside the bundles (their .d.ts files are the types).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = ['index', 'http/index', 'api/index', 'realtime/index', 'notify/index', 'cli/main'].map(
  (name) => `dist/${name}.js`,
);

rmSync('dist/chunks', { recursive: true, force: true }); // chunks of an earlier build
await build({
  entryPoints,
  outdir: 'dist',
  outbase: 'dist',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true, // chains through tsc's maps: a bundled frame still names its src/*.ts line
  logLevel: 'warning',
});
