/**
 * Fan-out: one event → one notification per recipient, written by the notifier's durable bus
 * subscriber (a Conveyor job per event, retried and dead-lettered by the bus).
 *
 * Invariant: everything an event causes commits in ONE transaction (store.notifyFanout): the
 * (rule set, event) handled mark, the rows (one INSERT … SELECT per batch of recipients — every
 * active user of the tenant is one statement whatever their number), the `notification.created`
 * outbox events (one statement), and the email and webhook delivery jobs. A retry after a crash
 * either finds the mark and does nothing, or finds nothing and does it all.
 */
import type { Logger } from 'pino';
import type { NewJob } from '../core/enqueue-options.ts';
import type { EventEnvelope } from '../events/event-envelope.ts';
import { uuidv7 } from '../events/uuidv7.ts';
import type { ConveyorMetrics } from '../observe/metrics.ts';
import type { NewEvent } from '../store/event-store.ts';
import type { NotificationStore } from '../store/notification-store.ts';
import { type EmailJobPayload, emailJobName } from './channels/email-channel.ts';
import { type WebhookJobPayload, webhookJobName } from './channels/webhook-channel.ts';
import type { NotificationPreferences } from './notification-preferences.ts';
import { matchRule, type NotificationRule } from './notification-rules.ts';

export interface FanoutDeps {
  store: () => Promise<NotificationStore>;
  rules: readonly NotificationRule[];
  ruleSet: string;
  preferences: NotificationPreferences;
  metrics: ConveyorMetrics;
  now: () => Date;
  source: string;
  queue: string;
  batchSize: number;
  /** Whether the email channel is configured (else no email jobs). */
  email: boolean;
  webhook: { attempts: number; delayMs: number; maxDelayMs: number };
  log: Logger;
}

export interface FanoutReport {
  /** The matched notification type, or null (no rule matched / no tenant). */
  type: string | null;
  /** False when this rule set had already handled the event. */
  written: boolean;
  notifications: number;
  emails: number;
  webhooks: number;
  statements: number;
}

function job(
  queue: string,
  name: string,
  payload: unknown,
  tenantId: string,
  now: Date,
  policy: Partial<NewJob>,
): NewJob {
  return {
    queue,
    name,
    payload,
    priority: 0,
    runAt: now,
    maxAttempts: 5,
    backoff: { type: 'exponential', delayMs: 10_000, maxDelayMs: 3_600_000, jitter: 0, factor: 4 },
    timeoutMs: 60_000,
    tenantId,
    groupKey: tenantId,
    uniqueKey: null,
    uniqueUntil: null,
    metadata: null,
    ...policy,
  };
}

export async function fanOut(deps: FanoutDeps, event: EventEnvelope): Promise<FanoutReport> {
  const none = { type: null, written: false, notifications: 0, emails: 0, webhooks: 0, statements: 0 };
  if (!event.tenantId) return none;
  const tenantId = event.tenantId;
  const matched = matchRule(deps.rules, event);
  if (!matched) return none;
  if (matched.recipients !== null && matched.recipients.length === 0)
    return { ...none, type: matched.rule.type };
  const { content } = matched;
  const now = deps.now();
  let emails = 0;
  let webhooks = 0;
  const result = await (await deps.store()).notifyFanout({
    ruleSet: deps.ruleSet,
    eventId: event.id,
    tenantId,
    now,
    notification: content,
    recipients: matched.recipients,
    defaults: deps.preferences.defaultsFor(content.type),
    mandatory: deps.preferences.isMandatory(content.type),
    batchSize: deps.batchSize,
    followUps({ recipients, webhookEndpoints }) {
      const events: NewEvent[] = [];
      const jobs: NewJob[] = [];
      for (const r of recipients) {
        if (r.id !== null) {
          events.push({
            id: uuidv7(now.getTime()),
            stream: tenantId,
            type: 'notification.created',
            schemaVersion: 1,
            source: deps.source,
            tenantId,
            correlationId: event.correlationId ?? null,
            causationId: event.id,
            occurredAt: now,
            payload: {
              userId: r.userId,
              notificationId: r.id,
              notificationType: content.type,
              title: content.title,
              unreadCount: r.unread,
            },
          });
        }
        if (deps.email && r.email !== null) {
          const payload: EmailJobPayload = {
            kind: 'notification',
            tenantId,
            userId: r.userId,
            to: r.email,
            notification: {
              type: content.type,
              title: content.title,
              body: content.body,
              link: content.link,
            },
          };
          jobs.push(
            job(deps.queue, emailJobName(deps.ruleSet), payload, tenantId, now, {
              metadata: { event: event.type },
            }),
          );
        }
      }
      const body = JSON.stringify({
        type: `notification.${content.type}`,
        timestamp: now.toISOString(),
        data: { tenantId, eventId: event.id, eventType: event.type, ...content },
      });
      for (const endpointId of webhookEndpoints) {
        const payload: WebhookJobPayload = { tenantId, endpointId, messageId: `msg_${event.id}`, body };
        jobs.push(
          job(deps.queue, webhookJobName(deps.ruleSet), payload, tenantId, now, {
            maxAttempts: deps.webhook.attempts,
            backoff: {
              type: 'exponential',
              delayMs: deps.webhook.delayMs,
              maxDelayMs: deps.webhook.maxDelayMs,
              jitter: 0,
              factor: 4,
            },
            timeoutMs: null,
            metadata: { event: event.type, endpoint: endpointId },
          }),
        );
      }
      emails = jobs.length - webhookEndpoints.length;
      webhooks = webhookEndpoints.length;
      return { events, jobs };
    },
  });
  if (!result.written) return { ...none, type: content.type, statements: result.statements };
  const notifications = result.recipients.filter((r) => r.id !== null).length;
  const labels = (channel: string) => ({ event: event.type, channel });
  if (notifications > 0) deps.metrics.notificationFanout.inc(labels('in_app'), notifications);
  if (emails > 0) deps.metrics.notificationFanout.inc(labels('email'), emails);
  if (webhooks > 0) deps.metrics.notificationFanout.inc(labels('webhook'), webhooks);
  return {
    type: content.type,
    written: true,
    notifications,
    emails,
    webhooks,
    statements: result.statements,
  };
}
