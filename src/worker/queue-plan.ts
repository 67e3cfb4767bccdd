/**
 * What a worker knows of its queues' settings (refreshed from the store on start and every poll):
 * which queue to claim from next, whether to prefetch, and whether a short claim may have been
 * cut by a rate limit. The limits themselves are enforced by the claim; this only avoids wasted claims.
 *
 * Order: queues with a lower `priority` number first; equal priorities take turns.
 * Prefetch: none for limited queues, so a buffered job never holds a global or group slot idle.
 */
import type { QueueSettingsRow, QueueStore } from '../store/queue-store.ts';

export class QueuePlan {
  readonly #queues: string[];
  #settings = new Map<string, QueueSettingsRow>();
  #turn = 0;

  constructor(queues: string[]) {
    this.#queues = queues;
  }

  async refresh(store: QueueStore): Promise<void> {
    const rows = await store.queueList({ names: this.#queues });
    this.#settings = new Map(rows.map((row) => [row.name, row]));
  }

  /** The next queue to claim from among those that may have work. */
  next(hasWork: (queue: string) => boolean): string | undefined {
    let best: string | undefined;
    let bestPriority = Number.POSITIVE_INFINITY;
    const count = this.#queues.length;
    for (let i = 0; i < count; i += 1) {
      const queue = this.#queues[(this.#turn + i) % count]!;
      if (!hasWork(queue)) continue;
      const priority = this.#settings.get(queue)?.priority ?? 0;
      if (priority < bestPriority) {
        best = queue;
        bestPriority = priority;
      }
    }
    if (best !== undefined) this.#turn = (this.#queues.indexOf(best) + 1) % count;
    return best;
  }

  /** A queue whose claims are cut by limits or paused groups: claim only for free slots. */
  isLimited(queue: string): boolean {
    const s = this.#settings.get(queue);
    if (!s) return false;
    return (
      s.globalConcurrency !== null ||
      s.groupConcurrency !== null ||
      s.rateLimit !== null ||
      s.groupRateLimit !== null ||
      s.hasGroupRules
    );
  }

  /**
   * Whether a job of this queue may be handed straight to an idle worker (handoff.ts): settings
   * read, and no pause, limit or group rule. Unknown queues (no row yet) have none; the insert
   * checks the row again in the database.
   */
  allowsHandoff(queue: string): boolean {
    const s = this.#settings.get(queue);
    return s === undefined || (!s.paused && !this.isLimited(queue));
  }

  /** Whether the queue or its groups have a rate limit (a short claim may mean a full window). */
  isRateLimited(queue: string): boolean {
    const s = this.#settings.get(queue);
    return s !== undefined && (s.rateLimit !== null || s.groupRateLimit !== null);
  }
}
