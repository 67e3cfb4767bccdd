/**
 * Operating from the dashboard, in Chromium against a real server and PostgreSQL: find a dead job
 * by a payload value, replay it and watch the copy complete live (a real worker runs here); pause a
 * queue from the Queues view (checked in the database); and see why a job waits (its queue is
 * paused).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerHandle } from '../../src/index.ts';
import { sql } from '../support/database.ts';
import { until } from '../support/until.ts';
import { useDashboard } from './dashboard-fixture.ts';
import { failing, gate, mailJob, workJob } from './jobs.ts';

let worker: WorkerHandle | undefined;
const ids: { dead: string; mail: string } = { dead: '', mail: '' };

const dash = useDashboard({
  jobs: [workJob, mailJob],
  async seed(conveyor) {
    for (let i = 0; i < 5; i++) await conveyor.enqueue(workJob, { orderId: `o-${i}` }, { tenantId: 'acme' });
    const dead = await conveyor.enqueue(workJob, { orderId: 'o-needle', fail: true }, { tenantId: 'globex' });
    await conveyor.enqueue(workJob, { orderId: 'o-other', fail: true }, { tenantId: 'globex' });
    ids.dead = dead.id;
    ids.mail = (await conveyor.enqueue(mailJob, { to: 'ops@acme.test' }, { tenantId: 'acme' })).id;
    const started = conveyor.worker({ queues: ['work'], concurrency: 4, pollInterval: 50 });
    worker = started;
    await started.start();
    await until(async () => (await conveyor.getJob(dead.id))?.state === 'dead');
  },
});

afterAll(async () => {
  gate.open();
  await worker?.stop();
});

describe('operating from the dashboard', { timeout: 30_000 }, () => {
  it('finds a dead job by a payload value, replays it, and shows the copy completing live', async () => {
    const page = await dash.login('operator');
    await page.click('nav >> text=Jobs');
    await page.selectOption('select[name=state]', 'dead');
    await page.fill('input[name=payload]', '{"orderId":"o-needle"}');
    await page.click('button:has-text("Search")');
    // The unfiltered list (which holds the job too) is replaced by the search's one row.
    const rows = page.locator('[data-testid=job-table] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
    expect(await rows.first().getAttribute('data-job-id')).toBe(ids.dead);
    expect(new URL(page.url()).searchParams.get('payload')).toBe('{"orderId":"o-needle"}');
    await page.click(`tr[data-job-id="${ids.dead}"] a`);
    await page.waitForSelector('[data-testid=timeline] >> text=card declined');

    failing.on = false;
    gate.held = true;
    await page.click('[data-testid=action-replay]');
    // The page moves to the new job, which the worker holds running; once let go, the stream
    // tells the page, which shows it completed without a reload.
    await page.waitForURL(
      (url) => /\/jobs\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${ids.dead}`),
    );
    const copy = /\/jobs\/(\d+)$/.exec(new URL(page.url()).pathname)![1]!;
    await page.waitForSelector('[data-testid=job-detail] .page-header .badge-active', { timeout: 15_000 });
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    gate.open();
    await page.waitForSelector('[data-testid=job-detail] .page-header .badge-completed', { timeout: 15_000 });
    expect(navigations).toEqual([]);
    const [row] = await sql<{ state: string }>(dash.dbUrl, 'SELECT state FROM conveyor.jobs WHERE id = $1', [
      copy,
    ]);
    const [run] = await sql<{ n: number }>(
      dash.dbUrl,
      "SELECT count(*)::int AS n FROM conveyor.job_runs WHERE job_id = $1 AND status = 'completed'",
      [copy],
    );
    expect(row?.state ?? 'completed').toBe('completed');
    expect(run?.n).toBe(1);
    expect(await page.textContent('[data-testid=job-detail]')).toContain('o-needle');
  });

  it('pauses a queue from the Queues view, and says why a job of it waits', async () => {
    const page = await dash.login('operator');
    await page.click('nav >> text=Queues');
    await page.click('[data-testid=pause-mail]');
    await page.waitForSelector('[data-testid=resume-mail]');
    await until(async () => {
      const [queue] = await sql<{ paused: boolean }>(
        dash.dbUrl,
        "SELECT paused FROM conveyor.queues WHERE name = 'mail'",
      );
      return queue?.paused === true;
    });
    const api = await fetch(`${dash.url}/api/v1/queues`, {
      headers: { authorization: `Bearer ${dash.keys.viewer}` },
    });
    const mail = (
      (await api.json()) as { items: { queue: string; settings: { paused: boolean } }[] }
    ).items.find((q) => q.queue === 'mail');
    expect(mail?.settings.paused).toBe(true);

    await page.goto(`${dash.url}/jobs/${ids.mail}`);
    await page.waitForSelector('[data-testid=waiting] [data-reason=queue_paused]');
    expect(await page.textContent('[data-testid=waiting]')).toContain('mail');
  });
});
