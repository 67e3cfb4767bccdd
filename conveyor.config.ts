/**
 * The config `conveyor` uses when run in this repository (`npx tsx src/cli/main.ts stats`):
 * the demo's jobs on the embedded database in .conveyor/pgdata (or DATABASE_URL).
 */
import { demoJobs } from './examples/demo/jobs.ts';
import { defineConfig } from './src/index.ts';

export default defineConfig({ jobs: demoJobs });
