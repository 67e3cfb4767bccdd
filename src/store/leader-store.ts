/** The leadership slice of the store seam: one process per role does what only one should do. */

/** A connection of its own on which this process campaigns for leadership roles. */
export interface LeaderSession {
  /** Takes `role` if no process holds it; true while this session holds it. Never waits. */
  tryAcquire(role: string): Promise<boolean>;
  /** Gives `role` up (if held). */
  release(role: string): Promise<void>;
  /** Resolves when the connection is lost; every role it held is free again. */
  readonly lost: Promise<void>;
  close(): Promise<void>;
}

export interface LeaderStore {
  /** Opens a session to campaign on (one per process is enough for every role). */
  leaderSession(): Promise<LeaderSession>;
}
