/**
 * The notifications slice of the store seam (docs/notifications.md): recipients, fan-out, the
 * inbox, preferences, digests and webhook endpoints. Each method runs named `notify-*.sql` files.
 *
 * Invariant: every inbox method takes the tenant and the user, and its SQL filters on both, so an
 * id from another user or tenant matches nothing (no error that would confirm it exists).
 */
import type { NewJob } from '../core/enqueue-options.ts';
import type { NewEvent } from './event-store.ts';
import type { InsertedJob } from './job-store.ts';

export type NotificationChannel = 'in_app' | 'email' | 'webhook';
export type DigestFrequency = 'immediate' | 'hourly' | 'daily';

export interface NotifyUserRow {
  tenantId: string;
  userId: string;
  email: string | null;
  active: boolean;
  timeZone: string;
  digestFrequency: DigestFrequency;
  deliveryHour: number;
  nextDigestAt: Date | null;
  lastDigestAt?: Date | null;
}

export interface NotificationContent {
  type: string;
  title: string;
  body: string | null;
  link: string | null;
  data: unknown;
}

export interface NotificationRow extends NotificationContent {
  id: string;
  eventId: string | null;
  createdAt: Date;
  readAt: Date | null;
  archivedAt: Date | null;
  digestSentAt: Date | null;
}

/** One recipient of a fan-out: their row id (null when in-app is off), immediate email address, unread count. */
export interface FanoutRecipient {
  userId: string;
  id: string | null;
  email: string | null;
  unread: number;
}

export interface FanoutParams {
  ruleSet: string;
  eventId: string;
  tenantId: string;
  now: Date;
  notification: NotificationContent;
  /** User ids, or null for every active user of the tenant. */
  recipients: string[] | null;
  defaults: Record<NotificationChannel, boolean>;
  mandatory: boolean;
  /** Recipients per insert statement. */
  batchSize: number;
  /** Builds, inside the transaction, the events to publish and the jobs to insert with the rows. */
  followUps(written: { recipients: FanoutRecipient[]; webhookEndpoints: string[] }): {
    events: NewEvent[];
    jobs: NewJob[];
  };
}

export interface FanoutResult {
  /** False when this rule set had already handled the event (nothing written). */
  written: boolean;
  recipients: FanoutRecipient[];
  jobs: InsertedJob[];
  /** Statements the transaction ran (the bench reports it). */
  statements: number;
}

export interface PreferenceRow {
  /** '' for the tenant's row. */
  userId: string;
  type: string;
  channel: NotificationChannel;
  enabled: boolean;
  mandatory: boolean;
}

export interface DigestItem {
  id: string;
  type: string;
  title: string;
  link: string | null;
  createdAt: Date;
}

export interface WebhookEndpointRow {
  id: string;
  tenantId: string;
  url: string;
  types: string[] | null;
  enabled: boolean;
  failingSince: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface WebhookDeliveryRow {
  messageId: string;
  attempt: number;
  status: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
}

export interface NotificationStore {
  notifyUserUpsertMany(params: { users: NotifyUserRow[]; now: Date }): Promise<void>;
  /** Marks the event handled, writes its rows in batches, publishes events and inserts jobs: one transaction. */
  notifyFanout(params: FanoutParams): Promise<FanoutResult>;
  notifyInboxList(params: {
    tenantId: string;
    userId: string;
    unreadOnly: boolean;
    type: string | null;
    includeArchived: boolean;
    after: { createdAt: Date; id: string } | null;
    limit: number;
  }): Promise<NotificationRow[]>;
  notifyInboxUnreadCount(params: { tenantId: string; userId: string }): Promise<number>;
  /** ids null: all. */
  notifyInboxMarkRead(params: {
    tenantId: string;
    userId: string;
    ids: string[] | null;
    now: Date;
  }): Promise<{ changed: number; unread: number }>;
  notifyInboxArchive(params: {
    tenantId: string;
    userId: string;
    ids: string[];
    now: Date;
  }): Promise<{ changed: number; unread: number }>;
  notifyPreferenceList(params: { tenantId: string; userId: string }): Promise<PreferenceRow[]>;
  notifyPreferenceSetMany(params: { tenantId: string; rows: PreferenceRow[]; now: Date }): Promise<void>;
  /**
   * Claims up to `limit` users whose digest is due (SKIP LOCKED), advances each one's next time
   * (`nextAt`), takes their unread notifications, and inserts the jobs `jobs` builds: one transaction.
   */
  notifyDigestRun(params: {
    now: Date;
    limit: number;
    nextAt(user: NotifyUserRow): Date;
    jobs(digests: { user: NotifyUserRow; items: DigestItem[] }[]): NewJob[];
  }): Promise<{ claimed: number; digests: number }>;
  notifyWebhookEndpointCreate(params: {
    id: string;
    tenantId: string;
    url: string;
    secrets: string[];
    types: string[] | null;
    now: Date;
  }): Promise<WebhookEndpointRow>;
  notifyWebhookEndpointGet(params: {
    tenantId: string;
    id: string;
  }): Promise<(WebhookEndpointRow & { secrets: string[] }) | null>;
  notifyWebhookEndpointList(params: { tenantId: string }): Promise<WebhookEndpointRow[]>;
  notifyWebhookEndpointUpdate(params: {
    tenantId: string;
    id: string;
    enable: boolean | null;
    secrets: string[] | null;
  }): Promise<WebhookEndpointRow | null>;
  notifyWebhookDeliveryRecord(params: {
    tenantId: string;
    endpointId: string;
    messageId: string;
    attempt: number;
    status: number | null;
    error: string | null;
    durationMs: number;
    ok: boolean;
    disableAfterMs: number;
    now: Date;
  }): Promise<{ enabled: boolean } | null>;
  /** Deletes up to `limit` handled marks written before `before`; returns how many. */
  notifyHandledPrune(params: { before: Date; limit: number }): Promise<number>;
  notifyWebhookDeliveryList(params: {
    tenantId: string;
    endpointId: string;
    limit: number;
  }): Promise<WebhookDeliveryRow[]>;
}
