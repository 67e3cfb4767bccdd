-- apiOverview (every statement): sort and hash memory for the rest of this transaction only. The
-- overview's aggregates over ~140,000 history rows spilled to disk at the server's default
-- work_mem (4MB here): 8MB external merges (bench/src/api/main.ts). No parameters.
SELECT set_config('work_mem', '32MB', true);
