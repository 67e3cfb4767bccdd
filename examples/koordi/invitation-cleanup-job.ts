/** Koordi's invitation cleanup (seed 004): deletes expired invitations, daily at 02:00. */
import type pg from 'pg';
import { defineJob } from '../../src/index.ts';
import { deleteExpiredInvitations } from './calendar-store.ts';

export function createInvitationCleanupJob({ pool }: { pool: pg.Pool }) {
  return defineJob({
    name: 'invitation-cleanup',
    queue: 'maintenance',
    async handler({ log }) {
      const deleted = await deleteExpiredInvitations(pool, new Date());
      log.info({ deleted }, 'removed expired invitations');
      return { deleted };
    },
  });
}
