/**
 * The notifications slice of the store over SQL files (`notify-*.sql`). The fan-out and the digest
 * run several statements in one transaction: the handled mark, the rows, the `notification.created`
 * outbox events and the delivery jobs commit together or not at all.
 */
import type {
  DigestItem,
  FanoutRecipient,
  NotificationStore,
  NotifyUserRow,
  PreferenceRow,
  WebhookEndpointRow,
} from '../notification-store.ts';
import type { Row } from '../sql-driver.ts';
import { eventDocument } from './event-statements.ts';
import { insertJobs } from './job-insert.ts';
import type { StatementContext } from './statement-context.ts';

const dateOrNull = (value: unknown): Date | null =>
  value === null || value === undefined ? null : new Date(value as string | Date);
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

function endpointFromRow(row: Row): WebhookEndpointRow {
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    url: String(row.url),
    types: (row.types as string[] | null) ?? null,
    enabled: Boolean(row.enabled),
    failingSince: dateOrNull(row.failing_since),
    disabledAt: dateOrNull(row.disabled_at),
    createdAt: new Date(row.created_at as string | Date),
  };
}

function userFromRow(row: Row): NotifyUserRow {
  return {
    tenantId: String(row.tenant_id),
    userId: String(row.user_id),
    email: textOrNull(row.email),
    active: true,
    timeZone: String(row.time_zone),
    digestFrequency: String(row.digest_frequency) as NotifyUserRow['digestFrequency'],
    deliveryHour: Number(row.delivery_hour),
    nextDigestAt: dateOrNull(row.next_digest_at),
    lastDigestAt: dateOrNull(row.last_digest_at),
  };
}

export function notificationStatements(
  { run, transaction, readyChannel }: StatementContext,
  eventsChannel: string,
): NotificationStore {
  return {
    async notifyUserUpsertMany({ users, now }) {
      if (users.length === 0) return;
      await run('notify-user-upsert-many', [
        JSON.stringify(
          users.map((u) => ({
            tenant_id: u.tenantId,
            user_id: u.userId,
            email: u.email,
            active: u.active,
            time_zone: u.timeZone,
            digest_frequency: u.digestFrequency,
            delivery_hour: u.deliveryHour,
            next_digest_at: u.nextDigestAt?.toISOString() ?? null,
          })),
        ),
        now,
      ]);
    },

    async notifyFanout(p) {
      return transaction(async (inTransaction) => {
        let statements = 1;
        const marked = await inTransaction('notify-event-mark-handled', [p.ruleSet, p.eventId, p.now]);
        if (marked.length === 0) return { written: false, recipients: [], jobs: [], statements };
        const spec = JSON.stringify(p.notification);
        const recipients: FanoutRecipient[] = [];
        const batches: (string[] | null)[] = [];
        if (p.recipients === null) batches.push(null);
        else
          for (let i = 0; i < p.recipients.length; i += p.batchSize)
            batches.push(p.recipients.slice(i, i + p.batchSize));
        for (const batch of batches) {
          const rows = await inTransaction('notify-fanout-insert', [
            p.tenantId,
            batch,
            spec,
            p.eventId,
            p.now,
            p.defaults.in_app,
            p.defaults.email,
            p.mandatory,
          ]);
          statements += 1;
          for (const row of rows)
            recipients.push({
              userId: String(row.user_id),
              id: textOrNull(row.id),
              email: textOrNull(row.email),
              unread: Number(row.unread),
            });
        }
        const endpoints = await inTransaction('notify-webhook-targets', [
          p.tenantId,
          p.notification.type,
          p.defaults.webhook,
          p.mandatory,
        ]);
        statements += 1;
        const { events, jobs } = p.followUps({
          recipients,
          webhookEndpoints: endpoints.map((row) => String(row.id)),
        });
        if (events.length > 0) {
          await inTransaction('event-publish-many', [eventDocument(events), eventsChannel]);
          statements += 1;
        }
        const inserted =
          jobs.length > 0 ? await insertJobs(jobs, undefined, p.now, readyChannel, inTransaction) : [];
        if (jobs.length > 0) statements += 1;
        return { written: true, recipients, jobs: inserted, statements };
      });
    },

    async notifyInboxList(p) {
      const rows = await run('notify-inbox-list', [
        p.tenantId,
        p.userId,
        p.unreadOnly,
        p.type,
        p.after?.createdAt ?? null,
        p.after?.id ?? null,
        p.limit,
        p.includeArchived,
      ]);
      return rows.map((row) => ({
        id: String(row.id),
        type: String(row.type),
        title: String(row.title),
        body: textOrNull(row.body),
        link: textOrNull(row.link),
        data: row.data ?? null,
        eventId: textOrNull(row.event_id),
        createdAt: new Date(row.created_at as string | Date),
        readAt: dateOrNull(row.read_at),
        archivedAt: dateOrNull(row.archived_at),
        digestSentAt: dateOrNull(row.digest_sent_at),
      }));
    },

    async notifyInboxUnreadCount({ tenantId, userId }) {
      const [row] = await run('notify-inbox-unread-count', [tenantId, userId]);
      return Number(row?.unread ?? 0);
    },

    async notifyInboxMarkRead({ tenantId, userId, ids, now }) {
      const [row] = await run('notify-inbox-mark-read', [tenantId, userId, ids, now]);
      return { changed: Number(row?.changed ?? 0), unread: Number(row?.unread ?? 0) };
    },

    async notifyInboxArchive({ tenantId, userId, ids, now }) {
      const [row] = await run('notify-inbox-archive', [tenantId, userId, ids, now]);
      return { changed: Number(row?.changed ?? 0), unread: Number(row?.unread ?? 0) };
    },

    async notifyPreferenceList({ tenantId, userId }) {
      const rows = await run('notify-preference-list', [tenantId, userId]);
      return rows.map(
        (row): PreferenceRow => ({
          userId: String(row.user_id),
          type: String(row.type),
          channel: String(row.channel) as PreferenceRow['channel'],
          enabled: Boolean(row.enabled),
          mandatory: Boolean(row.mandatory),
        }),
      );
    },

    async notifyPreferenceSetMany({ tenantId, rows, now }) {
      if (rows.length === 0) return;
      await run('notify-preference-set-many', [
        JSON.stringify(
          rows.map((r) => ({
            tenant_id: tenantId,
            user_id: r.userId,
            type: r.type,
            channel: r.channel,
            enabled: r.enabled,
            mandatory: r.mandatory,
          })),
        ),
        now,
      ]);
    },

    async notifyDigestRun({ now, limit, nextAt, jobs }) {
      return transaction(async (inTransaction) => {
        const users = (await inTransaction('notify-digest-claim', [now, limit])).map(userFromRow);
        if (users.length === 0) return { claimed: 0, digests: 0 };
        const advanced = users.map((u) => ({
          tenant_id: u.tenantId,
          user_id: u.userId,
          next_digest_at: nextAt(u).toISOString(),
        }));
        const taken = await inTransaction('notify-digest-take', [JSON.stringify(advanced), now]);
        const byUser = new Map<string, DigestItem[]>();
        for (const row of taken) {
          const key = `${row.tenant_id}\u0000${row.user_id}`;
          let items = byUser.get(key);
          if (!items) {
            items = [];
            byUser.set(key, items);
          }
          items.push({
            id: String(row.id),
            type: String(row.type),
            title: String(row.title),
            link: textOrNull(row.link),
            createdAt: new Date(row.created_at as string | Date),
          });
        }
        const digests = users
          .map((user) => ({ user, items: byUser.get(`${user.tenantId}\u0000${user.userId}`) ?? [] }))
          .filter((d) => d.items.length > 0);
        const newJobs = jobs(digests);
        if (newJobs.length > 0) await insertJobs(newJobs, undefined, now, readyChannel, inTransaction);
        return { claimed: users.length, digests: digests.length };
      });
    },

    async notifyWebhookEndpointCreate({ id, tenantId, url, secrets, types, now }) {
      const [row] = await run('notify-webhook-endpoint-create', [id, tenantId, url, secrets, types, now]);
      return endpointFromRow(row as Row);
    },

    async notifyWebhookEndpointGet({ tenantId, id }) {
      const [row] = await run('notify-webhook-endpoint-get', [tenantId, id]);
      return row ? { ...endpointFromRow(row), secrets: (row.secrets as string[]) ?? [] } : null;
    },

    async notifyWebhookEndpointList({ tenantId }) {
      return (await run('notify-webhook-endpoint-list', [tenantId])).map(endpointFromRow);
    },

    async notifyWebhookEndpointUpdate({ tenantId, id, enable, secrets }) {
      const [row] = await run('notify-webhook-endpoint-update', [tenantId, id, enable, secrets]);
      return row ? endpointFromRow(row) : null;
    },

    async notifyWebhookDeliveryRecord(p) {
      const [row] = await run('notify-webhook-delivery-record', [
        p.endpointId,
        p.tenantId,
        p.messageId,
        p.attempt,
        p.status,
        p.error,
        p.durationMs,
        p.now,
        p.disableAfterMs,
        p.ok,
      ]);
      return row ? { enabled: Boolean(row.enabled) } : null;
    },

    async notifyHandledPrune({ before, limit }) {
      const [row] = await run('notify-handled-prune', [before, limit]);
      return Number(row?.deleted ?? 0);
    },

    async notifyWebhookDeliveryList({ tenantId, endpointId, limit }) {
      const rows = await run('notify-webhook-delivery-list', [tenantId, endpointId, limit]);
      return rows.map((row) => ({
        messageId: String(row.message_id),
        attempt: Number(row.attempt),
        status: row.status === null || row.status === undefined ? null : Number(row.status),
        error: textOrNull(row.error),
        durationMs: Number(row.duration_ms),
        attemptedAt: new Date(row.attempted_at as string | Date),
      }));
    },
  };
}
