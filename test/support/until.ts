import { setTimeout as delay } from 'node:timers/promises';

/** Waits until `condition` holds, checking every 10 ms; throws after `ms` (default 10 s). */
export async function until(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(10);
  }
}
