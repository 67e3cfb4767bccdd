-- 0011_notifications: notifications built on the event bus (docs/notifications.md).
-- The schema name `conveyor` is replaced by the configured schema when the file is loaded.
--
-- Invariants: a (rule set, event) is fanned out once — notify_handled_events is written in the
-- same transaction as its notification rows, and a second delivery of the event finds it and
-- writes nothing. Every read or write of a notification names its tenant and user (the inbox's
-- statements all filter on both), so an id guessed from another tenant matches no row.

-- Recipients as Conveyor knows them: who is active in a tenant, where to email them, and when
-- their next digest is due (advanced in their time zone by the digest runner).
CREATE TABLE conveyor.notify_users (
  tenant_id         text COLLATE "C" NOT NULL,
  user_id           text COLLATE "C" NOT NULL,
  email             text,
  active            boolean NOT NULL DEFAULT true,
  time_zone         text NOT NULL DEFAULT 'UTC',
  digest_frequency  text NOT NULL DEFAULT 'immediate'
    CHECK (digest_frequency IN ('immediate', 'hourly', 'daily')),
  delivery_hour     integer NOT NULL DEFAULT 8 CHECK (delivery_hour BETWEEN 0 AND 23),
  next_digest_at    timestamptz,
  last_digest_at    timestamptz,
  updated_at        timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
) WITH (fillfactor = 80);
CREATE INDEX notify_users_digest_due_idx ON conveyor.notify_users (next_digest_at)
  WHERE next_digest_at IS NOT NULL;

CREATE TABLE conveyor.notifications (
  id              uuid PRIMARY KEY,
  tenant_id       text COLLATE "C" NOT NULL,
  user_id         text COLLATE "C" NOT NULL,
  type            text COLLATE "C" NOT NULL,
  title           text NOT NULL,
  body            text,
  link            text,
  data            jsonb,
  event_id        uuid,
  created_at      timestamptz NOT NULL,
  read_at         timestamptz,
  archived_at     timestamptz,
  digest_sent_at  timestamptz
) WITH (fillfactor = 90);
-- The inbox, newest first (cursor pagination on created_at, id).
CREATE INDEX notifications_inbox_idx ON conveyor.notifications (tenant_id, user_id, created_at DESC, id DESC);
-- Unread counts and digests read only unread, unarchived rows.
CREATE INDEX notifications_unread_idx ON conveyor.notifications (tenant_id, user_id, created_at)
  WHERE read_at IS NULL AND archived_at IS NULL;

-- A rule set's fan-out of an event happened (written with its rows, in one transaction).
CREATE TABLE conveyor.notify_handled_events (
  rule_set    text COLLATE "C" NOT NULL,
  event_id    uuid NOT NULL,
  handled_at  timestamptz NOT NULL,
  PRIMARY KEY (rule_set, event_id)
);

-- Preferences: a user's choice per type and channel, and a tenant's override of the code's
-- defaults (user_id = '' is the tenant row). `mandatory` is set only on tenant rows by an admin.
CREATE TABLE conveyor.notify_preferences (
  tenant_id  text COLLATE "C" NOT NULL,
  user_id    text COLLATE "C" NOT NULL,
  type       text COLLATE "C" NOT NULL,
  channel    text COLLATE "C" NOT NULL CHECK (channel IN ('in_app', 'email', 'webhook')),
  enabled    boolean NOT NULL,
  mandatory  boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, user_id, type, channel)
);

-- Per-tenant webhook endpoints. `secrets` are whsec_ keys, newest first: every one signs (rotation).
CREATE TABLE conveyor.notify_webhook_endpoints (
  id             uuid PRIMARY KEY,
  tenant_id      text COLLATE "C" NOT NULL,
  url            text NOT NULL,
  secrets        text[] NOT NULL,
  types          text[],
  enabled        boolean NOT NULL DEFAULT true,
  failing_since  timestamptz,
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL
);
CREATE INDEX notify_webhook_endpoints_tenant_idx ON conveyor.notify_webhook_endpoints (tenant_id);

-- Every delivery attempt of a webhook message, per endpoint (the delivery log).
CREATE TABLE conveyor.notify_webhook_deliveries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id   uuid NOT NULL,
  tenant_id     text COLLATE "C" NOT NULL,
  message_id    text NOT NULL,
  attempt       integer NOT NULL,
  status        integer,
  error         text,
  duration_ms   integer NOT NULL,
  attempted_at  timestamptz NOT NULL
);
CREATE INDEX notify_webhook_deliveries_endpoint_idx
  ON conveyor.notify_webhook_deliveries (endpoint_id, attempted_at DESC);
