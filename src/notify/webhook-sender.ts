/**
 * One HTTP POST of a webhook body with its headers, bounded by a timeout. It never retries: the
 * caller's job does (backoff, dead letters), so every attempt is visible. Used by notification
 * webhooks and by alert webhooks (observe/alerts/webhook.ts).
 */

export interface WebhookAttempt {
  /** The HTTP status, or null when no answer came (network error, timeout). */
  status: number | null;
  ok: boolean;
  /** Why it failed (no secret, URL or body in it). */
  error: string | null;
  durationMs: number;
}

export async function postWebhook(params: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  userAgent: string;
}): Promise<WebhookAttempt> {
  const started = performance.now();
  try {
    const response = await fetch(params.url, {
      method: 'POST',
      headers: { ...params.headers, 'content-type': 'application/json', 'user-agent': params.userAgent },
      body: params.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(params.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      status: response.status,
      ok,
      error: ok ? null : `answered HTTP ${response.status}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const reason =
      name === 'TimeoutError' ? `no answer within ${params.timeoutMs} ms` : `request failed (${name})`;
    return { status: null, ok: false, error: reason, durationMs: Math.round(performance.now() - started) };
  }
}
