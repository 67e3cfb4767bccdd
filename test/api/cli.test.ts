/** `conveyor keys create|list|revoke` and `conveyor dashboard`, run as a user would, on a real database. */
import { describe, expect, it } from 'vitest';
import { useCliDatabase } from '../cli/cli-database.ts';
import { startCli, TEST_CONFIG } from '../cli/cli-process.ts';
import { sql } from '../support/database.ts';

const env = useCliDatabase();
const cli = env.cli;

// Each command is a new Node process with tsx: seconds apiece on a loaded machine.
describe('conveyor keys', { timeout: 240_000 }, () => {
  it('creates a key printed once, lists keys without secrets, revokes one', async () => {
    expect((await cli('migrate')).code).toBe(0);
    const created = await cli('keys', 'create', '--role', 'operator', '--tenant', 'acme', '--name', 'ci bot');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^cvk_[0-9a-f]{16}_[0-9a-f]{64}$/);
    expect(created.stderr).toMatch(/shown once/);
    const id = key.slice(4, 20);
    const [stored] = await sql<{ secret_hash: Buffer; role: string; tenant_id: string }>(
      env.url,
      'SELECT secret_hash, role, tenant_id FROM conveyor.api_keys WHERE id = $1',
      [id],
    );
    expect(stored).toMatchObject({ role: 'operator', tenant_id: 'acme' });
    expect(stored!.secret_hash.toString('hex')).not.toBe(key.slice(21));

    const list = await cli('keys', 'list', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ id, name: 'ci bot', role: 'operator', tenantId: 'acme', revokedAt: null }),
    ]);
    expect(list.stdout).not.toContain(key.slice(21));
    const table = await cli('keys', 'list');
    expect(table.stdout).toMatch(/ci bot\s+operator\s+acme/);

    expect((await cli('keys', 'revoke', id)).code).toBe(0);
    expect(JSON.parse((await cli('keys', 'list', '--json')).stdout)).toEqual([]);
    const revoked = JSON.parse((await cli('keys', 'list', '--revoked', '--json')).stdout);
    expect(revoked[0].revokedAt).not.toBeNull();
    const again = await cli('keys', 'revoke', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no active API key/);
  });

  it('refuses a bad role or id, naming the flag, and writes nothing', async () => {
    const role = await cli('keys', 'create', '--role', 'root');
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/--role must be viewer, operator or admin/);
    const id = await cli('keys', 'revoke', "1' OR '1'='1");
    expect(id.code).toBe(2);
    const [{ n }] = (await sql<{ n: number }>(
      env.url,
      'SELECT count(*)::int AS n FROM conveyor.api_keys',
    )) as [{ n: number }];
    expect(n).toBe(1);
  });
});

describe('conveyor dashboard', { timeout: 120_000 }, () => {
  it('serves the API and the dashboard on loopback: 401 without a key, 200 with one; stops on SIGTERM', async () => {
    const key = (await cli('keys', 'create', '--role', 'viewer')).stdout.trim();
    const server = startCli(['dashboard', '--port', '0', '--config', TEST_CONFIG, '--database-url', env.url]);
    await server.waitFor(/API on http:\/\/127\.0\.0\.1:\d+/, 30_000);
    const base = /API on (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/.exec(server.stdout())![1]!;
    const anonymous = await fetch(`${base}/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: 'viewer', tenantId: null });
    const lag = await fetch(`${base}/events/lag`, { headers: { authorization: `Bearer ${key}` } });
    expect(lag.status).toBe(200);
    const document = await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const audit = await fetch(`${base}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: '{}',
    });
    expect(audit.status).toBe(403);
    // The dashboard at /, without a credential (the app shell only), and its login with the key.
    const origin = base.replace(/\/api\/v1$/, '');
    expect(server.stdout()).toContain(`dashboard on ${origin}/`);
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<meta name="conveyor-api" content="/api/v1">');
    const login = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/^conveyor_session=.*HttpOnly; SameSite=Strict$/);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('records the client address of a real connection in the audit log', async () => {
    const key = (await cli('keys', 'create', '--role', 'admin')).stdout.trim();
    const server = startCli(['dashboard', '--port', '0', '--config', TEST_CONFIG, '--database-url', env.url]);
    await server.waitFor(/API on http:\/\/127\.0\.0\.1:\d+/, 30_000);
    const base = /API on (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/.exec(server.stdout())![1]!;
    const created = await fetch(`${base}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'from-http', role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const [entry] = await sql<{ action: string; ip: string }>(
      env.url,
      "SELECT action, ip FROM conveyor.audit_log WHERE action = 'key.create'",
    );
    expect(entry).toEqual({ action: 'key.create', ip: '127.0.0.1' });
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it("accepts JWTs signed with CONVEYOR_JWT_SECRET (the gateway's verifier), beside API keys", async () => {
    const { SignJWT } = await import('jose');
    const secret = 'a-dashboard-jwt-secret-of-at-least-32-bytes';
    const server = startCli(
      ['dashboard', '--port', '0', '--config', TEST_CONFIG, '--database-url', env.url],
      {
        env: { CONVEYOR_JWT_SECRET: secret },
      },
    );
    await server.waitFor(/API on http:\/\/127\.0\.0\.1:\d+/, 30_000);
    expect(server.stdout()).toMatch(/API keys and JWTs/);
    expect(server.stdout() + server.stderr()).not.toContain(secret);
    const base = /API on (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/.exec(server.stdout())![1]!;
    const token = await new SignJWT({ tenantId: 'acme', role: 'operator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u_1')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toEqual({ id: 'jwt:u_1', role: 'operator', tenantId: 'acme' });
    expect((await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('refuses to listen on a non-loopback address with auth disabled', async () => {
    const refused = await cli('dashboard', '--no-auth', '--host', '0.0.0.0', '--port', '0');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--no-auth is refused on 0\.0\.0\.0/);
    expect(refused.stdout).not.toMatch(/API on/);
  });
});
