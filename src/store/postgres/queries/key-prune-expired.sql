-- keyPruneExpired: deletes up to $2 unique-key reservations that expired before $1.
-- $1 now (timestamptz), $2 limit (integer).
WITH deleted AS (
  DELETE FROM conveyor.job_keys k USING (
    SELECT key FROM conveyor.job_keys WHERE expires_at < $1::timestamptz LIMIT $2::integer
  ) d
  WHERE k.key = d.key
  RETURNING k.key
)
SELECT count(*)::integer AS deleted FROM deleted;
