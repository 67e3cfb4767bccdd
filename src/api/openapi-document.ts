/**
 * The OpenAPI 3.1 document of the API, generated from the route table: each route's path
 * parameters, query parameters and request body come from the zod schemas that validate them
 * (`z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is), so the document cannot
 * drift from what the server accepts. Chosen over @hono/zod-openapi: zod 4 alone does it, with no
 * second router or dependency. Responses are described by status (the problem document for errors).
 */
import { z } from 'zod';
import type { ApiRoute } from './api-route.ts';

export type JsonSchema = Record<string, unknown>;

export const toSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

const PROBLEM: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    field: { type: 'string', description: 'the offending input, e.g. query.limit or body.payload' },
  },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (the problem names the field)',
  401: 'No valid credential',
  403: "The credential's role or tenant scope does not allow this",
  404: "Not found (or outside the credential's tenant)",
  409: 'The record is in a state the action does not apply to',
  413: 'Body or payload too large',
  429: 'Too many failed logins from this address',
};

function parameters(route: ApiRoute): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema);
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...rest } = property;
      list.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  return list;
}

function operation(route: ApiRoute): JsonSchema {
  const errors = [400, 401, 403, 429, ...(route.errors ?? [])];
  const responses: Record<string, JsonSchema> = {
    '2XX': {
      description: 'Success',
      content: { [route.produces ?? 'application/json']: { schema: {} } },
    },
  };
  for (const status of [...new Set(errors)].sort()) {
    responses[String(status)] = {
      description: ERROR_TEXT[status] ?? 'Error',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    description: `Needs the \`${route.role}\` role${route.unscopedOnly ? ' and a credential not scoped to one tenant' : ''}.${route.audit ? ` Audited as \`${route.audit}\`.` : ''}`,
    parameters: parameters(route),
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body) } } } }
      : {}),
    responses,
  };
}

/**
 * The document of `routes`, plus `extra` operations declared by hand (the session routes, which sit
 * in front of the credential check and so are not route-table routes).
 */
export function openApiDocument(
  routes: readonly ApiRoute[],
  basePath: string,
  version: string,
  extra: Record<string, Record<string, JsonSchema>> = {},
): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = { ...extra };
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Conveyor REST API',
      version,
      description:
        'Operate Conveyor: queues, jobs, schedules, dead letters, analytics, workers, tenants. Every ' +
        'route needs `Authorization: Bearer <API key or JWT>`; a tenant-scoped credential sees its tenant only.',
    },
    servers: [{ url: basePath }],
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (cvk_…) or a JWT' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'conveyor_session',
          description: 'A dashboard session (POST /session); a mutating request must also send X-CSRF-Token',
        },
      },
      schemas: { Problem: PROBLEM },
    },
  };
}
