/**
 * The OpenAPI document: valid OpenAPI 3.1 (checked against the specification's JSON schema), and
 * listing exactly the routes the app serves — and exactly the routes the other API tests call.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { useApiFixture } from './api-fixture.ts';
import { routeCalls } from './route-calls.ts';

const api = useApiFixture();

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1; a broken copy is not', async () => {
    const document = (await api.call('viewer', 'GET', '/openapi.json')).body;
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const broken = structuredClone(document);
    broken.paths['/jobs'].get.responses = { 200: { content: {} } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('lists exactly the routes the app serves, which are exactly the routes the tests call', async () => {
    const document = (await api.call('viewer', 'GET', '/openapi.json')).body;
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    const served = api.handler.routes
      .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/v1/'))
      .map((r) => `${r.method} ${r.path.slice('/api/v1'.length).replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(documented).toEqual(served);
    // The session routes make a credential rather than need one: session.test.ts covers them.
    expect(
      routeCalls(api)
        .map((c) => c.route)
        .sort(),
    ).toEqual(documented.filter((route) => !route.endsWith(' /session')));
  });

  it('describes each operation from the schemas that validate it: parameters, bodies, roles, problems', async () => {
    const document = (await api.call('viewer', 'GET', '/openapi.json')).body;
    const search = document.paths['/jobs'].get;
    const names = search.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual([
      'state',
      'queue',
      'name',
      'tenant',
      'from',
      'until',
      'payload',
      'fingerprint',
      'cursor',
      'limit',
    ]);
    expect(search.parameters.find((p: { name: string }) => p.name === 'limit').schema.pattern).toBe(
      '^\\d{1,6}$',
    );
    const retry = document.paths['/jobs/{id}/retry'].post;
    expect(retry.parameters).toEqual([
      expect.objectContaining({
        name: 'id',
        in: 'path',
        required: true,
        schema: expect.objectContaining({ type: 'string' }),
      }),
    ]);
    expect(retry.description).toMatch(/operator/);
    expect(retry.responses['401'].content['application/problem+json']).toBeDefined();
    const bulk = document.paths['/jobs/bulk'].post.requestBody.content['application/json'].schema;
    expect(bulk.required).toEqual(['action', 'filter']);
    expect(bulk.properties.action.enum).toEqual(['retry', 'cancel', 'promote', 'replay', 'delete']);
    expect(bulk.additionalProperties).toBe(false);
  });
});
