/** The worker-lease slice of the store over SQL files. */
import type { WorkerStore } from '../worker-store.ts';
import type { StatementContext } from './statement-context.ts';

export function workerStatements({ run }: StatementContext): WorkerStore {
  return {
    async workerRegister({ id, host, pid, queues, now, leaseMs, startedSeq = 0, names }) {
      await run('worker-register', [id, host, pid, queues, now, leaseMs, startedSeq, names ?? null]);
    },

    async workerDeclareStarted({ id, startedSeq }) {
      const rows = await run('worker-declare-started', [id, startedSeq]);
      return rows.length > 0;
    },

    async workerHeartbeat({ id, now, leaseMs }) {
      const [row] = await run('worker-heartbeat', [id, now, leaseMs]);
      return {
        alive: Number(row?.alive ?? 0) > 0,
        cancelledIds: ((row?.cancelled_ids as unknown[] | null) ?? []).map(String),
        heldIds: ((row?.held_ids as unknown[] | null) ?? []).map(String),
      };
    },

    async workerRemove({ id }) {
      await run('worker-remove', [id]);
    },
  };
}
