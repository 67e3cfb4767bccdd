-- 0012_dashboard: what the dashboard's API routes need (docs/api.md: overview, waiting, failures,
-- stream). The schema name `conveyor` is replaced by the configured schema when the file is loaded.

-- The job names a worker process can run (NULL: not recorded, as for workers registered before
-- this migration). "Why is this job waiting?" reports `no_worker` when no live worker serves the
-- job's queue AND name; written at registration only, never by a claim or a heartbeat.
ALTER TABLE conveyor.workers ADD COLUMN names text[];

-- The normalisation of error messages shared by the analytics error groups
-- (queries/analytics-error-groups.sql) and the failure groups of the API (api-failure-groups.sql):
-- quoted values become <str>, UUIDs <uuid>, numbers <n>, so "user 42 not found" and
-- "user 7 not found" are one group. Defined in a numbered migration, not in functions/, because an
-- index is built on it: a changed body would leave the index's stored values stale, so a change
-- needs a new function and a new index in a new migration.
CREATE FUNCTION conveyor.error_pattern(message text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(
    regexp_replace(
      regexp_replace(COALESCE(message, ''), '"[^"]*"|''[^'']*''|`[^`]*`', '<str>', 'g'),
      '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>', 'g'),
    '\d+(\.\d+)?', '<n>', 'g')
$$;

-- A failure group's fingerprint: the first 16 hex digits of md5(job name, unit separator, the
-- normalised message). Stable across processes, releases and databases.
CREATE FUNCTION conveyor.error_fingerprint(name text, message text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(md5(name || chr(31) || conveyor.error_pattern(message)), 16)
$$;

-- The jobs of one failure group (GET /jobs?fingerprint=…): failed attempts only, so a completion
-- (the common history row) writes no entry of it; a failed attempt writes one.
CREATE INDEX job_runs_fingerprint_idx ON conveyor.job_runs
  (conveyor.error_fingerprint(name, error->>'message'), job_id)
  WHERE status IN ('failed', 'dead', 'stalled');
