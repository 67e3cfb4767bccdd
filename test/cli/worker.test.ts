/** `conveyor worker` in a child process: works jobs enqueued through the API, stops on SIGTERM. */
import { describe, expect, it } from 'vitest';
import { sql } from '../support/database.ts';
import { useCliDatabase } from './cli-database.ts';
import { startCli, TEST_CONFIG } from './cli-process.ts';
import { echo, slow } from './fixtures/test.config.ts';

const env = useCliDatabase({ withConveyor: true });

async function waitForCompleted(ids: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await sql<{ n: number }>(
      env.url,
      "SELECT count(DISTINCT job_id)::int AS n FROM conveyor.job_runs WHERE status = 'completed' AND job_id = ANY($1::bigint[])",
      [ids],
    );
    if (rows[0]!.n === ids.length) return;
    if (Date.now() > deadline) throw new Error(`jobs ${ids.join(', ')} not completed in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('conveyor worker', { timeout: 60_000 }, () => {
  it('completes enqueued jobs and exits 0 on SIGTERM, letting a running job finish', async () => {
    const worker = startCli([
      'worker',
      '--config',
      TEST_CONFIG,
      '--database-url',
      env.url,
      '--concurrency',
      '4',
    ]);
    await worker.waitFor(/"msg":"worker started"/);
    expect(worker.stdout()).toMatch(/"queues":\["cli","slow"\],"concurrency":4/);

    const jobs = await Promise.all([1, 2, 3].map((n) => env.conveyor.enqueue(echo, { n })));
    await waitForCompleted(jobs.map((j) => j.id));
    await worker.waitFor(new RegExp(`"jobId":"${jobs[2]!.id}".*"msg":"job completed"`));

    // A job still running at SIGTERM finishes before the process exits.
    const { id: slowId } = await env.conveyor.enqueue(slow, { ms: 1_500 });
    const row = async () =>
      (await sql<{ state: string }>(env.url, 'SELECT state FROM conveyor.jobs WHERE id = $1', [slowId]))[0];
    for (let i = 0; i < 100 && (await row())?.state !== 'active'; i += 1)
      await new Promise((r) => setTimeout(r, 50));
    expect((await row())?.state).toBe('active');
    worker.child.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.signal).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"msg":"signal received; shutting down gracefully"');
    expect(result.stdout).toContain('"msg":"worker stopped"');
    await waitForCompleted([slowId], 0);
    const [workers] = await sql<{ n: number }>(env.url, 'SELECT count(*)::int AS n FROM conveyor.workers');
    expect(workers!.n).toBe(0);
  });

  it('works only the queues named by --queues', async () => {
    const worker = startCli([
      'worker',
      '--config',
      TEST_CONFIG,
      '--database-url',
      env.url,
      '--queues',
      'slow',
    ]);
    await worker.waitFor(/"msg":"worker started"/);
    const { id: echoId } = await env.conveyor.enqueue(echo, { skip: true });
    const { id: slowId } = await env.conveyor.enqueue(slow, { ms: 10 });
    await waitForCompleted([slowId]);
    const [row] = await sql<{ state: string }>(env.url, 'SELECT state FROM conveyor.jobs WHERE id = $1', [
      echoId,
    ]);
    expect(row?.state).toBe('ready');
    worker.child.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });
});
