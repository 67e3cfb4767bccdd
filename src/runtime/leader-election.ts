/**
 * Campaigns for one leadership role on a connection of its own (Store.leaderSession): a
 * PostgreSQL session-level advisory lock, so exactly one process of a cluster holds the role, and
 * a leader that dies (its connection closes with it) frees it at once. Every other process tries
 * again every `retryMs`; after a SIGKILL of the leader the role moves within about that long.
 *
 * States: idle → campaigning (session open, not leader) ⇄ leading; a lost session (the database
 * restarted, the network broke) ends leadership at once — `onLost` runs before anything else — and
 * campaigning resumes on a new session, after a backoff if the database is unreachable.
 */
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import type { LeaderSession, LeaderStore } from '../store/leader-store.ts';

export interface LeaderElectionOptions {
  store: () => Promise<LeaderStore>;
  role: string;
  /** How often a process that is not leader tries again (default 1 s). */
  retryMs?: number;
  log: Logger;
  onElected(): void;
  onLost(): void;
}

export class LeaderElection {
  readonly #options: LeaderElectionOptions;
  readonly #retryMs: number;
  #session: LeaderSession | null = null;
  #leader = false;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #step: Promise<void> | null = null;
  #failures = 0;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#retryMs = options.retryMs ?? 1_000;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops campaigning; a leader gives the role up (after `onLost`). */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#step;
    this.#demote();
    const session = this.#session;
    this.#session = null;
    if (session) {
      await session.release(this.#options.role).catch(() => {});
      await session.close().catch(() => {});
    }
  }

  #schedule(delayMs: number): void {
    if (!this.#running || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#step = this.#campaign().finally(() => {
        this.#step = null;
      });
    }, delayMs);
  }

  async #campaign(): Promise<void> {
    const { store, role, log } = this.#options;
    try {
      if (!this.#session) {
        const session = await (await store()).leaderSession();
        if (!this.#running) {
          await session.close().catch(() => {});
          return;
        }
        this.#session = session;
        void session.lost.then(() => this.#sessionLost(session));
      }
      if (!this.#leader && (await this.#session.tryAcquire(role))) {
        if (!this.#running) return;
        this.#leader = true;
        log.info({ role }, 'elected leader');
        this.#options.onElected();
      }
      this.#failures = 0;
      if (!this.#leader) this.#schedule(this.#retryMs);
    } catch (error) {
      this.#failures += 1;
      const delay = Math.min(this.#retryMs * 2 ** Math.min(this.#failures, 5), 30_000);
      log.warn({ err: safeError(error), role, retryMs: delay }, 'leader election failed; retrying');
      const session = this.#session;
      this.#session = null;
      this.#demote();
      await session?.close().catch(() => {});
      this.#schedule(delay);
    }
  }

  #sessionLost(session: LeaderSession): void {
    if (this.#session !== session) return;
    this.#session = null;
    if (this.#leader)
      this.#options.log.warn({ role: this.#options.role }, 'leadership lost with its connection');
    this.#demote();
    this.#schedule(this.#retryMs);
  }

  #demote(): void {
    if (!this.#leader) return;
    this.#leader = false;
    this.#options.onLost();
  }
}
