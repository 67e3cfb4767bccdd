import type { Row } from '../sql-driver.ts';

/** Runs `queries/<name>.sql` with positional values. */
export type RunStatement = (name: string, values: unknown[]) => Promise<Row[]>;

/** What every slice of the SQL-file store shares: the runner of named statements and the channels. */
export interface StatementContext {
  run: RunStatement;
  /** Runs `work` in one transaction, its statements through the given runner. */
  transaction<T>(work: (run: RunStatement) => Promise<T>): Promise<T>;
  /** The text of `queries/<name>.sql` (to run through a caller's executor). */
  sqlFor(name: string): string;
  readyChannel: string;
  cancelChannel: string;
}
