/**
 * Rate limit on failed logins per client address: after `max` bad or missing-but-presented
 * credentials within `windowMs`, every request from that address answers 429 until the window
 * slides past them, whatever it presents — so a key cannot be guessed faster than `max` per window.
 * In memory, per process (a cluster multiplies the budget by its processes); at most `maxAddresses`
 * addresses are tracked, the oldest forgotten first, so a flood of addresses cannot grow it.
 */

export interface LoginThrottleOptions {
  /** Failed attempts allowed per address and window (default 10). */
  max?: number;
  /** Window, in ms (default 60,000). */
  windowMs?: number;
  maxAddresses?: number;
}

export class LoginThrottle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxAddresses: number;
  readonly #failures = new Map<string, number[]>();

  constructor(options: LoginThrottleOptions = {}) {
    this.#max = options.max ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
  }

  #recent(address: string, now: number): number[] {
    const times = (this.#failures.get(address) ?? []).filter((at) => now - at < this.#windowMs);
    if (times.length === 0) this.#failures.delete(address);
    else this.#failures.set(address, times);
    return times;
  }

  /** Ms until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string, now = Date.now()): number {
    const times = this.#recent(address, now);
    if (times.length < this.#max) return 0;
    return Math.max(1, times[times.length - this.#max]! + this.#windowMs - now);
  }

  failed(address: string, now = Date.now()): void {
    const times = this.#recent(address, now);
    this.#failures.delete(address);
    this.#failures.set(address, [...times, now]);
    if (this.#failures.size > this.#maxAddresses) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }
}
