/**
 * Notification rules in code: which events become which notifications. A rule names an event
 * type, an optional condition on the payload, the notification type, title/body/link templates
 * (`"Kanban card moved to {toStage}"` or a function), and its recipients (every active user of the
 * event's tenant — the seed's default — or users picked from the event).
 *
 * Invariant: rules are tried in order and the FIRST one whose event type and condition match wins
 * (the seed's table reads that way: "PO sent" before "PO other"), so one event makes at most one
 * notification per recipient per rule set. A condition or template that throws fails that event's
 * delivery job alone (retried, then dead-lettered where an operator sees it); other events go on.
 */
import { ValidationError } from '../core/errors.ts';
import type { EventEnvelope } from '../events/event-envelope.ts';
import type { NotificationContent } from '../store/notification-store.ts';

export type TextTemplate = string | ((payload: Record<string, unknown>, event: EventEnvelope) => string);

/** Who receives a rule's notification: every active user of the tenant, or the users returned. */
export type RecipientsOption =
  | 'tenant'
  | ((event: EventEnvelope<Record<string, unknown>>) => string | readonly string[] | null | undefined);

export interface NotificationRule {
  /** The event type, e.g. `order.status_changed`. */
  event: string;
  /** Extra condition on the payload; the rule matches only when it returns true. */
  when?: (payload: Record<string, unknown>, event: EventEnvelope) => boolean;
  /** The notification type, e.g. `po_received`. */
  type: string;
  title: TextTemplate;
  body?: TextTemplate;
  link?: TextTemplate;
  /** Default `'tenant'`: every active user of the event's tenant. */
  recipients?: RecipientsOption;
  /** Extra data kept on the notification (default: the event's payload). */
  data?: (payload: Record<string, unknown>, event: EventEnvelope) => unknown;
}

const TYPE_NAME = /^[a-z][a-z0-9_.:-]{0,62}$/;

/** Checks rules; errors name the rule and field. */
export function assertRules(rules: unknown, field = 'rules'): NotificationRule[] {
  if (!Array.isArray(rules) || rules.length === 0) {
    throw new ValidationError(field, 'must be a non-empty array of { event, type, title } rules');
  }
  rules.forEach((rule, index) => {
    const at = `${field}[${index}]`;
    if (!rule || typeof rule !== 'object') throw new ValidationError(at, 'must be an object');
    const r = rule as Record<string, unknown>;
    if (typeof r.event !== 'string' || r.event.length === 0) {
      throw new ValidationError(`${at}.event`, 'must be an event type such as "order.created"');
    }
    if (typeof r.type !== 'string' || !TYPE_NAME.test(r.type)) {
      throw new ValidationError(
        `${at}.type`,
        'must be a notification type of lowercase letters, digits and _ such as "po_created"',
      );
    }
    for (const key of ['title', 'body', 'link'] as const) {
      const value = r[key];
      if (value === undefined && key !== 'title') continue;
      if (typeof value !== 'string' && typeof value !== 'function') {
        throw new ValidationError(`${at}.${key}`, 'must be a template string ("… {field} …") or a function');
      }
    }
    for (const key of ['when', 'data'] as const) {
      if (r[key] !== undefined && typeof r[key] !== 'function') {
        throw new ValidationError(`${at}.${key}`, 'must be a function of (payload, event)');
      }
    }
    if (r.recipients !== undefined && r.recipients !== 'tenant' && typeof r.recipients !== 'function') {
      throw new ValidationError(
        `${at}.recipients`,
        "must be 'tenant' (every active user) or a function (event) => userId | userId[]",
      );
    }
  });
  return rules as NotificationRule[];
}

/** `{field}` and `{a.b}` replaced by the payload's values (missing: empty). */
export function renderTemplate(
  template: TextTemplate,
  payload: Record<string, unknown>,
  event: EventEnvelope,
): string {
  if (typeof template === 'function') return String(template(payload, event));
  return template.replace(/\{([A-Za-z0-9_.]+)\}/g, (_, path: string) => {
    let value: unknown = payload;
    for (const key of path.split('.')) {
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    }
    return value === undefined || value === null ? '' : String(value);
  });
}

export interface MatchedRule {
  rule: NotificationRule;
  content: NotificationContent;
  /** null: every active user of the tenant. */
  recipients: string[] | null;
}

/** The first rule matching the event, rendered; null when none matches. Throws what a template throws. */
export function matchRule(rules: readonly NotificationRule[], event: EventEnvelope): MatchedRule | null {
  const payload = (event.payload && typeof event.payload === 'object' ? event.payload : {}) as Record<
    string,
    unknown
  >;
  for (const rule of rules) {
    if (rule.event !== event.type) continue;
    if (rule.when && rule.when(payload, event) !== true) continue;
    const recipients =
      rule.recipients === undefined || rule.recipients === 'tenant'
        ? null
        : normalizeRecipients(rule.recipients(event as EventEnvelope<Record<string, unknown>>));
    return {
      rule,
      recipients,
      content: {
        type: rule.type,
        title: renderTemplate(rule.title, payload, event),
        body: rule.body === undefined ? null : renderTemplate(rule.body, payload, event),
        link: rule.link === undefined ? null : renderTemplate(rule.link, payload, event),
        data: rule.data ? (rule.data(payload, event) ?? null) : payload,
      },
    };
  }
  return null;
}

function normalizeRecipients(value: string | readonly string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  const list = typeof value === 'string' ? [value] : [...value];
  return [...new Set(list.filter((id) => typeof id === 'string' && id.length > 0))];
}
