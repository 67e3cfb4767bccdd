/**
 * prom-client, loaded on first use. Importing it cost ~145 ms of a worker's cold start (of 333 ms
 * for the whole library, issue 17), while most processes never expose metrics; it is CommonJS, so
 * a synchronous require gives the very module an `import 'prom-client'` elsewhere would.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

let loaded: typeof PromClient | null = null;

export function promClient(): typeof PromClient {
  loaded ??= createRequire(import.meta.url)('prom-client') as typeof PromClient;
  return loaded;
}
