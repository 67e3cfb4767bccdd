/**
 * The dashboard screenshots in docs/screenshots/, taken from the seeded demo (dashboard-demo.ts) in
 * Debian's Chromium: overview, jobs, job detail (a waiting job, with its reasons), a dead job's
 * attempts, dead letters, failures, queues.
 *
 *   npm run build && npx tsx scripts/screenshots.ts
 */
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startDemoDashboard } from './dashboard-demo.ts';

const OUT = new URL('../docs/screenshots/', import.meta.url);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

mkdirSync(OUT, { recursive: true });
const demo = await startDemoDashboard();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${demo.url}/`);
  await page.fill('#api-key', demo.adminKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=overview-charts] .uplot');
  await page.waitForSelector('[data-testid=live].live-on');

  const shot = async (name: string, path: string, ready: string, fullPage = false) => {
    await page.goto(`${demo.url}${path}`);
    await page.waitForSelector(ready);
    await page.waitForTimeout(300);
    await page.screenshot({ path: new URL(`${name}.png`, OUT).pathname, fullPage });
    process.stdout.write(`docs/screenshots/${name}.png\n`);
  };
  await shot('overview', '/', '[data-testid=overview-charts] .uplot', true);
  await shot('jobs', '/jobs', '[data-testid=job-table] tbody tr');
  await shot('job-waiting', `/jobs/${demo.jobs.waiting}`, '[data-testid=waiting] [data-reason]');
  await shot('job-dead', `/jobs/${demo.jobs.dead}`, '[data-testid=timeline]', true);
  await shot('dead-letters', '/dead-letters', '[data-testid=job-table] tbody tr');
  await shot('failures', '/failures', '[data-testid=failures] table');
  await shot('queues', '/queues', 'tr[data-queue]');
} finally {
  await browser.close();
  await demo.close();
}
