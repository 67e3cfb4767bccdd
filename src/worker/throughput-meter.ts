/**
 * Jobs finished per second over the last second, in ten 100 ms buckets: cheap enough to call on
 * every finish and every claim decision.
 */
const BUCKET_MS = 100;
const BUCKETS = 10;

export class ThroughputMeter {
  readonly #counts = new Array<number>(BUCKETS).fill(0);
  /** The bucket number (time / BUCKET_MS) that #counts[bucket % BUCKETS] holds. */
  readonly #slots = new Array<number>(BUCKETS).fill(-1);

  record(nowMs: number = performance.now()): void {
    const bucket = Math.floor(nowMs / BUCKET_MS);
    const index = bucket % BUCKETS;
    if (this.#slots[index] !== bucket) {
      this.#slots[index] = bucket;
      this.#counts[index] = 0;
    }
    this.#counts[index]! += 1;
  }

  /** Jobs per second over the last second (buckets older than that are ignored). */
  perSecond(nowMs: number = performance.now()): number {
    const current = Math.floor(nowMs / BUCKET_MS);
    let total = 0;
    for (let i = 0; i < BUCKETS; i += 1) {
      if (current - this.#slots[i]! < BUCKETS) total += this.#counts[i]!;
    }
    return (total * 1000) / (BUCKET_MS * BUCKETS);
  }
}
