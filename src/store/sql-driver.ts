/**
 * The slice of a Postgres connection the store needs. Both adapters (node-postgres and PGlite)
 * implement it, so they share every SQL file. Rows come back as plain objects.
 */
export type Row = Record<string, unknown>;

export interface SqlSession {
  query(text: string, values?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface NotificationHandlers {
  [channel: string]: (payload: string) => void;
}

export interface TransactionOptions {
  /**
   * A migration: its statements may run up to the migration bound instead of the statement bound
   * (an index build on a large table takes minutes). A driver without bounds ignores it.
   */
  migration?: boolean;
}

/**
 * A connection of its own, kept open (leader election holds session-level advisory locks on it).
 * `lost` resolves when the connection is gone, and with it every lock it held.
 */
export interface DedicatedSession {
  query(text: string, values: unknown[]): Promise<Row[]>;
  readonly lost: Promise<void>;
  close(): Promise<void>;
}

export interface SqlDriver {
  /** Runs one statement; `name` lets a driver prepare it once per connection. */
  query(name: string, text: string, values: unknown[]): Promise<Row[]>;
  transaction<T>(work: (session: SqlSession) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** LISTENs on each channel; re-subscribes after a lost connection and then calls `reconnected`. */
  listen(handlers: NotificationHandlers, reconnected: () => void): Promise<() => Promise<void>>;
  /** Opens a connection of its own (see DedicatedSession). */
  dedicated(): Promise<DedicatedSession>;
  close(): Promise<void>;
  readonly description: string;
}
