-- overviewRollupRoll (first statement of its transaction): hash aggregation for the roll. The
-- minute being rolled is the newest history, past the planner's statistics, so it estimates one row
-- and sorts: 2,400,000 rows (a minute at 40,000 jobs/s) went through an external merge sort
-- (118 MB on disk) in 11.3 s; hashed, 4.7 s, most of it the heap scan (bench_api, load ~10).
-- JIT off too: the cost of a disabled sort (10^10) crosses jit_above_cost, and compiling the
-- statement cost 1.7 s per pass on an empty history. Transaction-local. No parameters.
SELECT set_config('enable_sort', 'off', true), set_config('work_mem', '64MB', true), set_config('jit', 'off', true);
