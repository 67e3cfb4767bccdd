/** Seeds job_runs rows directly with SQL, for analytics and alert tests with known answers. */
import { sql } from '../support/database.ts';

export interface SeedRun {
  queue?: string;
  name: string;
  tenantId?: string | null;
  status: 'completed' | 'failed' | 'dead' | 'stalled' | 'cancelled';
  /** Finish time. */
  at: Date;
  /** Run time in ms; null for a run that never started. */
  durationMs?: number | null;
  waitMs?: number;
  error?: string;
  workerId?: string | null;
  workerHost?: string | null;
  jobId?: number;
  attempt?: number;
}

let nextJobId = 1_000_000;

export async function seedRuns(url: string, runs: SeedRun[]): Promise<void> {
  const rows = runs.map((r) => {
    const finished = r.at.getTime();
    const started = r.durationMs === null ? null : finished - (r.durationMs ?? 10);
    const due = started === null ? finished : started - (r.waitMs ?? 0);
    return {
      job_id: r.jobId ?? nextJobId++,
      queue: r.queue ?? 'default',
      name: r.name,
      tenant_id: r.tenantId ?? null,
      attempt: r.attempt ?? 1,
      status: r.status,
      error: r.error ? { name: 'Error', message: r.error, stack: `Error: ${r.error}\n    at seed` } : null,
      enqueued_at: new Date(due).toISOString(),
      due_at: new Date(due).toISOString(),
      started_at: started === null ? null : new Date(started).toISOString(),
      finished_at: new Date(finished).toISOString(),
      worker_id: r.workerId === undefined ? 'seed-worker' : r.workerId,
      worker_host: r.workerHost === undefined ? 'seed-host' : r.workerHost,
    };
  });
  await sql(
    url,
    `INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, payload, error, enqueued_at,
       due_at, started_at, finished_at, worker_id, worker_host)
     SELECT job_id, queue, name, tenant_id, attempt, status, '{}'::jsonb, error, enqueued_at, due_at, started_at,
       finished_at, worker_id, worker_host
     FROM jsonb_to_recordset($1::jsonb) AS x(job_id bigint, queue text, name text, tenant_id text, attempt integer,
       status text, error jsonb, enqueued_at timestamptz, due_at timestamptz, started_at timestamptz,
       finished_at timestamptz, worker_id text, worker_host text)`,
    [JSON.stringify(rows)],
  );
}

export const minutes = (base: Date, n: number): Date => new Date(base.getTime() + n * 60_000);
