/**
 * The demo behind `npm start` (`conveyor dev --demo`): four jobs on one queue that show a plain
 * completion, a retry after a failure, a delayed job and progress reports. The CLI runs a worker,
 * calls `enqueue`, and with `--once` exits when every job reached the state it expects.
 */
import type { Demo } from '../../src/cli/demo.ts';
import { chargeCard, demoJobs, importContacts, sendReminder, sendWelcome } from './jobs.ts';

export { chargeCard, demoJobs, importContacts, sendReminder, sendWelcome };

export const demo: Demo = {
  jobs: demoJobs,
  // Retries (200 ms backoff) and the delayed job are promoted within a quarter second.
  settings: { promoteInterval: '250ms' },
  async enqueue(conveyor) {
    const [welcome, charge, reminder, contacts] = await Promise.all([
      conveyor.enqueue(sendWelcome, { email: 'ada@example.com' }, { tenantId: 'acme' }),
      conveyor.enqueue(chargeCard, { orderId: 'order-42', amountCents: 1999 }, { tenantId: 'acme' }),
      conveyor.enqueue(
        sendReminder,
        { userId: 'u_7', enqueuedAt: Date.now() },
        { tenantId: 'globex', delay: '1500ms' },
      ),
      conveyor.enqueue(importContacts, { rows: 2_000 }, { tenantId: 'globex' }),
    ]);
    return [
      { id: welcome!.id, label: 'send-welcome', expect: 'completed' },
      { id: charge!.id, label: 'charge-card (fails once, retried)', expect: 'completed' },
      { id: reminder!.id, label: 'send-reminder (delayed 1.5 s)', expect: 'completed' },
      { id: contacts!.id, label: 'import-contacts (reports progress)', expect: 'completed' },
    ];
  },
};
