import type { Conveyor } from '../../src/index.ts';

export type FinalState = 'completed' | 'dead';

/**
 * Records the final outcome (completed or dead) of every job a Conveyor's workers write, from the
 * moment it is created, so a test can wait for a set of ids without missing an early event.
 */
export function trackOutcomes(conveyor: Conveyor) {
  const finals = new Map<string, FinalState>();
  const waiters: { ids: string[]; resolve(): void }[] = [];
  const settle = (id: string, state: FinalState): void => {
    finals.set(id, state);
    for (const waiter of [...waiters]) {
      if (waiter.ids.every((each) => finals.has(each))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  conveyor.on('job:completed', ({ job }) => settle(job.id, 'completed'));
  conveyor.on('job:dead', ({ job }) => settle(job.id, 'dead'));
  return {
    finals,
    /**
     * Resolves with each id's final state once all have one, or after `limitMs` with what is known
     * (a missing id reads 'unfinished'), so a broken engine fails the assertion, not the timeout.
     */
    async until(ids: string[], limitMs = 20_000): Promise<Record<string, FinalState | 'unfinished'>> {
      if (!ids.every((id) => finals.has(id))) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => waiters.push({ ids, resolve })),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, limitMs);
          }),
        ]);
        clearTimeout(timer);
      }
      return Object.fromEntries(ids.map((id) => [id, finals.get(id) ?? 'unfinished']));
    },
  };
}
