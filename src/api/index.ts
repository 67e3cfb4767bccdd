/**
 * `conveyor-jobs/api`: the REST API (`/api/v1`) with API keys, roles, tenant scoping and an audit
 * log, as a Fetch handler (a Hono app). A separate entry so that processes that serve no API never
 * load it. Everything not exported here is internal. docs/api.md.
 */

export type { Scope } from '../core/scope.ts';
export {
  type ApiAuthOptions,
  type ApiHandler,
  type ApiHandlerOptions,
  createApiHandler,
} from './api-handler.ts';
export { type ApiKeyRequest, type CreatedApiKey, createApiKey } from './api-keys.ts';
export { type ApiServer, type ApiServerOptions, createApiServer, isLoopbackHost } from './api-server.ts';
export type { LoginThrottleOptions } from './login-throttle.ts';
export type { ApiRole, ApiTokenVerifier, Principal, TokenClaims } from './principal.ts';
