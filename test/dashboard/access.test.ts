/**
 * Who sees what, in Chromium against a real server: logging in with a key (a wrong one is refused
 * on the page), a viewer gets no action buttons, an operator does, and a key scoped to tenant acme
 * lists acme's jobs only.
 */
import { describe, expect, it } from 'vitest';
import { sql } from '../support/database.ts';
import { until } from '../support/until.ts';
import { useDashboard } from './dashboard-fixture.ts';
import { mailJob, workJob } from './jobs.ts';

const dead: { acme: string } = { acme: '' };

const dash = useDashboard({
  jobs: [workJob, mailJob],
  async seed(conveyor) {
    for (const tenantId of ['acme', 'globex']) {
      for (let i = 0; i < 3; i++) {
        await conveyor.enqueue(mailJob, { to: `user${i}@${tenantId}.test` }, { tenantId, delay: '1h' });
      }
    }
    const job = await conveyor.enqueue(workJob, { orderId: 'acme-1', fail: true }, { tenantId: 'acme' });
    const worker = conveyor.worker({ queues: ['work'], pollInterval: 50 });
    await worker.start();
    await until(async () => (await conveyor.getJob(job.id))?.state === 'dead');
    await worker.stop();
    dead.acme = job.id;
  },
});

describe('access in the dashboard', { timeout: 30_000 }, () => {
  it('logs in with an API key (and refuses a wrong one on the login page)', async () => {
    const page = await dash.login('admin');
    expect(await page.textContent('[data-testid=who]')).toContain('admin');
    expect(await page.textContent('[data-testid=who]')).toContain('all tenants');
    await page.click('button:has-text("Log out")');
    await page.waitForSelector('#api-key');
    await page.fill('#api-key', `cvk_${'0'.repeat(16)}_${'1'.repeat(64)}`);
    await page.click('button[type=submit]');
    await page.waitForSelector('.login-card [role=alert]');
    expect(await page.textContent('.login-card [role=alert]')).toContain('not valid');
  });

  it('shows a viewer no retry, replay or pause buttons; an operator sees them', async () => {
    const viewer = await dash.login('viewer');
    await viewer.goto(`${dash.url}/jobs/${dead.acme}`);
    await viewer.waitForSelector('[data-testid=timeline]');
    expect(await viewer.locator('[data-testid=action-retry]').count()).toBe(0);
    expect(await viewer.locator('[data-testid=job-actions]').count()).toBe(0);
    await viewer.click('nav >> text=Queues');
    await viewer.waitForSelector('tr[data-queue=mail]');
    expect(await viewer.locator('[data-testid^=pause-]').count()).toBe(0);

    const operator = await dash.login('operator');
    await operator.goto(`${dash.url}/jobs/${dead.acme}`);
    await operator.waitForSelector('[data-testid=action-retry]');
    await operator.click('nav >> text=Queues');
    await operator.waitForSelector('[data-testid=pause-mail]');
  });

  it("lists only its tenant's jobs for a tenant-scoped key", async () => {
    const page = await dash.login('acmeViewer');
    expect(await page.textContent('[data-testid=who]')).toContain('tenant acme');
    await page.click('nav >> text=Jobs');
    await page.waitForSelector('[data-testid=job-table] tbody tr');
    const tenants = await page.$$eval('[data-testid=job-table] tbody tr td:nth-child(4)', (cells) =>
      cells.map((cell) => cell.textContent),
    );
    expect(tenants.length).toBe(4);
    expect(new Set(tenants)).toEqual(new Set(['acme']));
    // Asking for another tenant in the address bar shows nothing of it.
    await page.goto(`${dash.url}/jobs?tenant=globex`);
    await page.waitForSelector('[data-testid=jobs] .empty');
    expect(await page.textContent('[data-testid=jobs]')).not.toContain('globex.test');
  });

  it('lets a tenant-scoped operator pause its own group of a queue, not the queue', async () => {
    const page = await dash.login('acmeOperator');
    await page.click('nav >> text=Queues');
    await page.waitForSelector('[data-testid=pause-group-mail]');
    expect(await page.locator('[data-testid=pause-mail]').count()).toBe(0);
    await page.click('[data-testid=pause-group-mail]');
    await page.waitForSelector('[data-testid=resume-group-mail]');
    await until(async () => {
      const rows = await sql<{ paused: boolean }>(
        dash.dbUrl,
        "SELECT paused FROM conveyor.queue_groups WHERE queue = 'mail' AND group_key = 'acme'",
      );
      return rows[0]?.paused === true;
    });
    const [queue] = await sql<{ paused: boolean | null }>(
      dash.dbUrl,
      "SELECT bool_or(paused) AS paused FROM conveyor.queues WHERE name = 'mail'",
    );
    expect(queue?.paused ?? false).toBe(false);
  });
});
