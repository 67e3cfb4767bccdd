/** One timer per key that fires at an instant; asking for an earlier instant replaces it. */
export class WakeTimers {
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #fire: (key: string) => void;
  readonly #now: () => Date;

  constructor(fire: (key: string) => void, now: () => Date) {
    this.#fire = fire;
    this.#now = now;
  }

  /** Fires `key` at `at`, unless it is already due to fire no later. */
  at(key: string, at: Date): void {
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at.getTime()) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.#timers.delete(key);
        this.#fire(key);
      },
      Math.max(0, at.getTime() - this.#now().getTime()),
    );
    this.#timers.set(key, { at: at.getTime(), timer });
  }

  clear(): void {
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
