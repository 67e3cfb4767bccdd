/**
 * The digest run (seed 000 #10): claims users whose digest is due in batches (SKIP LOCKED, so any
 * number of processes may run it at once), advances each one's next time in their time zone,
 * takes their unread notifications not yet in a digest (marked `digest_sent`, not read), and
 * enqueues one digest email per user with counts per type and the most recent items — all in one
 * transaction per batch (store.notifyDigestRun). Runs in every process of the runtime, every
 * minute by default.
 *
 * Invariant: a user is in at most one digest per period however many runners race (the claim
 * locks the row and the same transaction moves next_digest_at past now), and after an outage of
 * any length gets one digest (the next time is computed from now, not from the missed one).
 */
import type { Logger } from 'pino';
import type { NewJob } from '../core/enqueue-options.ts';
import { PeriodicTask } from '../maintenance/periodic-task.ts';
import type { Service } from '../runtime/service.ts';
import type { DigestItem, NotificationStore, NotifyUserRow } from '../store/notification-store.ts';
import { type EmailJobPayload, emailJobName } from './channels/email-channel.ts';
import { nextDigestAt } from './digest-schedule.ts';

export const DIGEST_TOP_ITEMS = 10;

export interface DigestRunReport {
  claimed: number;
  digests: number;
  batches: number;
}

function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

export function digestJob(
  user: NotifyUserRow,
  items: DigestItem[],
  now: Date,
  queue: string,
  ruleSet: string,
): NewJob | null {
  if (!user.email) return null;
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.type, (counts.get(item.type) ?? 0) + 1);
  const payload: EmailJobPayload = {
    kind: 'digest',
    tenantId: user.tenantId,
    userId: user.userId,
    to: user.email,
    digest: {
      frequency: user.digestFrequency === 'hourly' ? 'hourly' : 'daily',
      date: localDate(now, user.timeZone),
      counts: [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count),
      items: items.slice(0, DIGEST_TOP_ITEMS).map((i) => ({ title: i.title, link: i.link })),
    },
  };
  return {
    queue,
    name: emailJobName(ruleSet),
    payload,
    priority: 0,
    runAt: now,
    maxAttempts: 5,
    backoff: { type: 'exponential', delayMs: 10_000, maxDelayMs: 3_600_000, jitter: 0, factor: 4 },
    timeoutMs: 60_000,
    tenantId: user.tenantId,
    groupKey: user.tenantId,
    uniqueKey: null,
    uniqueUntil: null,
    metadata: { digest: user.digestFrequency },
  };
}

export async function runDigests(
  store: NotificationStore,
  options: { now: Date; batchSize: number; queue: string; email: boolean; ruleSet: string },
): Promise<DigestRunReport> {
  const report: DigestRunReport = { claimed: 0, digests: 0, batches: 0 };
  for (;;) {
    const { claimed, digests } = await store.notifyDigestRun({
      now: options.now,
      limit: options.batchSize,
      nextAt: (user) =>
        nextDigestAt(
          { frequency: user.digestFrequency, deliveryHour: user.deliveryHour, timeZone: user.timeZone },
          options.now,
        ) ?? new Date(options.now.getTime() + 3_600_000),
      jobs: (due) =>
        options.email
          ? due.flatMap(
              ({ user, items }) => digestJob(user, items, options.now, options.queue, options.ruleSet) ?? [],
            )
          : [],
    });
    report.claimed += claimed;
    report.digests += digests;
    report.batches += 1;
    if (claimed < options.batchSize) return report;
  }
}

export class DigestService implements Service {
  readonly name = 'notification-digest';
  readonly #task: PeriodicTask;

  constructor(run: () => Promise<DigestRunReport>, intervalMs: number, log: Logger) {
    this.#task = new PeriodicTask(
      'notification-digest',
      async () => {
        const report = await run();
        if (report.digests > 0) log.info(report, 'notification digests enqueued');
        return intervalMs;
      },
      log,
    );
  }

  async start(): Promise<void> {
    this.#task.start(1_000);
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
