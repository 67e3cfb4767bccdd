/**
 * The dashboard's built files (Vite's output in `dist/dashboard/`, shipped in the package), served
 * by the API handler. They are read once, into memory (the bundle is ~100 kB), when the handler is
 * built. Hashed files under `assets/` are cached for a year (`immutable`); `index.html` is never
 * cached, so a new release is picked up on the next load; any other path without a file extension
 * is a client route and answers `index.html` (the app's router takes it from there).
 *
 * These files are the only thing served without a credential: the app shell holds no data.
 * `index.html` gets the `<base href>` of where the dashboard is mounted and the API's base path
 * (a meta tag the app reads), so the same bundle works under any prefix.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  // A login link carries a one-time code: never send the page's address to another site.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

interface Asset {
  body: Uint8Array;
  type: string;
}

export interface DashboardAssets {
  /** The response for a GET/HEAD of `path` (relative to where the dashboard is mounted), or null. */
  respond(path: string): Response | null;
}

/** Where the build puts the bundle: the package's dist/dashboard/ (from src/api/ and dist/api/ alike). */
export function defaultDashboardDir(): string | null {
  const dir = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

function readTree(dir: string, prefix = ''): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) {
      for (const [path, body] of readTree(full, `${prefix}${entry}/`)) files.set(path, body);
    } else {
      files.set(`${prefix}${entry}`, readFileSync(full));
    }
  }
  return files;
}

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Loads the bundle from `dir`. `mountPath` is where the dashboard is served (ends with `/`),
 * `apiBase` the API's base path.
 */
export function loadDashboardAssets(dir: string, mountPath: string, apiBase: string): DashboardAssets {
  const files = readTree(dir);
  const assets = new Map<string, Asset>();
  for (const [path, body] of files) {
    const extension = /\.[a-z0-9]+$/i.exec(path)?.[0]?.toLowerCase() ?? '';
    assets.set(path, { body, type: TYPES[extension] ?? 'application/octet-stream' });
  }
  const template = files.get('index.html');
  if (!template) throw new Error(`${dir} has no index.html: run \`npm run build\``);
  const head =
    `<base href="${escapeAttribute(mountPath)}">` +
    `<meta name="conveyor-api" content="${escapeAttribute(apiBase)}">`;
  const index = new TextEncoder().encode(
    new TextDecoder().decode(template).replace('<head>', `<head>${head}`),
  );

  const indexResponse = () =>
    new Response(index, {
      headers: {
        'content-type': TYPES['.html']!,
        'cache-control': 'no-cache',
        'content-security-policy': CSP,
        ...SECURITY_HEADERS,
      },
    });

  return {
    respond(path) {
      if (path === '' || path === 'index.html') return indexResponse();
      const asset = assets.get(path);
      if (asset) {
        const immutable = path.startsWith('assets/');
        return new Response(asset.body, {
          headers: {
            'content-type': asset.type,
            'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
            ...SECURITY_HEADERS,
          },
        });
      }
      // A client route (/jobs/42, /queues): the app. A missing file (/assets/old.js): 404.
      if (!/\.[a-z0-9]+$/i.test(path)) return indexResponse();
      return null;
    },
  };
}
