/**
 * Koordi's ICS sync job (seed 004): `{ type: 'single', calendarId }` syncs one calendar on demand,
 * `{ type: 'all' }` syncs every calendar (the 5-minute schedule). A sync fetches the feed over HTTP
 * with the handler's `signal` (a timeout or shutdown aborts the request), parses its VEVENTs and
 * makes the stored events equal to the feed.
 *
 * Failure, as in the seed: a single-calendar sync throws, so the job retries (3 attempts,
 * exponential backoff from 1 minute: 1 min, 2 min) and then is dead with every attempt's error. The
 * all-calendars sync records each calendar's error in its result and carries on with the others.
 */
import type pg from 'pg';
import { z } from 'zod';
import { type Duration, defineJob } from '../../src/index.ts';
import { getCalendar, listCalendars, replaceCalendarEvents, type SyncCounts } from './calendar-store.ts';
import { parseIcs } from './ics-parser.ts';

export const icsSyncPayload = z.discriminatedUnion('type', [
  z.object({ type: z.literal('single'), calendarId: z.string().min(1) }),
  z.object({ type: z.literal('all') }),
]);

export interface CalendarSyncResult extends SyncCounts {
  calendarId: string;
}

/** Fetches, parses and stores one calendar's feed. Throws when the feed cannot be read. */
export async function syncCalendar(
  pool: pg.Pool,
  calendarId: string,
  signal: AbortSignal,
): Promise<CalendarSyncResult> {
  const calendar = await getCalendar(pool, calendarId);
  if (!calendar) throw new Error(`calendar ${calendarId} does not exist`);
  const response = await fetch(calendar.icsUrl, { signal, headers: { accept: 'text/calendar' } });
  if (!response.ok) throw new Error(`ICS feed of calendar ${calendarId} answered HTTP ${response.status}`);
  const events = parseIcs(await response.text());
  return { calendarId, ...(await replaceCalendarEvents(pool, calendarId, events)) };
}

export interface IcsSyncJobOptions {
  pool: pg.Pool;
  /** First retry delay; doubles each retry (default 1 minute, as in the seed). */
  backoffDelay?: Duration;
}

export function createIcsSyncJob({ pool, backoffDelay = '1m' }: IcsSyncJobOptions) {
  return defineJob({
    name: 'ics-sync',
    queue: 'ics-sync',
    schema: icsSyncPayload,
    defaults: { attempts: 3, backoff: { type: 'exponential', delay: backoffDelay }, timeout: '4m' },
    async handler({ payload, signal, log }) {
      if (payload.type === 'single') {
        const result = await syncCalendar(pool, payload.calendarId, signal);
        return { type: 'single' as const, ...result };
      }
      const results: (CalendarSyncResult | { calendarId: string; error: string })[] = [];
      for (const calendar of await listCalendars(pool)) {
        signal.throwIfAborted();
        try {
          results.push(await syncCalendar(pool, calendar.id, signal));
        } catch (error) {
          if (signal.aborted) throw error;
          const message = error instanceof Error ? error.message : String(error);
          log.warn({ calendarId: calendar.id, err: error }, 'calendar sync failed');
          results.push({ calendarId: calendar.id, error: message });
        }
      }
      const errorCount = results.filter((r) => 'error' in r).length;
      return {
        type: 'all' as const,
        totalCalendars: results.length,
        successCount: results.length - errorCount,
        errorCount,
        results,
      };
    },
  });
}

export type IcsSyncJob = ReturnType<typeof createIcsSyncJob>;
