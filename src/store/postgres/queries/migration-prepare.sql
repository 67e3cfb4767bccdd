-- migrationPrepare: creates the schema and the table of applied migrations if missing.
-- No parameters. Runs inside the migration transaction, after the migration lock.
CREATE SCHEMA IF NOT EXISTS conveyor;
CREATE TABLE IF NOT EXISTS conveyor.migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
-- The SQL functions of functions/ and the checksum of the file each was last applied from.
CREATE TABLE IF NOT EXISTS conveyor.functions (
  name        text PRIMARY KEY,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
