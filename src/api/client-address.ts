/**
 * The client's address, for the login throttle and the audit log: the socket's remote address on
 * Node (@hono/node-server passes `{ incoming }` as the env), the first `X-Forwarded-For` entry only
 * when the operator says a trusted proxy sets it (a client can write that header itself), else
 * `unknown` (a Fetch-only host: give trustProxy with the platform's proxy).
 */

export function clientAddress(request: Request, env: unknown, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded.slice(0, 100);
  }
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
