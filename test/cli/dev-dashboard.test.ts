/**
 * `npm start` (`conveyor dev --demo`) serves the dashboard and API on its port and prints a
 * one-time login link: the code logs in once as an admin, then never again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, startCli } from './cli-process.ts';

afterAll(killAll);

describe('conveyor dev --demo: the dashboard with a one-time login', { timeout: 60_000 }, () => {
  it('prints the dashboard URL and a login link whose code works once', async () => {
    const dev = startCli(['dev', '--demo', '--port', '0']);
    await dev.waitFor(/one-time login link .*: (http:\/\/127\.0\.0\.1:\d+)\/login\?code=([\w-]+)/, 30_000);
    const [, base, code] = /one-time login link .*: (http:\/\/127\.0\.0\.1:\d+)\/login\?code=([\w-]+)/.exec(
      dev.stdout(),
    )!;
    expect(dev.stdout()).toContain(`conveyor dev: dashboard on ${base}/`);
    const page = await fetch(`${base}/login?code=${code}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect((await fetch(`${base}/api/v1/me`)).status).toBe(401);

    const login = async () =>
      fetch(`${base}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
    const first = await login();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ role: 'admin', tenantId: null });
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const me = await fetch(`${base}/api/v1/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect((await login()).status).toBe(401);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);

    dev.child.kill('SIGTERM');
    expect((await dev.exited).code).toBe(0);
  });
});
