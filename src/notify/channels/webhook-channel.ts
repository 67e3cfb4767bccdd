/**
 * The webhook channel: per-tenant endpoints, each message a Conveyor job (`<rule set>:webhook`) signed
 * as Standard Webhooks says, retried with exponential backoff (default 8 attempts from 5 s, ×4,
 * capped at 1 h — Svix's schedule in spirit), every attempt written to the endpoint's delivery log.
 * An endpoint failing for longer than `disableAfter` (default 5 days) is disabled; further messages
 * to it are skipped until an operator re-enables it (`webhooks.enable`).
 *
 * Invariant: the `webhook-id` of a message is the same on every attempt (receivers dedupe on it),
 * and secrets are read from the database at send time, never carried in job payloads or logs.
 */
import { ValidationError } from '../../core/errors.ts';
import { type AnyJobDefinition, defineJob } from '../../core/job-definition.ts';
import { uuidv7 } from '../../events/uuidv7.ts';
import type {
  NotificationStore,
  WebhookDeliveryRow,
  WebhookEndpointRow,
} from '../../store/notification-store.ts';
import { postWebhook } from '../webhook-sender.ts';
import { generateWebhookSecret, signWebhook, webhookKey } from '../webhook-signer.ts';

/** The webhook job's name for a rule set (`notifications:webhook`). */
export const webhookJobName = (ruleSet: string): string => `${ruleSet}:webhook`;

export interface WebhookJobPayload {
  tenantId: string;
  endpointId: string;
  messageId: string;
  /** The exact JSON string sent and signed. */
  body: string;
}

export interface WebhookChannelSettings {
  disableAfterMs: number;
  timeoutMs: number;
  now: () => Date;
}

/** The webhook job (`<rule set>:webhook`): one signed POST per attempt, logged; throws to retry. */
export function webhookJob(
  store: () => Promise<NotificationStore>,
  settings: WebhookChannelSettings,
  queue: string,
  name: string,
): AnyJobDefinition {
  return defineJob<WebhookJobPayload>({
    name,
    queue,
    async handler({ payload, job }) {
      const s = await store();
      const endpoint = await s.notifyWebhookEndpointGet({
        tenantId: payload.tenantId,
        id: payload.endpointId,
      });
      if (!endpoint) return { skipped: 'endpoint deleted' };
      if (!endpoint.enabled) return { skipped: 'endpoint disabled' };
      const headers = signWebhook({
        id: payload.messageId,
        timestamp: settings.now(),
        body: payload.body,
        secrets: endpoint.secrets,
      });
      const attempt = await postWebhook({
        url: endpoint.url,
        body: payload.body,
        headers: { ...headers },
        timeoutMs: settings.timeoutMs,
        userAgent: 'conveyor-webhooks',
      });
      const after = await s.notifyWebhookDeliveryRecord({
        tenantId: payload.tenantId,
        endpointId: payload.endpointId,
        messageId: payload.messageId,
        attempt: job.attempt,
        status: attempt.status,
        error: attempt.error,
        durationMs: attempt.durationMs,
        ok: attempt.ok,
        disableAfterMs: settings.disableAfterMs,
        now: settings.now(),
      });
      if (attempt.ok) return { status: attempt.status };
      if (after && !after.enabled) return { status: attempt.status, disabled: true };
      throw new Error(`webhook endpoint ${payload.endpointId} ${attempt.error ?? 'failed'}`);
    },
  }) as unknown as AnyJobDefinition;
}

export interface WebhookEndpointsApi {
  /** Registers an endpoint; returns it with its secret (shown once: store it at the receiver). */
  create(params: {
    tenantId: string;
    url: string;
    types?: string[];
    secret?: string;
  }): Promise<WebhookEndpointRow & { secret: string }>;
  list(tenantId: string): Promise<WebhookEndpointRow[]>;
  /** An operator re-enables a disabled endpoint (its failure clock restarts). */
  enable(tenantId: string, id: string): Promise<WebhookEndpointRow | null>;
  /** Rotation: a new secret signs first; the old one keeps signing until `dropOld`. */
  rotateSecret(
    tenantId: string,
    id: string,
    options?: { dropOld?: boolean },
  ): Promise<{ secret: string } | null>;
  deliveries(tenantId: string, id: string, limit?: number): Promise<WebhookDeliveryRow[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function webhookEndpointsApi(
  store: () => Promise<NotificationStore>,
  now: () => Date,
  assertTenant: (tenantId: unknown) => string,
): WebhookEndpointsApi {
  const id = (value: unknown) => {
    if (typeof value !== 'string' || !UUID.test(value))
      throw new ValidationError('id', 'must be an endpoint id (uuid)');
    return value;
  };
  return {
    async create(params) {
      const tenantId = assertTenant(params?.tenantId);
      let url: URL;
      try {
        url = new URL(String(params.url));
      } catch {
        throw new ValidationError('url', 'must be an absolute http(s) URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new ValidationError('url', 'must be an absolute http(s) URL');
      }
      const secret = params.secret ?? generateWebhookSecret();
      webhookKey(secret, 'secret');
      if (
        params.types !== undefined &&
        (!Array.isArray(params.types) || params.types.some((t) => typeof t !== 'string'))
      ) {
        throw new ValidationError('types', 'must be an array of notification types, or omitted for all');
      }
      const row = await (await store()).notifyWebhookEndpointCreate({
        id: uuidv7(now().getTime()),
        tenantId,
        url: url.toString(),
        secrets: [secret],
        types: params.types ?? null,
        now: now(),
      });
      return { ...row, secret };
    },
    async list(tenantId) {
      return (await store()).notifyWebhookEndpointList({ tenantId: assertTenant(tenantId) });
    },
    async enable(tenantId, endpointId) {
      return (await store()).notifyWebhookEndpointUpdate({
        tenantId: assertTenant(tenantId),
        id: id(endpointId),
        enable: true,
        secrets: null,
      });
    },
    async rotateSecret(tenantId, endpointId, options = {}) {
      const s = await store();
      const endpoint = await s.notifyWebhookEndpointGet({
        tenantId: assertTenant(tenantId),
        id: id(endpointId),
      });
      if (!endpoint) return null;
      const secret = generateWebhookSecret();
      const secrets = options.dropOld ? [secret] : [secret, ...endpoint.secrets.slice(0, 1)];
      await s.notifyWebhookEndpointUpdate({ tenantId, id: endpointId, enable: null, secrets });
      return { secret };
    },
    async deliveries(tenantId, endpointId, limit = 50) {
      return (await store()).notifyWebhookDeliveryList({
        tenantId: assertTenant(tenantId),
        endpointId: id(endpointId),
        limit: Math.min(Math.max(1, Math.trunc(limit)), 500),
      });
    },
  };
}
