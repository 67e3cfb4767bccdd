-- 0010_api_keys_audit: what the REST API (src/api/) needs: API keys (stored hashed), the audit log
-- of every mutating call, bulk actions with a progress handle, and the indexes behind job search.
-- The schema name `conveyor` is replaced by the configured schema when the file is loaded.

-- An API key is `cvk_<id>_<secret>`: the id finds the row, the secret is never stored, only its
-- sha256 (the secret is 32 random bytes, so a fast hash is enough), compared in constant time.
CREATE TABLE conveyor.api_keys (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  secret_hash  bytea NOT NULL,
  role         text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  -- NULL: every tenant; otherwise the key sees and touches this tenant's data only.
  tenant_id    text,
  created_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);

-- One row per mutating API call that succeeded: who (credential id, role, tenant), what (action,
-- target, before/after), when and from where.
CREATE TABLE conveyor.audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text NOT NULL,
  role         text NOT NULL,
  tenant_id    text,
  action       text NOT NULL,
  target       text,
  before       jsonb,
  after        jsonb,
  ip           text
);
CREATE INDEX audit_log_tenant_idx ON conveyor.audit_log (tenant_id, id) WHERE tenant_id IS NOT NULL;

-- A bulk action by filter (retry, cancel, … every job matching): the handle a client polls.
CREATE TABLE conveyor.bulk_actions (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id    text,
  action       text NOT NULL,
  filter       jsonb NOT NULL,
  status       text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  total        integer NOT NULL,
  processed    integer NOT NULL DEFAULT 0,
  affected     integer NOT NULL DEFAULT 0,
  error        text,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL,
  finished_at  timestamptz
);

-- Job search by payload (JSON containment, `payload @> $x`; jsonb_path_ops is the smaller GIN
-- opclass and serves exactly @>), over the states jobs rest in: scheduled, dead, cancelled. Not
-- over ready and active ones: enqueueing a ready job and every claim (an UPDATE of `state`, which
-- partial indexes read, so never HOT) would write a GIN entry. WAL per job measured with
-- bench/micro/api-indexes.ts on a private server (16 producers, then a drain at concurrency 50;
-- 3 rounds, medians): no search index 443 B enqueue / 1,334 B drain; the tenant btree 531 / 1,444;
-- plus this partial GIN 531 / 1,421; plus a GIN over every job 740 / 1,632. Ready and active jobs
-- are few and transient; the search reads them through jobs_ready_idx and jobs_active_idx.
CREATE INDEX jobs_payload_idx ON conveyor.jobs USING gin (payload jsonb_path_ops)
  WHERE state IN ('scheduled', 'dead', 'cancelled');
-- Every tenant-scoped read of the API (a scoped credential's job list, counts and searches), newest
-- first; +88 B of WAL per enqueue and +110 B per drained job above (20 % and 8 %).
CREATE INDEX jobs_tenant_idx ON conveyor.jobs (tenant_id, id) WHERE tenant_id IS NOT NULL;
-- Completed jobs of one tenant in the history.
CREATE INDEX job_runs_tenant_idx ON conveyor.job_runs (tenant_id, job_id) WHERE tenant_id IS NOT NULL;
