/**
 * Bad input at every route: wrong types, unknown fields, malformed JSON, SQL meta-characters and
 * bodies past the limit each get a 4xx problem document (a 400 names the field) and change nothing.
 */
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/index.ts';
import { sql } from '../support/database.ts';
import { useApiFixture } from './api-fixture.ts';
import { type RouteCall, routeCalls } from './route-calls.ts';

const api = useApiFixture();
const SQL_META = "x'; DROP TABLE conveyor.jobs; --";
const BAD_IDS = ['abc', "1' OR '1'='1", '99999999999999999999', '-1', '1.5'];

/** The call's path with its `index`-th path parameter replaced. */
function withParam(call: RouteCall, index: number, value: string): string {
  const [pathname, search] = call.path.split('?');
  const template = call.route.split(' ')[1]!.split('/');
  const parts = pathname!.split('/');
  const positions = template.flatMap((part, i) => (part.startsWith('{') ? [i] : []));
  parts[positions[index]!] = encodeURIComponent(value);
  return parts.join('/') + (search ? `?${search}` : '');
}

function badVariants(call: RouteCall): { label: string; path: string; body?: unknown; statuses: number[] }[] {
  const variants: { label: string; path: string; body?: unknown; statuses: number[] }[] = [];
  const sep = call.path.includes('?') ? '&' : '?';
  variants.push({
    label: 'unknown query field',
    path: `${call.path}${sep}bogus=1`,
    body: call.body,
    statuses: [400],
  });
  variants.push({
    label: 'repeated query field',
    path: `${call.path}${sep}limit=1&limit=2`,
    body: call.body,
    statuses: [400],
  });
  const params = call.route.match(/\{(\w+)\}/g) ?? [];
  params.forEach((param, index) => {
    // A group key is free text (a tenant that has no jobs yet can be paused): only its bounds are checked.
    const values =
      param === '{id}'
        ? BAD_IDS
        : param === '{group}'
          ? ['x'.repeat(201), '']
          : [SQL_META, 'x'.repeat(201), ''];
    for (const value of values) {
      // Names are free text: meta-characters are data, so an unknown one is 400 (queue) or 404.
      variants.push({
        label: `${param}=${value.slice(0, 20)}`,
        path: withParam(call, index, value),
        body: call.body,
        statuses: [400, 404, 405],
      });
    }
  });
  if (call.body !== undefined) {
    for (const body of [
      '{',
      '[]',
      '"text"',
      '{"unknownField":1}',
      '',
      'null',
      JSON.stringify({ ...(call.body as object), extra: SQL_META }),
    ]) {
      variants.push({ label: `body ${body.slice(0, 20)}`, path: call.path, body, statuses: [400] });
    }
  }
  return variants;
}

describe('bad input', () => {
  it('at every route: 4xx problem+json naming the field, nothing changed', async () => {
    const before = await api.snapshot();
    let checked = 0;
    for (const call of routeCalls(api)) {
      for (const variant of badVariants(call)) {
        const response = await api.call('admin', call.method, variant.path, variant.body);
        const label = `${call.route} ${variant.label}: ${response.status} ${JSON.stringify(response.body)}`;
        expect(variant.statuses, label).toContain(response.status);
        expect(response.contentType, label).toBe('application/problem+json');
        if (response.status === 400) expect(response.body.field, label).toMatch(/^(path|query|body|queue)/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(await api.snapshot()).toBe(before);
  });

  it('wrong types in bodies name the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['PATCH', '/queues/work/limits', { globalConcurrency: 'ten' }, 'body.globalConcurrency'],
      ['PATCH', '/queues/work/limits', { rateLimit: { max: -1, per: '1s' } }, 'body.rateLimit.max'],
      ['POST', '/jobs', { name: 7 }, 'body.name'],
      [
        'POST',
        '/jobs',
        { name: 'send-email', payload: { to: 'a@b.c' }, options: { priority: 'high' } },
        'body.options.priority',
      ],
      ['POST', '/jobs/bulk', { action: 'explode', filter: {} }, 'body.action'],
      ['POST', '/jobs/bulk', { action: 'retry', filter: { ids: ['1; DELETE'] } }, 'body.filter.ids[0]'],
      ['POST', '/keys', { name: 'k', role: 'root' }, 'body.role'],
      ['POST', '/schedules', { name: 'n', job: 'work', cron: 5 }, 'body.cron'],
      ['PUT', `/jobs/${api.acme.email}/payload`, { payload: { to: ['x'] } }, 'body.payload.to'],
    ];
    const before = await api.snapshot();
    for (const [method, path, body, field] of cases) {
      const response = await api.call('admin', method, path, body);
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(response.body.field).toBe(field);
    }
    expect(await api.snapshot()).toBe(before);
  });

  it('wrong types and meta-characters in query filters: 400 naming the parameter, or (as plain data) no match', async () => {
    for (const [query, field] of [
      ['limit=abc', 'query.limit'],
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['state=exploded', 'query.state'],
      ['from=yesterday', 'query.from'],
      ['payload=%7Bnot-json', 'query.payload'],
      ['payload=42', 'query.payload'],
      ['cursor=1%27%20OR%201%3D1', 'query.cursor'],
    ]) {
      const response = await api.call('viewer', 'GET', `/jobs?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.field).toBe(field);
    }
    const meta = await api.call(
      'viewer',
      'GET',
      `/jobs?queue=${encodeURIComponent(SQL_META)}&name=${encodeURIComponent("' OR 1=1 --")}`,
    );
    expect(meta.status).toBe(200);
    expect(meta.body.items).toEqual([]);
    const payload = await api.call(
      'viewer',
      'GET',
      `/jobs?payload=${encodeURIComponent(JSON.stringify({ orderId: SQL_META }))}`,
    );
    expect(payload.body.items).toEqual([]);
    const [{ n }] = (await sql<{ n: number }>(api.url, 'SELECT count(*)::int AS n FROM conveyor.jobs')) as [
      { n: number },
    ];
    expect(n).toBe(8);
  });

  it('a body past the limit gets 413 before the route reads it', async () => {
    const handler = createApiHandler({ conveyor: api.conveyor, auth: {}, maxBodyBytes: 1024 });
    const before = await api.snapshot();
    for (const [method, path] of [
      ['POST', '/jobs'],
      ['PUT', `/jobs/${api.acme.email}/payload`],
      ['POST', '/jobs/bulk'],
      ['POST', '/schedules'],
      ['POST', '/keys'],
    ] as const) {
      const response = await handler.fetch(
        new Request(`http://localhost/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${api.keys.admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'x', payload: { blob: 'x'.repeat(4096) } }),
        }),
      );
      expect(response.status, path).toBe(413);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    const huge = await api.call('admin', 'POST', '/jobs', {
      name: 'send-email',
      payload: { to: 'a@b.c', blob: 'x'.repeat(2_000_000) },
    });
    expect(huge.status).toBe(413);
    expect(await api.snapshot()).toBe(before);
  });
});
