-- overviewRollupPrune: the rollup follows the run history's age limit (retention.history.age):
-- minutes that ended before $1 are deleted from run_minutes and run_minute_waits. Returns the
-- rows deleted. $1 before (timestamptz).
WITH minutes AS (
  DELETE FROM conveyor.run_minutes WHERE minute <= $1::timestamptz - interval '1 minute' RETURNING 1
), waits AS (
  DELETE FROM conveyor.run_minute_waits WHERE minute <= $1::timestamptz - interval '1 minute' RETURNING 1
)
SELECT ((SELECT count(*) FROM minutes) + (SELECT count(*) FROM waits))::integer AS deleted;
