/**
 * Notifications between processes, by channel: `listen('ready', handler)`. Every subscription of
 * an instance shares the store's one LISTEN connection (node-postgres), or PGlite's in-process
 * delivery (embedded); after a lost connection each subscription's `reconnected` runs once it is
 * back, since what was sent meanwhile is gone. Wake-ups and cancellations are two channels of it;
 * the event relay adds its own.
 */
import type { Store } from '../store/store.ts';

export class Notifier {
  readonly #store: () => Promise<Store>;

  constructor(store: () => Promise<Store>) {
    this.#store = store;
  }

  /**
   * Calls `handler` with each notification's payload on `channel` (a lowercase name, e.g. `ready`)
   * until the returned function is called.
   */
  async listen(
    channel: string,
    handler: (payload: string) => void,
    options: { reconnected?: () => void } = {},
  ): Promise<() => Promise<void>> {
    const reconnected = options.reconnected ?? (() => {});
    return (await this.#store()).listen({ channels: { [channel]: handler }, reconnected });
  }
}
