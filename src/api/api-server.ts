/**
 * The API on a Node server of its own (`conveyor dashboard`): bound to 127.0.0.1 unless told
 * otherwise, and refusing to listen anywhere but loopback with auth disabled, since then every
 * caller is an admin of every tenant.
 */
import { ValidationError } from '../core/errors.ts';
import { createNodeServer, type NodeServer } from '../http/node-adapter.ts';
import { type ApiHandler, type ApiHandlerOptions, createApiHandler } from './api-handler.ts';

export interface ApiServerOptions extends ApiHandlerOptions {
  /** Port (default 3000; 0 for any free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
}

export interface ApiServer extends NodeServer {
  readonly handler: ApiHandler;
}

/** 127.0.0.0/8, ::1 and `localhost`: addresses no other machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

export function createApiServer(options: ApiServerOptions): ApiServer {
  const host = options.host ?? '127.0.0.1';
  if (options.auth === 'disabled' && !isLoopbackHost(host)) {
    throw new ValidationError(
      'host',
      `refusing to serve the API without auth on ${host}: anyone who reaches it would be an admin. ` +
        'Bind to 127.0.0.1, or turn auth on (API keys: `conveyor keys create --role admin`)',
    );
  }
  const handler = createApiHandler(options);
  const server = createNodeServer(handler.fetch, {
    host,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  // Open live streams end first (their pollers stop), then the connections close.
  const closeServer = server.close;
  const close = async () => {
    await handler.settled();
    await closeServer();
  };
  return Object.assign(server, { handler, close });
}
