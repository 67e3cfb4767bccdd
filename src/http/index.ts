/**
 * `conveyor-jobs/http`: Conveyor's HTTP surfaces, as Fetch-standard handlers with a Node adapter.
 * A separate entry so that a process that serves no HTTP (a worker) never loads the router.
 * Everything not exported here is internal.
 */

export { type FetchHandler, type NodeHandler, toNodeHandler } from './node-adapter.ts';
export {
  createObservabilityFetchHandler,
  createObservabilityHandler,
  createObservabilityServer,
  type ObservabilityHandler,
  type ObservabilityHandlerOptions,
  type ObservabilityServer,
  type ObservabilityServerOptions,
  type ObservableConveyor,
} from './observability-server.ts';
export type { ProblemDetails } from './problem-response.ts';
export { createTriggerHandler, type TriggerHandlerOptions } from './trigger-handler.ts';
