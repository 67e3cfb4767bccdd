/**
 * Mounting: the API's Fetch handler in a plain Node http server (as Express or Fastify mount it),
 * at another base path; the standalone server refuses a non-loopback address with auth disabled.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApiHandler, createApiServer, isLoopbackHost } from '../../src/api/index.ts';
import { toNodeHandler } from '../../src/http/index.ts';
import { useApiFixture } from './api-fixture.ts';

const api = useApiFixture();

describe('mounting', () => {
  it("serves from Node's http server through toNodeHandler, at a base path of the host's choosing", async () => {
    const handler = createApiHandler({ conveyor: api.conveyor, auth: {}, basePath: '/ops/api' });
    const node = toNodeHandler(handler.fetch);
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/ops/')) void node(req, res);
      else res.writeHead(200).end('the app');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/`)).text()).toBe('the app');
      const jobs = await fetch(`${base}/ops/api/jobs?state=dead`, {
        headers: { authorization: `Bearer ${api.keys.viewer}` },
      });
      expect(jobs.status).toBe(200);
      expect(((await jobs.json()) as { items: unknown[] }).items).toHaveLength(2);
      const doc = await (
        await fetch(`${base}/ops/api/openapi.json`, {
          headers: { authorization: `Bearer ${api.keys.viewer}` },
        })
      ).json();
      expect((doc as { servers: unknown }).servers).toEqual([{ url: '/ops/api' }]);
      expect((await fetch(`${base}/ops/api/jobs`)).status).toBe(401);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('with auth disabled, listens on loopback only, every caller an unscoped admin', async () => {
    expect(() =>
      createApiServer({ conveyor: api.conveyor, auth: 'disabled', host: '0.0.0.0', port: 0 }),
    ).toThrow(/refusing to serve the API without auth on 0\.0\.0\.0/);
    expect(() =>
      createApiServer({ conveyor: api.conveyor, auth: 'disabled', host: '192.168.1.5', port: 0 }),
    ).toThrow();
    expect(['127.0.0.1', '127.8.0.1', '::1', '[::1]', 'localhost'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com', '127.0.0.1.example.com'].some(isLoopbackHost)).toBe(
      false,
    );
    const server = createApiServer({ conveyor: api.conveyor, auth: 'disabled', port: 0 });
    const { url } = await server.listen();
    try {
      const me = await (await fetch(`${url}/api/v1/me`)).json();
      expect(me).toEqual({ id: 'anonymous', role: 'admin', tenantId: null });
    } finally {
      await server.close();
    }
  });
});
