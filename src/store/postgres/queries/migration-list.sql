-- migrationList: versions already applied, or none if the schema does not exist yet.
-- No parameters.
SELECT version FROM conveyor.migrations ORDER BY version;
