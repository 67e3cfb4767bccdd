-- jobKeyLookup: the jobs currently holding unique keys.
-- $1 keys (text[]).
SELECT key AS unique_key, job_id::text AS id FROM conveyor.job_keys WHERE key = ANY($1::text[]);
