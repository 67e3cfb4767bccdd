-- 0009_events: the event bus's transactional outbox (docs/events.md).
-- The schema name `conveyor` is replaced by the configured schema when the file is loaded.
--
-- Invariant: a stream's events are numbered 1, 2, 3… with no gap, in commit order. A publish takes
-- its numbers with `last_sequence = last_sequence + n` on the stream's row inside the publishing
-- transaction: the row lock makes a second publisher of the same stream wait until the first
-- commits (so numbers are handed out in commit order), and a rollback gives the numbers back.

-- One row per stream: a tenant's (stream = its tenant id) or the global stream (stream = '').
CREATE TABLE conveyor.event_streams (
  stream               text COLLATE "C" PRIMARY KEY,
  -- The last sequence handed out (committed: a rolled-back publish restores it).
  last_sequence        bigint NOT NULL DEFAULT 0,
  -- Durable subscribers have their jobs for every event up to here (the relay advances it in the
  -- transaction that inserts those jobs).
  dispatched_sequence  bigint NOT NULL DEFAULT 0,
  -- Events up to here may have been deleted by retention (EventHistory.since reports a gap).
  pruned_sequence      bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
-- The relay looks for streams with undispatched events through this (usually tiny) index.
CREATE INDEX event_streams_undispatched_idx ON conveyor.event_streams (stream)
  WHERE last_sequence > dispatched_sequence;

CREATE TABLE conveyor.events (
  stream          text COLLATE "C" NOT NULL,
  sequence        bigint NOT NULL,
  id              uuid NOT NULL,
  type            text COLLATE "C" NOT NULL,
  schema_version  integer NOT NULL,
  source          text NOT NULL,
  tenant_id       text,
  correlation_id  text,
  causation_id    text,
  occurred_at     timestamptz NOT NULL,
  payload         jsonb NOT NULL,
  PRIMARY KEY (stream, sequence)
);
CREATE UNIQUE INDEX events_id_idx ON conveyor.events (id);
-- Retention (by age) and replay (by tenant and time window).
CREATE INDEX events_occurred_idx ON conveyor.events (occurred_at);

-- Durable subscriptions, declared in code (`bus.subscribe`) and written here so that the relay, in
-- whichever process leads the `events` role, knows every subscriber of the cluster. `pattern` is
-- the LIKE form of the type pattern (`card.*` → `card.%`).
CREATE TABLE conveyor.event_subscriptions (
  name          text COLLATE "C" PRIMARY KEY,
  type_pattern  text NOT NULL,
  pattern       text COLLATE "C" NOT NULL,
  job_name      text NOT NULL,
  queue         text NOT NULL,
  max_attempts  integer NOT NULL,
  backoff       jsonb,
  timeout_ms    integer,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);

-- Live fan-out sinks (redis, local…) and how far each has delivered every stream. A sink first
-- seen starts with the last minute of every existing stream (it does not replay history); a
-- stream without a row for a known sink starts at 0 (it was created after the sink).
CREATE TABLE conveyor.event_sinks (
  name        text COLLATE "C" PRIMARY KEY,
  created_at  timestamptz NOT NULL
);
CREATE TABLE conveyor.event_fanout_positions (
  sink      text COLLATE "C" NOT NULL,
  stream    text COLLATE "C" NOT NULL,
  sequence  bigint NOT NULL,
  PRIMARY KEY (sink, stream)
) WITH (fillfactor = 70);
