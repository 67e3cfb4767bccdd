-- migrationState: the newest migration applied and the checksum of each function file applied,
-- in one read, so that a process whose schema is current skips the migration transaction.
-- No parameters. Fails (undefined schema or table) before the first migration.
SELECT (SELECT max(version) FROM conveyor.migrations) AS version,
  (SELECT json_object_agg(name, checksum) FROM conveyor.functions) AS checksums;
