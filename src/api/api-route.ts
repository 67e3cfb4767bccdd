/**
 * A REST route, declared once: method, path, the role it needs, the zod schemas of its path
 * parameters, query and body, and its handler. The same declaration registers the Hono route
 * (api-handler.ts) and writes the route's entry in the OpenAPI document (openapi-document.ts), so
 * the document lists exactly the routes served and the schemas that validate them.
 *
 * Invariant: a handler sees only input its schemas accepted (a refusal is a 400 naming the field,
 * before anything runs) and the caller's scope, which it passes to every store call; a route that
 * changes something returns an `audit` record, written by the route runner after it succeeds.
 */
import type { z } from 'zod';
import type { Conveyor } from '../client/conveyor-api.ts';
import type { Scope } from '../core/scope.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { Store } from '../store/store.ts';
import type { BulkRunner } from './bulk-runner.ts';
import type { ApiRole, Principal } from './principal.ts';
import type { StreamHub } from './stream-hub.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a route's handler gets. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  /** The caller's tenant scope: give it to every store call. */
  scope: Scope;
  store: Store;
  conveyor: Conveyor;
  bulk: BulkRunner;
  now: Date;
  /** The event bus, when the handler was given one (its routes are served only then). */
  events?: EventBus;
  /** The notifier, when the handler was given one (its routes are served only then). */
  notifier?: Notifier;
  /** The live streams of this handler (GET /stream): one poller per scope, shared. */
  streams: StreamHub;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** A change to record in the audit log. */
export interface AuditRecord {
  target: string | null;
  before?: unknown;
  after?: unknown;
}

export interface RouteResult {
  /** Default 200. */
  status?: number;
  body: unknown;
  /** Required on routes with `audit`: what changed. */
  audit?: AuditRecord;
  /** A response of its own (a stream) instead of `body` as JSON. */
  response?: Response;
}

// biome-ignore lint/suspicious/noExplicitAny: a route table holds routes of every shape.
export interface ApiRoute<P = any, Q = any, B = any> {
  method: HttpMethod;
  /** OpenAPI form, relative to the API's base: `/jobs/{id}`. */
  path: string;
  /** OpenAPI operationId. */
  operationId: string;
  summary: string;
  tag: string;
  role: ApiRole;
  /** Routes a tenant-scoped credential may not call (queue-wide settings, keys): 403 for them. */
  unscopedOnly?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The audit action of a route that changes something, e.g. `job.retry`. */
  audit?: string;
  /** The success response's media type (default application/json), for the document. */
  produces?: string;
  /** Status codes the route answers besides 2xx, 400, 401, 403 (for the document). */
  errors?: number[];
  handle(context: RouteContext<P, Q, B>): Promise<RouteResult>;
}

/** Declares a route, inferring its handler's types from its schemas. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  definition: ApiRoute<P, Q, B>,
): ApiRoute<P, Q, B> {
  return definition;
}
