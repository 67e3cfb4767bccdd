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

-- Job search by payload (JSON containment, `payload @> $x`): jsonb_path_ops is the smaller GIN
-- opclass and serves exactly @>. GIN's pending list (fastupdate, on by default) batches the index
-- work of inserts, so the hot insert path pays a list append, not a tree update per key.
CREATE INDEX jobs_payload_idx ON conveyor.jobs USING gin (payload jsonb_path_ops);
-- Search and counts of one tenant (every tenant-scoped API read), newest first.
CREATE INDEX jobs_tenant_idx ON conveyor.jobs (tenant_id, id) WHERE tenant_id IS NOT NULL;
-- Completed jobs of one tenant in the history.
CREATE INDEX job_runs_tenant_idx ON conveyor.job_runs (tenant_id, job_id) WHERE tenant_id IS NOT NULL;
