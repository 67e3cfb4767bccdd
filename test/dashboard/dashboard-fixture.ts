/**
 * The dashboard in a real browser: a Conveyor on a fresh database, the API server (createApiServer,
 * which serves the built dashboard at `/`) on a free port, API keys for every role (and a viewer and
 * an operator scoped to tenant `acme`), and one Debian Chromium per test file (playwright-core, never a downloaded
 * browser). `login()` signs a new browser context in through the login page, as a person would.
 */
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type ApiServer, createApiKey, createApiServer } from '../../src/api/index.ts';
import { internalsOf } from '../../src/client/conveyor-internals.ts';
import type { AnyJobDefinition, Conveyor } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type DashboardKey = 'admin' | 'operator' | 'viewer' | 'acmeViewer' | 'acmeOperator';

export interface DashboardFixture {
  readonly conveyor: Conveyor;
  readonly url: string;
  readonly dbUrl: string;
  readonly keys: Record<DashboardKey, string>;
  readonly server: ApiServer;
  /** A fresh browser context logged in with `key` through the login page; closed after the file. */
  login(key: DashboardKey): Promise<Page>;
}

export function useDashboard(options: {
  jobs: AnyJobDefinition[];
  seed?: (conveyor: Conveyor) => Promise<void>;
}): DashboardFixture {
  const db = useConveyorDatabase();
  let conveyor: Conveyor | undefined;
  let server: ApiServer | undefined;
  let browser: Browser | undefined;
  let url = '';
  let keys: Record<DashboardKey, string> | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    conveyor = db.open({ jobs: options.jobs });
    await conveyor.migrate();
    await options.seed?.(conveyor);
    const store = await internalsOf(conveyor).store();
    const make = async (role: 'admin' | 'operator' | 'viewer', tenantId: string | null) =>
      (await createApiKey(store, { name: `${role}-${tenantId ?? 'all'}`, role, tenantId }, new Date())).key;
    keys = {
      admin: await make('admin', null),
      operator: await make('operator', null),
      viewer: await make('viewer', null),
      acmeViewer: await make('viewer', 'acme'),
      acmeOperator: await make('operator', 'acme'),
    };
    server = createApiServer({ conveyor, auth: {}, port: 0, loginThrottle: { max: 1000 } });
    url = (await server.listen()).url;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
    await server?.handler.settled();
  });

  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('fixture not ready');
    return value;
  };

  return {
    get conveyor() {
      return need(conveyor);
    },
    get url() {
      return url;
    },
    get dbUrl() {
      return db.url;
    },
    get keys() {
      return need(keys);
    },
    get server() {
      return need(server);
    },
    async login(key) {
      const context = await need(browser).newContext({ viewport: { width: 1360, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${url}/`);
      await page.fill('#api-key', need(keys)[key]);
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=who]');
      return page;
    },
  };
}
