/**
 * The demo's jobs: a welcome email, a charge that fails once and succeeds on retry, a delayed
 * reminder, and a contacts import that reports progress. Each honours `dryRun`.
 */
import { z } from 'zod';
import { defineJob } from '../../src/index.ts';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

export const sendWelcome = defineJob({
  name: 'demo.send-welcome',
  queue: 'demo',
  schema: z.object({ email: z.email() }),
  async handler({ payload, log, dryRun, signal }) {
    await sleep(50, signal);
    log.info({ email: payload.email }, dryRun ? 'would send the welcome email' : 'sent the welcome email');
    return { to: payload.email, sent: !dryRun, dryRun };
  },
});

export const chargeCard = defineJob({
  name: 'demo.charge-card',
  queue: 'demo',
  schema: z.object({ orderId: z.string().min(1), amountCents: z.number().int().positive() }),
  defaults: { attempts: 3, backoff: { type: 'fixed', delay: '200ms' } },
  async handler({ payload, job, dryRun }) {
    if (job.attempt === 1 && !dryRun) {
      throw new Error('payment gateway timed out (simulated: the retry succeeds)');
    }
    return {
      orderId: payload.orderId,
      charged: dryRun ? 0 : payload.amountCents,
      attempt: job.attempt,
      dryRun,
    };
  },
});

export const sendReminder = defineJob({
  name: 'demo.send-reminder',
  queue: 'demo',
  schema: z.object({ userId: z.string().min(1), enqueuedAt: z.number().optional() }),
  async handler({ payload, dryRun }) {
    const waitedMs = payload.enqueuedAt === undefined ? null : Date.now() - payload.enqueuedAt;
    return { userId: payload.userId, reminded: !dryRun, waitedMs, dryRun };
  },
});

export const importContacts = defineJob({
  name: 'demo.import-contacts',
  queue: 'demo',
  schema: z.object({ rows: z.number().int().min(1).max(1_000_000) }),
  async handler({ payload, progress, signal, dryRun }) {
    const steps = 4;
    for (let step = 1; step <= steps; step += 1) {
      await sleep(100, signal);
      await progress({ percent: (step * 100) / steps, rows: Math.round((payload.rows * step) / steps) });
    }
    return { imported: dryRun ? 0 : payload.rows, dryRun };
  },
});

export const demoJobs = [sendWelcome, chargeCard, sendReminder, importContacts];
