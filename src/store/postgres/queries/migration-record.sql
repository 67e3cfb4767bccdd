-- migrationRecord: marks a migration applied.
-- $1 version (integer), $2 name (text).
INSERT INTO conveyor.migrations (version, name) VALUES ($1, $2);
