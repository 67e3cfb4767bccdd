/**
 * Fetch handlers on Node's `http`: `toNodeHandler` for `http.createServer(…)`, Express or
 * Fastify's raw handlers, and `createNodeServer`, a server of its own with listen/close.
 *
 * Built on @hono/node-server's request listener rather than our own: it streams bodies both ways,
 * keeps every Set-Cookie header, aborts `request.signal` when the client goes away, drains an
 * unread request body (bounded) so keep-alive connections stay usable, and rejects malformed Host
 * headers and request targets; all of which the dashboard and API will need. Two of its defaults
 * are turned off: it would replace the process's global Request and Response with its own classes
 * (not ours to do in someone else's process), and a request without a Host header gets
 * `localhost` instead of a 400 (handlers read only the path and query).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import { httpCode, problem, problemFromError, problemResponse } from './problem-response.ts';
import { readBody } from './request-body.ts';

/**
 * A Fetch-standard handler: a Next.js route handler, a Hono app's `fetch`, … On Node, `env` is
 * @hono/node-server's `{ incoming, outgoing }` (the API reads the client's address from it).
 */
export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

/** A Node `http` request listener; resolves once the response is written. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/**
 * The listener for `handler`. A request the adapter cannot turn into a Request (a malformed Host
 * header or request target) answers 400; a handler that throws, 500 (handlers built here never do).
 */
export function nodeListener(handler: FetchHandler): NodeHandler {
  return getRequestListener((request, env) => handler(request, env), {
    overrideGlobalObjects: false,
    hostname: 'localhost',
    errorHandler: (error) =>
      problemResponse(
        error instanceof RequestError
          ? problem(400, httpCode(400), `malformed request: ${error.message}`)
          : problemFromError(null),
      ),
  });
}

/**
 * Reads the body up to `maxBodyBytes` before `handler` sees the request: a larger one gets 413 (at
 * once when Content-Length says so, else as soon as the stream passes the limit), and the
 * connection is closed rather than the rest of the body read.
 */
function withBodyLimit(handler: FetchHandler, maxBodyBytes: number): FetchHandler {
  return async (request, env) => {
    if (request.body === null) return handler(request, env);
    let body: Uint8Array;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      return problemResponse(problemFromError(error), { connection: 'close' });
    }
    // A new Request: the adapter's own request class cannot be cloned with a new body.
    const { url, method, headers, signal } = request;
    return handler(new Request(url, { method, headers, signal, body }), env);
  };
}

/**
 * Adapts a Fetch-API handler to Node's `http` `(req, res)` (a Node server, Express, Fastify's raw
 * handlers). Request bodies over `maxBodyBytes` (default 1 MiB) get 413 before the handler runs.
 */
export function toNodeHandler(handler: FetchHandler, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): NodeHandler {
  return nodeListener(withBodyLimit(handler, maxBodyBytes));
}

export interface NodeServerOptions {
  /** Port (default 3000; 0 for any free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1: loopback only). */
  host?: string;
}

export interface NodeServer {
  readonly server: Server;
  /** Starts listening; resolves with the bound address and base URL. */
  listen(): Promise<{ port: number; host: string; url: string }>;
  /** Stops listening and closes open connections, idle or not. */
  close(): Promise<void>;
}

/** An HTTP server for `handler` alone, bound to 127.0.0.1 unless told otherwise. */
export function createNodeServer(handler: FetchHandler, options: NodeServerOptions = {}): NodeServer {
  const listener = nodeListener(handler);
  const server = createServer((req, res) => void listener(req, res));
  const host = options.host ?? '127.0.0.1';
  return {
    server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 3000, host, () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve({ port, host, url: `http://${shown}:${port}` });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
