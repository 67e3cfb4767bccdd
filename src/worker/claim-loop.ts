/**
 * When, from which queue and how much a worker claims.
 *
 *   - It claims when the room left (capacity − running − buffered − already requested) is at least
 *     half the capacity (a quarter for a limited queue, whose capacity is its slots), from the next
 *     queue (QueuePlan order) believed to have work.
 *   - Up to two claims are in flight at once, so the next batch is on its way while the current
 *     one runs: with one, a drain waited on the claim's round trip (a claim of 250 took ~10 ms
 *     under load while the jobs it brought ran in ~5 ms). A limited queue is claimed only when no
 *     other claim is in flight: its claims serialize on the queue row anyway, and it claims exactly
 *     the free slots, which a claim in flight would make uncertain.
 *   - A full claim means the queue has more; a short one marks it empty, unless the queue was woken
 *     after that claim began (the wake may announce jobs committed after it read the queue), or
 *     another claim of the same queue overlapped it: jobs that claim had locked were skipped, so a
 *     short result says nothing (with 100 tenants of a few jobs each, a claim overlapping another
 *     came back short while thousands of jobs waited, and the queue idled until the poll).
 *   - A second claim of a queue starts only while its last claim came back full. After a short one
 *     the next claim runs alone, so its result is conclusive: two claims at a time on an emptying
 *     queue would overlap, come back short and claim again forever.
 *   - A queue is believed non-empty again on NOTIFY, a local enqueue, the written outcome of a job
 *     of a limited queue, the first counted start leaving its rate window, or the jittered poll
 *     (which also refreshes queue settings).
 *   - It claims only the job names this worker can run, and asks that the jobs going straight to
 *     free slots be charged at once; the rest are numbered for the worker's start record.
 * A failed claim backs off (50 ms doubling to 2 s) and tries again; it loses nothing.
 */
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import type { ClaimedJob, Store } from '../store/store.ts';
import { QueuePlan } from './queue-plan.ts';
import { WakeTimers } from './wake-timers.ts';

const MAX_IN_FLIGHT = 2;
/**
 * A claim starts once the room is at least capacity / CLAIM_DIV. Half (not a quarter) makes claims
 * of ~280 jobs instead of ~150 in a 30k drain at concurrency 50: a claim has a fixed cost of
 * ~0.8 ms of PostgreSQL time (claims of 170 vs 500 in a serial loop: 2.7 vs 6.4 ms, 16.1 vs 13.0 µs
 * a job), so fewer, larger claims cost less per job. Interleaved A/B on a loaded machine (two
 * pairs, 3 runs each, CPU µs per job, db+client): drain_c50 71.4 → 65.7 and 48.3 → 45.6,
 * drain_c50_tenants 91.9 → 72.7 and 73.5 → 67.7 (the fair claim visits each group once per claim,
 * so it gains most), drain_c50_2proc 71.7 → 71.1 and 64.0 → 63.4.
 */
const CLAIM_DIV = 2;
/** A limited queue has no buffer (capacity = concurrency): it claims once a quarter of its slots are free. */
const LIMITED_CLAIM_DIV = 4;

/**
 * Counters of a worker's claims since it started: claims per second, jobs per claim and empty
 * claims (issue 17). Plain increments, read by the bench (`Worker.claimStats`).
 */
export interface ClaimStats {
  /** Claims that settled with a result (failed ones are not counted). */
  claims: number;
  /** Jobs those claims brought. */
  jobs: number;
  /** Claims that brought no job. */
  empty: number;
  /** Claims that brought fewer jobs than asked for (the empty ones included). */
  short: number;
  /** Claims another claim of the same queue overlapped. */
  overlapped: number;
  /** Wake-ups received (NOTIFY, local enqueue, poll, rate window), with or without a claim after. */
  wakes: number;
  /** Milliseconds since the claim loop started. */
  elapsedMs: number;
}

/** What a claim asks for besides the queue: see Store.jobClaim. */
export interface ClaimReservation {
  /** Buffered jobs of this claim are numbered from seqBase + 1 (a range no other claim uses). */
  seqBase: number;
  /** Jobs of this claim that go straight to free slots (charged at once). */
  startNow: number;
}

export interface ClaimLoopDeps {
  store: Store;
  workerId: string;
  queues: string[];
  /** The job names this worker can run: it claims no others. */
  names: readonly string[];
  pollIntervalMs: number;
  now: () => Date;
  log: Logger;
  /** Jobs this worker may hold: running + buffered (limited queues: no buffer). */
  capacity(limited: boolean): number;
  /** Jobs held now: running + buffered (+ awaiting their written outcome, unless limited). */
  held(limited: boolean): number;
  /** Whether the worker still takes work. */
  active(): boolean;
  /** Reserves a claim's numbering and start slots; released (whatever the outcome) when it settles. */
  reserve(limit: number): ClaimReservation;
  release(reservation: ClaimReservation): void;
  /** Claimed jobs arrive here (also after the worker began stopping: it gives them back). */
  received(jobs: ClaimedJob[]): void;
  /** After each claim settles, whatever its result. */
  settled(): void;
}

export class ClaimLoop {
  readonly plan: QueuePlan;
  readonly #deps: ClaimLoopDeps;
  readonly #hasWork = new Map<string, boolean>();
  /** Wake-ups per queue: a claim compares the count at its start and end. */
  readonly #wakes = new Map<string, number>();
  /** Per queue, the last group served: the next claim continues the round-robin after it. */
  readonly #cursors = new Map<string, string | null>();
  /** Rate-limited queues are woken when their window turns. */
  readonly #windowTimers: WakeTimers;
  /** Claims in flight: each one's queue, and whether another claim of that queue overlapped it. */
  readonly #inFlight = new Map<Promise<void>, { queue: string; overlapped: boolean }>();
  /** Whether the queue's last claim came back full (a second claim may then run beside one). */
  readonly #lastFull = new Map<string, boolean>();
  #requested = 0;
  #retryMs = 0;
  #pollTimer: NodeJS.Timeout | null = null;
  /** Whether `start` read the queue settings: a wake-up before then (NOTIFY, a local enqueue) claims nothing yet. */
  #started = false;
  readonly #stats = { claims: 0, jobs: 0, empty: 0, short: 0, overlapped: 0, wakes: 0 };
  #startedAt = 0;

  constructor(deps: ClaimLoopDeps) {
    this.#deps = deps;
    this.plan = new QueuePlan(deps.queues);
    for (const queue of deps.queues) this.#hasWork.set(queue, true);
    this.#windowTimers = new WakeTimers((queue) => this.wake(queue), deps.now);
  }

  /** Reads queue settings, then claims and polls until `stop`. */
  async start(): Promise<void> {
    await this.plan.refresh(this.#deps.store);
    this.#started = true;
    this.#startedAt = Date.now();
    this.#schedulePoll();
    this.fill();
  }

  /** The claim counters so far (a copy). */
  get stats(): ClaimStats {
    return { ...this.#stats, elapsedMs: this.#startedAt === 0 ? 0 : Date.now() - this.#startedAt };
  }

  /** Whether a claim is in flight. */
  get busy(): boolean {
    return this.#inFlight.size > 0;
  }

  /** A queue (or every queue) may have work: claim soon. */
  wake(queue?: string): void {
    if (!this.#deps.active()) return;
    this.#stats.wakes += 1;
    const woken = queue === undefined ? this.#deps.queues : this.#hasWork.has(queue) ? [queue] : [];
    for (const q of woken) {
      this.#hasWork.set(q, true);
      this.#wakes.set(q, (this.#wakes.get(q) ?? 0) + 1);
    }
    if (woken.length > 0) this.fill();
  }

  /** Outcomes of `queue`'s jobs were written: a limited queue has free slots to claim for. */
  finished(queue: string): void {
    if (!this.plan.isLimited(queue)) return;
    // Counts as a wake: a claim in flight may have read the old count and must not mark it empty.
    this.#hasWork.set(queue, true);
    this.#wakes.set(queue, (this.#wakes.get(queue) ?? 0) + 1);
  }

  /** Starts claims while there is room and a queue believed to have work. */
  fill(): void {
    while (this.#started && this.#deps.active() && this.#inFlight.size < MAX_IN_FLIGHT) {
      const queue = this.plan.next((q) => this.#hasWork.get(q) === true);
      if (queue === undefined) return;
      const limited = this.plan.isLimited(queue);
      if (limited && this.#inFlight.size > 0) return;
      if (this.#lastFull.get(queue) !== true && this.#claimsOf(queue) > 0) return;
      const capacity = this.#deps.capacity(limited);
      const room = capacity - this.#deps.held(limited) - this.#requested;
      if (room < Math.max(1, Math.floor(capacity / (limited ? LIMITED_CLAIM_DIV : CLAIM_DIV)))) return;
      this.#claim(queue, room, limited);
    }
  }

  /** Stops polling and timers and waits for claims in flight (their jobs reach `received`). */
  async stop(): Promise<void> {
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
    this.#windowTimers.clear();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight.keys());
  }

  #claim(queue: string, limit: number, limited: boolean): void {
    const { store, workerId, names, now: clock, log } = this.#deps;
    const wakesAtStart = this.#wakes.get(queue) ?? 0;
    const now = clock();
    this.#requested += limit;
    const reservation = this.#deps.reserve(limit);
    const overlap = { queue, overlapped: false };
    for (const other of this.#inFlight.values()) {
      if (other.queue === queue) other.overlapped = overlap.overlapped = true;
    }
    const claim: Promise<void> = store
      .jobClaim({
        queue,
        workerId,
        limit,
        now,
        cursor: this.#cursors.get(queue) ?? null,
        names,
        ...reservation,
      })
      .then(
        ({ jobs, cursor }) => {
          this.#retryMs = 0;
          this.#cursors.set(queue, cursor);
          this.#lastFull.set(queue, jobs.length >= limit);
          this.#count(jobs.length, limit, overlap.overlapped);
          if (jobs.length >= limit) {
            this.#hasWork.set(queue, true);
          } else if (!overlap.overlapped && (this.#wakes.get(queue) ?? 0) === wakesAtStart) {
            this.#hasWork.set(queue, false);
            // A rate limit may be what cut the claim: try again when a counted start leaves the window.
            if (limited && this.plan.isRateLimited(queue)) this.#wakeWhenRateFrees(queue, now);
          }
          this.#deps.received(jobs);
        },
        (error: unknown) => {
          this.#retryMs = Math.min(Math.max(this.#retryMs * 2, 50), 2_000);
          log.warn({ err: safeError(error), queue, retryMs: this.#retryMs }, 'claim failed; retrying');
          this.#hasWork.set(queue, false);
          this.#lastFull.set(queue, false);
          setTimeout(() => this.wake(queue), this.#retryMs).unref();
        },
      )
      .finally(() => {
        this.#requested -= limit;
        this.#deps.release(reservation);
        this.#inFlight.delete(claim);
        this.#deps.settled();
      });
    this.#inFlight.set(claim, overlap);
  }

  #count(jobs: number, limit: number, overlapped: boolean): void {
    const stats = this.#stats;
    stats.claims += 1;
    stats.jobs += jobs;
    if (jobs === 0) stats.empty += 1;
    if (jobs < limit) stats.short += 1;
    if (overlapped) stats.overlapped += 1;
  }

  #wakeWhenRateFrees(queue: string, now: Date): void {
    this.#deps.store
      .queueRateFreeAt({ queue, now })
      .then((freeAt) => {
        if (freeAt && this.#deps.active()) this.#windowTimers.at(queue, freeAt);
      })
      .catch((error: unknown) => {
        // The poll wakes the queue instead.
        this.#deps.log.warn({ err: safeError(error), queue }, 'could not read when the rate window frees');
      });
  }

  #claimsOf(queue: string): number {
    let count = 0;
    for (const claim of this.#inFlight.values()) if (claim.queue === queue) count += 1;
    return count;
  }

  #schedulePoll(): void {
    if (!this.#deps.active()) return;
    const jitter = 0.8 + Math.random() * 0.4;
    this.#pollTimer = setTimeout(() => {
      // Settings changed elsewhere (limits, priorities) are picked up here, at worst one poll late.
      this.plan
        .refresh(this.#deps.store)
        .catch((error: unknown) =>
          this.#deps.log.warn({ err: safeError(error) }, 'could not refresh queue settings'),
        )
        .finally(() => this.wake());
      this.#schedulePoll();
    }, this.#deps.pollIntervalMs * jitter);
  }
}
