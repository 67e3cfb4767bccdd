/**
 * `createNotifier({ conveyor, bus, rules })`: notifications on the event bus (docs/notifications.md).
 * Declares one durable bus subscriber per event type the rules name (all sharing the rule set's
 * handled marks), registers the delivery jobs (`<name>:email`, `<name>:webhook`) on the Conveyor,
 * and adds the digest runner to the process's services. Call before starting workers.
 */

import type { Conveyor } from '../client/conveyor-api.ts';
import { type ConveyorInternals, internalsOf } from '../client/conveyor-internals.ts';
import { type Duration, parseDuration } from '../core/duration.ts';
import { ValidationError } from '../core/errors.ts';
import { assertName } from '../core/job-definition.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { EventEnvelope } from '../events/event-envelope.ts';
import type { Subscription } from '../events/event-subscriptions.ts';
import type { PreferenceRow } from '../store/notification-store.ts';
import { assertEmailOptions, type EmailOptions, emailJob, emailJobName } from './channels/email-channel.ts';
import {
  type WebhookEndpointsApi,
  webhookEndpointsApi,
  webhookJob,
  webhookJobName,
} from './channels/webhook-channel.ts';
import { type DigestRunReport, DigestService, runDigests } from './digest-runner.ts';
import { assertDigestSettings, type DigestSettings, nextDigestAt } from './digest-schedule.ts';
import { HandledMarkRetention, pruneHandledMarks } from './handled-retention.ts';
import { notificationUnreadChanged } from './notification-events.ts';
import { type FanoutReport, fanOut } from './notification-fanout.ts';
import {
  assertScope,
  assertScopePart,
  createInbox,
  type Inbox,
  type InboxScope,
} from './notification-inbox.ts';
import {
  type ChannelDefaults,
  type EffectivePreference,
  NotificationPreferences,
  type PreferenceChange,
  SEED_CHANNEL_DEFAULTS,
} from './notification-preferences.ts';
import { assertRules, type NotificationRule } from './notification-rules.ts';
import { type UnsubscribeScope, verifyUnsubscribeToken } from './unsubscribe-token.ts';

export interface NotifierOptions {
  conveyor: Conveyor;
  bus: EventBus;
  rules: NotificationRule[];
  /** The rule set's durable name (subscriptions `<name>.<event type>`; default `notifications`). */
  name?: string;
  /** Queue of delivery jobs and subscriber jobs (default `notifications`). */
  queue?: string;
  /** Notification types beyond those the rules make (e.g. ones your jobs create). */
  types?: string[];
  /** Channel defaults per type (default: the seed's). */
  defaults?: ChannelDefaults;
  /** Types every user gets on every channel whatever their preferences. */
  mandatory?: string[];
  email?: EmailOptions;
  webhooks?: {
    attempts?: number;
    delay?: Duration;
    maxDelay?: Duration;
    disableAfter?: Duration;
    timeout?: Duration;
  };
  /** The digest runner (default every minute, 1,000 users per transaction), or false. */
  digest?: { interval?: Duration; batchSize?: number } | false;
  /** Recipients per insert statement for explicit recipient lists (default 5,000). */
  fanoutBatchSize?: number;
  /** How long fan-out handled marks are kept (default 30 days, at least 1 day), or false to keep them. */
  handledRetention?: { age?: Duration; interval?: Duration } | false;
}

export interface NotifyUser {
  tenantId: string;
  userId: string;
  email?: string | null;
  /** Default true: only active users receive tenant-wide notifications. */
  active?: boolean;
  digest?: Partial<DigestSettings>;
}

export interface Notifier {
  /** Registers or updates recipients (email, active, digest frequency / hour / time zone). */
  upsertUsers(users: readonly NotifyUser[]): Promise<void>;
  /** The inbox of one user in one tenant; every call is scoped to both. */
  inbox(scope: InboxScope): Inbox;
  preferences: {
    get(scope: InboxScope): Promise<EffectivePreference[]>;
    set(scope: InboxScope, changes: readonly PreferenceChange[]): Promise<void>;
    /** A tenant admin's overrides of the defaults, and mandatory types. */
    setTenant(
      tenantId: string,
      changes: readonly (PreferenceChange & { mandatory?: boolean })[],
    ): Promise<void>;
  };
  webhooks: WebhookEndpointsApi;
  /** Runs due digests now (the service does it every interval). */
  runDigests(now?: Date): Promise<DigestRunReport>;
  /** Applies a one-click unsubscribe token: email off for its type (or every non-mandatory type). */
  unsubscribe(token: string): Promise<UnsubscribeScope>;
  /** Applies the handled-mark retention now; returns how many marks were deleted. */
  pruneHandled(): Promise<number>;
  /** Fans one event out now, as the subscriber does (scripts, bench). */
  handle(event: EventEnvelope): Promise<FanoutReport>;
  readonly subscriptions: readonly Subscription[];
  readonly types: readonly string[];
}

export async function createNotifier(options: NotifierOptions): Promise<Notifier> {
  const internals: ConveyorInternals = internalsOf(options?.conveyor, 'createNotifier.conveyor');
  const { store, now, log } = internals;
  const rules = assertRules(options.rules, 'createNotifier.rules');
  const name = options.name ?? 'notifications';
  assertName(name, 'createNotifier.name');
  const queue = options.queue ?? 'notifications';
  assertName(queue, 'createNotifier.queue');
  const defaults = options.defaults ?? SEED_CHANNEL_DEFAULTS;
  const listed = (v: 'all' | readonly string[]) => (v === 'all' ? [] : v);
  const types = [
    ...new Set([
      ...rules.map((r) => r.type),
      ...(options.types ?? []),
      ...listed(defaults.in_app),
      ...listed(defaults.email),
      ...listed(defaults.webhook),
      ...(options.mandatory ?? []),
    ]),
  ];
  const email = options.email ? assertEmailOptions(options.email, 'createNotifier.email') : null;
  const w = options.webhooks ?? {};
  const webhookSettings = {
    attempts: w.attempts ?? 8,
    delayMs: parseDuration(w.delay ?? '5s', 'createNotifier.webhooks.delay'),
    maxDelayMs: parseDuration(w.maxDelay ?? '1h', 'createNotifier.webhooks.maxDelay'),
    disableAfterMs: parseDuration(w.disableAfter ?? '5d', 'createNotifier.webhooks.disableAfter'),
    timeoutMs: parseDuration(w.timeout ?? '10s', 'createNotifier.webhooks.timeout'),
  };
  if (
    !Number.isInteger(webhookSettings.attempts) ||
    webhookSettings.attempts < 1 ||
    webhookSettings.attempts > 100
  ) {
    throw new ValidationError('createNotifier.webhooks.attempts', 'must be a whole number from 1 to 100');
  }
  const batchSize = options.fanoutBatchSize ?? 5_000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000) {
    throw new ValidationError('createNotifier.fanoutBatchSize', 'must be a whole number from 1 to 50,000');
  }
  const retention = options.handledRetention === false ? null : (options.handledRetention ?? {});
  const retentionMs = retention
    ? parseDuration(retention.age ?? '30d', 'createNotifier.handledRetention.age')
    : null;
  if (retentionMs !== null && retentionMs < 86_400_000) {
    throw new ValidationError(
      'createNotifier.handledRetention.age',
      'must be at least 1 day and should outlast the event retention (7 days by default), or a replay could notify twice',
    );
  }
  const retentionIntervalMs = retention
    ? parseDuration(retention.interval ?? '1h', 'createNotifier.handledRetention.interval')
    : null;
  const digest = options.digest === false ? null : (options.digest ?? {});
  const digestBatch = digest?.batchSize ?? 1_000;
  if (!Number.isInteger(digestBatch) || digestBatch < 1 || digestBatch > 10_000) {
    throw new ValidationError('createNotifier.digest.batchSize', 'must be a whole number from 1 to 10,000');
  }
  const digestIntervalMs = digest
    ? parseDuration(digest.interval ?? '1m', 'createNotifier.digest.interval')
    : null;
  if (!options.bus || typeof options.bus.subscribe !== 'function') {
    throw new ValidationError(
      'createNotifier.bus',
      'must be the event bus made by createEventBus({ conveyor })',
    );
  }
  const preferences = new NotificationPreferences({
    store,
    defaults,
    mandatory: options.mandatory ?? [],
    types,
    now,
  });
  const deps = {
    store,
    rules,
    ruleSet: name,
    preferences,
    metrics: internals.metrics,
    now,
    source: 'notifications',
    queue,
    batchSize,
    email: email !== null,
    webhook: webhookSettings,
    log,
  };

  const mailer = email ? emailJob(email, queue, emailJobName(name)) : null;
  if (mailer) internals.registry.register(mailer.job);
  internals.registry.register(webhookJob(store, { ...webhookSettings, now }, queue, webhookJobName(name)));

  const subscriptions: Subscription[] = [];
  for (const type of [...new Set(rules.map((r) => r.event))]) {
    subscriptions.push(
      await options.bus.subscribe(type, (event) => fanOut(deps, event), {
        name: `${name}.${type}`.slice(0, 128),
        queue,
      }),
    );
  }

  const run = async (at: Date = now()) =>
    runDigests(await store(), {
      now: at,
      batchSize: digestBatch,
      queue,
      email: email !== null,
      ruleSet: name,
    });
  if (digestIntervalMs !== null) internals.runtime.add(new DigestService(() => run(), digestIntervalMs, log));
  if (retentionMs !== null && retentionIntervalMs !== null) {
    internals.runtime.add(
      new HandledMarkRetention(store, retentionMs, now, retentionIntervalMs, log),
      'leader',
    );
  }
  internals.onClose(async () => mailer?.close());

  const unreadChanged = async (scope: InboxScope, unread: number) => {
    await options.bus.publish(
      notificationUnreadChanged,
      { userId: scope.userId, unreadCount: unread },
      { tenantId: scope.tenantId },
    );
  };

  return {
    subscriptions,
    types,
    async upsertUsers(users) {
      if (!Array.isArray(users))
        throw new ValidationError('users', 'must be an array of { tenantId, userId }');
      const at = now();
      const rows = users.map((user, i) => {
        const tenantId = assertScopePart(user?.tenantId, `users[${i}].tenantId`);
        const userId = assertScopePart(user?.userId, `users[${i}].userId`);
        if (
          user.email !== undefined &&
          user.email !== null &&
          (typeof user.email !== 'string' || !user.email.includes('@'))
        ) {
          throw new ValidationError(`users[${i}].email`, 'must be an email address or null');
        }
        const settings = assertDigestSettings(user.digest, `users[${i}].digest`);
        return {
          tenantId,
          userId,
          email: user.email ?? null,
          active: user.active !== false,
          timeZone: settings.timeZone,
          digestFrequency: settings.frequency,
          deliveryHour: settings.deliveryHour,
          nextDigestAt: nextDigestAt(settings, at),
        };
      });
      await (await store()).notifyUserUpsertMany({ users: rows, now: at });
    },
    inbox: (scope) => createInbox(store, scope, { now, unreadChanged }),
    preferences: {
      get: (scope) => {
        const { tenantId, userId } = assertScope(scope);
        return preferences.effective(tenantId, userId);
      },
      set: (scope, changes) => {
        const { tenantId, userId } = assertScope(scope);
        return preferences.setForUser(tenantId, userId, changes);
      },
      setTenant: (tenantId, changes) =>
        preferences.setForTenant(assertScopePart(tenantId, 'tenantId'), changes),
    },
    webhooks: webhookEndpointsApi(store, now, (tenantId) => assertScopePart(tenantId, 'tenantId')),
    runDigests: (at) => run(at),
    async unsubscribe(token) {
      if (!email?.unsubscribe) {
        throw new ValidationError(
          'createNotifier.email.unsubscribe',
          'is not configured, so no token is valid',
        );
      }
      const scope = verifyUnsubscribeToken(email.unsubscribe.secret, token);
      const targets = scope.type === '*' ? types : [scope.type];
      const rows: Omit<PreferenceRow, 'userId' | 'mandatory'>[] = targets
        .filter((type) => types.includes(type) && !preferences.isMandatory(type))
        .map((type) => ({ type, channel: 'email', enabled: false }));
      const current = await preferences.effective(scope.tenantId, scope.userId);
      const allowed = rows.filter(
        (r) => !current.some((c) => c.type === r.type && c.channel === 'email' && c.source === 'mandatory'),
      );
      await preferences.setForUser(scope.tenantId, scope.userId, allowed);
      return scope;
    },
    handle: (event) => fanOut(deps, event),
    async pruneHandled() {
      return retentionMs === null ? 0 : pruneHandledMarks(await store(), retentionMs, now());
    },
  };
}
