/**
 * Koordi's tables (calendars, their events, invitations) and the writes the sync makes. Events are
 * keyed by (calendar, UID): a sync upserts every event of the feed and deletes those the feed no
 * longer has, in one transaction, so a reader never sees half a sync.
 */
import type pg from 'pg';
import type { IcsEvent } from './ics-parser.ts';

export const KOORDI_TABLES = `
  CREATE TABLE IF NOT EXISTS calendars (
    id text PRIMARY KEY,
    ics_url text NOT NULL,
    last_synced_at timestamptz
  );
  CREATE TABLE IF NOT EXISTS calendar_events (
    calendar_id text NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    uid text NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    summary text NOT NULL,
    location text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (calendar_id, uid)
  );
  CREATE TABLE IF NOT EXISTS invitations (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    expires_at timestamptz NOT NULL
  );
`;

export interface Calendar {
  id: string;
  icsUrl: string;
}

export interface SyncCounts {
  eventsAdded: number;
  eventsUpdated: number;
  eventsDeleted: number;
}

export async function createKoordiTables(pool: pg.Pool): Promise<void> {
  await pool.query(KOORDI_TABLES);
}

export async function getCalendar(pool: pg.Pool, id: string): Promise<Calendar | null> {
  const { rows } = await pool.query<Calendar>('SELECT id, ics_url AS "icsUrl" FROM calendars WHERE id = $1', [
    id,
  ]);
  return rows[0] ?? null;
}

export async function listCalendars(pool: pg.Pool): Promise<Calendar[]> {
  const { rows } = await pool.query<Calendar>('SELECT id, ics_url AS "icsUrl" FROM calendars ORDER BY id');
  return rows;
}

/** Makes the stored events of a calendar equal to `events` (the feed), and counts the changes. */
export async function replaceCalendarEvents(
  pool: pg.Pool,
  calendarId: string,
  events: IcsEvent[],
): Promise<SyncCounts> {
  // A feed that repeats a UID: the last copy wins (one row per UID).
  const byUid = new Map(events.map((e) => [e.uid, e]));
  const rows = [...byUid.values()].map((e) => ({
    uid: e.uid,
    starts_at: e.start.toISOString(),
    ends_at: e.end.toISOString(),
    summary: e.summary,
    location: e.location,
  }));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const upserted = await client.query<{ inserted: boolean }>(
      `INSERT INTO calendar_events AS ce (calendar_id, uid, starts_at, ends_at, summary, location)
       SELECT $1, e.uid, e.starts_at, e.ends_at, e.summary, e.location
         FROM jsonb_to_recordset($2::jsonb)
           AS e(uid text, starts_at timestamptz, ends_at timestamptz, summary text, location text)
       ON CONFLICT (calendar_id, uid) DO UPDATE
         SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
             summary = EXCLUDED.summary, location = EXCLUDED.location, updated_at = now()
         WHERE (ce.starts_at, ce.ends_at, ce.summary, ce.location)
           IS DISTINCT FROM (EXCLUDED.starts_at, EXCLUDED.ends_at, EXCLUDED.summary, EXCLUDED.location)
       RETURNING (xmax = 0) AS inserted`,
      [calendarId, JSON.stringify(rows)],
    );
    const deleted = await client.query(
      'DELETE FROM calendar_events WHERE calendar_id = $1 AND NOT (uid = ANY($2::text[]))',
      [calendarId, [...byUid.keys()]],
    );
    await client.query('UPDATE calendars SET last_synced_at = now() WHERE id = $1', [calendarId]);
    await client.query('COMMIT');
    const added = upserted.rows.filter((r) => r.inserted).length;
    return {
      eventsAdded: added,
      eventsUpdated: upserted.rows.length - added,
      eventsDeleted: deleted.rowCount ?? 0,
    };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Deletes invitations past their expiry; returns how many. */
export async function deleteExpiredInvitations(pool: pg.Pool, now: Date): Promise<number> {
  const { rowCount } = await pool.query('DELETE FROM invitations WHERE expires_at < $1', [now]);
  return rowCount ?? 0;
}
