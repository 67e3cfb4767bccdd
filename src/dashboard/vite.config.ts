/**
 * Builds the dashboard (Preact + uPlot) into dist/dashboard/, part of the package: `npm run build`
 * (and so `npm ci`, through `prepare`). Hashed file names under assets/ let the server cache them
 * for a year; relative URLs plus the `<base href>` the server writes into index.html let the same
 * bundle be served under any path. docs/dashboard.md.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
});
