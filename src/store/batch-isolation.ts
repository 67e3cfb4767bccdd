/**
 * Batch isolation, a rule of the store: a batch written in one statement whose write the database
 * refuses permanently (DatabaseRejectedError: one item's data) is split in halves, and each half
 * written on its own, down to single items; the items that land are reported as written and only
 * the ones refused alone are reported as rejected, each with its own error. A transient failure is
 * never split: it is thrown as it is, for the caller to retry.
 *
 * Costs: one bad item in a batch of n takes about 2·log2(n) extra statements (a batch of 1,000
 * with one bad item: 1 + 20); a systemic permanent failure (say, a dropped table) rejects every
 * item after 2n − 1 statements, and is then reported per item like any other refusal.
 *
 * Each sub-batch commits on its own, so this is only for writes whose items are independent of one
 * another (completions, failures, coalesced single enqueues); never for an all-or-nothing write.
 * If a sub-batch fails transiently after others landed, the error is thrown and the caller retries
 * the whole batch: the statements used here touch an item only once (an outcome is written only
 * while its job is still active under the lease), so the items that landed are not written twice.
 */
import { DatabaseRejectedError } from '../core/errors.ts';
import { storeErrorFrom } from './store-errors.ts';

export interface IsolatedWrite<I, R> {
  /** Each sub-batch that landed, with what its write returned. */
  written: { items: I[]; result: R }[];
  /** Each item the database refused on its own, with its index in the batch. */
  rejected: { item: I; index: number; error: DatabaseRejectedError }[];
}

/** Writes `items` through `write`, splitting a permanently refused batch (see above). */
export async function writeIsolated<I, R>(
  items: readonly I[],
  write: (batch: I[]) => Promise<R>,
): Promise<IsolatedWrite<I, R>> {
  const outcome: IsolatedWrite<I, R> = { written: [], rejected: [] };
  const attempt = async (offset: number, batch: I[]): Promise<void> => {
    try {
      outcome.written.push({ items: batch, result: await write(batch) });
    } catch (thrown) {
      const error = storeErrorFrom(thrown);
      if (!(error instanceof DatabaseRejectedError)) throw error;
      if (batch.length === 1) {
        outcome.rejected.push({ item: batch[0]!, index: offset, error });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await attempt(offset, batch.slice(0, half));
      await attempt(offset + half, batch.slice(half));
    }
  };
  if (items.length > 0) await attempt(0, [...items]);
  return outcome;
}
