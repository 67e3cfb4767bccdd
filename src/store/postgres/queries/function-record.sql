-- functionRecord: marks a function file applied.
-- $1 name (text; the file name without .sql), $2 checksum (text; sha256 of the file).
INSERT INTO conveyor.functions (name, checksum) VALUES ($1::text, $2::text)
ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now();
