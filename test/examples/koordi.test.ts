/** Koordi's ICS sync on Conveyor: a real feed over HTTP, a real worker on Postgres. */
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKoordiTables } from '../../examples/koordi/calendar-store.ts';
import { parseIcs } from '../../examples/koordi/ics-parser.ts';
import { createKoordiApp, triggerCalendarSync } from '../../examples/koordi/koordi-conveyor.ts';
import { logQueueEvents } from '../../examples/koordi/queue-event-log.ts';
import type { Conveyor, LifecycleEvents } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { closedPort, type IcsFeedServer, icsFeed, startIcsFeedServer } from './ics-feed-server.ts';

describe('ICS parser', () => {
  it('reads folded lines, escaped text, UTC, TZID and all-day dates', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:a@x',
      'DTSTART;TZID=Europe/Berlin:20250704T090000',
      'DTEND;TZID=Europe/Berlin:20250704T103000',
      'SUMMARY:Swim practice\\, lane 3 \\; bring',
      '  goggles',
      'LOCATION:Pool\\nNorth entrance',
      'BEGIN:VALARM',
      'TRIGGER:-PT15M',
      'END:VALARM',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:b@x',
      'DTSTART;VALUE=DATE:20250705',
      'SUMMARY:Field day',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    expect(parseIcs(text)).toEqual([
      {
        uid: 'a@x',
        start: new Date('2025-07-04T07:00:00Z'),
        end: new Date('2025-07-04T08:30:00Z'),
        summary: 'Swim practice, lane 3 ; bring goggles',
        location: 'Pool\nNorth entrance',
      },
      {
        uid: 'b@x',
        start: new Date('2025-07-05T00:00:00Z'),
        end: new Date('2025-07-05T00:00:00Z'),
        summary: 'Field day',
        location: null,
      },
    ]);
    expect(() => parseIcs('BEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT')).toThrow(/no UID/);
  });
});

const db = useConveyorDatabase();

describe('Koordi ICS sync', () => {
  let pool: pg.Pool;
  let feeds: IcsFeedServer;
  let conveyor: Conveyor;
  let icsSync: ReturnType<typeof createKoordiApp>['icsSync'];
  const logLines: { msg: string; jobId?: string }[] = [];

  const practice = { uid: 'p1', start: '20250901T160000Z', end: '20250901T170000Z', summary: 'Practice' };
  const game = {
    uid: 'g1',
    start: '20250906T100000Z',
    end: '20250906T120000Z',
    summary: 'Game',
    location: 'Field 2',
  };
  let familyFeed = icsFeed([practice, game]);

  /** Resolves when job `id` completes or is dead. */
  const outcome = (id: string) =>
    Promise.race([
      conveyor
        .once('job:completed', (e) => e.job.id === id)
        .then((e) => ({ kind: 'completed' as const, ...e })),
      conveyor.once('job:dead', (e) => e.job.id === id).then((e) => ({ kind: 'dead' as const, ...e })),
    ]);
  const storedEvents = (calendarId: string) =>
    sql<{ uid: string; summary: string; starts_at: Date; location: string | null }>(
      db.url,
      'SELECT uid, summary, starts_at, location FROM calendar_events WHERE calendar_id = $1 ORDER BY uid',
      [calendarId],
    );

  beforeAll(async () => {
    feeds = await startIcsFeedServer();
    feeds.serve('/family.ics', () => ({ status: 200, body: familyFeed }));
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // pg-pool's end() does not wait for its clients' Terminate; the database drop can reach one first.
    pool.on('error', () => undefined);
    await createKoordiTables(pool);
    await pool.query('INSERT INTO calendars (id, ics_url) VALUES ($1, $2)', [
      'family',
      feeds.url('/family.ics'),
    ]);
    const koordi = createKoordiApp({ pool, backoffDelay: 50 });
    icsSync = koordi.icsSync;
    conveyor = db.open(koordi.options);
    const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    logQueueEvents(conveyor, log);
  });
  afterAll(async () => {
    await conveyor?.close();
    await pool?.end();
    await feeds?.close();
  });

  it('syncs all calendars when the worker starts (runOnStart), and declares the 5-minute and 02:00 schedules', async () => {
    const firstRun = conveyor.once('job:completed', (e) => e.job.name === 'ics-sync');
    await conveyor.worker({ concurrency: 2, handleSignals: false }).start();
    const { job, result } = await firstRun;
    expect(job.metadata).toMatchObject({ schedule: 'koordi:ics-sync' });
    expect(result).toMatchObject({ type: 'all', totalCalendars: 1, successCount: 1, errorCount: 0 });
    expect(await storedEvents('family')).toEqual([
      { uid: 'g1', summary: 'Game', starts_at: new Date('2025-09-06T10:00:00Z'), location: 'Field 2' },
      { uid: 'p1', summary: 'Practice', starts_at: new Date('2025-09-01T16:00:00Z'), location: null },
    ]);
    const schedules = await conveyor.schedules.list();
    expect(schedules.map((s) => [s.name, s.cron, s.job, s.runOnStart])).toEqual([
      ['koordi:ics-sync', '*/5 * * * *', 'ics-sync', true],
      ['koordi:invitation-cleanup', '0 2 * * *', 'invitation-cleanup', false],
    ]);
    expect(logLines.some((l) => l.msg === 'job completed' && l.jobId === job.id)).toBe(true);
    // The rest of the file triggers syncs itself; a 5-minute fire must not add requests to count.
    await conveyor.schedules.pause('koordi:ics-sync');
  });

  it('syncs one calendar on demand: changed events are updated, removed ones deleted, new ones added', async () => {
    const moved = {
      ...practice,
      start: '20250902T160000Z',
      end: '20250902T170000Z',
      summary: 'Practice (moved)',
    };
    const party = { uid: 't1', start: '20250910T150000Z', end: '20250910T180000Z', summary: 'Team party' };
    familyFeed = icsFeed([moved, party]);
    const { id, created } = await triggerCalendarSync(conveyor, icsSync, 'family');
    expect(created).toBe(true);
    const end = await outcome(id);
    expect(end.kind).toBe('completed');
    expect(end.kind === 'completed' && end.result).toEqual({
      type: 'single',
      calendarId: 'family',
      eventsAdded: 1,
      eventsUpdated: 1,
      eventsDeleted: 1,
    });
    expect(await storedEvents('family')).toEqual([
      { uid: 'p1', summary: 'Practice (moved)', starts_at: new Date('2025-09-02T16:00:00Z'), location: null },
      { uid: 't1', summary: 'Team party', starts_at: new Date('2025-09-10T15:00:00Z'), location: null },
    ]);

    // The same feed again changes nothing.
    const again = await triggerCalendarSync(conveyor, icsSync, 'family');
    const second = await outcome(again.id);
    expect(second.kind === 'completed' && second.result).toMatchObject({
      eventsAdded: 0,
      eventsUpdated: 0,
      eventsDeleted: 0,
    });
  });

  it('retries a feed that answers 500 twice with exponential backoff, then stores it', async () => {
    let answered = 0;
    feeds.serve('/school.ics', () =>
      answered++ < 2 ? { status: 500, body: 'upstream down' } : { status: 200, body: icsFeed([game]) },
    );
    await pool.query('INSERT INTO calendars (id, ics_url) VALUES ($1, $2)', [
      'school',
      feeds.url('/school.ics'),
    ]);
    const retries: LifecycleEvents['job:retrying'][] = [];
    const off = conveyor.on('job:retrying', (e) => void retries.push(e));
    const { id } = await triggerCalendarSync(conveyor, icsSync, 'school');
    const end = await outcome(id);
    off();
    expect(end.kind).toBe('completed');
    expect(end.job.attempt).toBe(3);
    const mine = retries.filter((r) => r.job.id === id);
    expect(mine.map((r) => r.error.message)).toEqual([
      'ICS feed of calendar school answered HTTP 500',
      'ICS feed of calendar school answered HTTP 500',
    ]);
    const delays = mine.map((r) => r.retryAt.getTime() - new Date(r.error.at).getTime());
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[1]).toBeGreaterThanOrEqual(100); // doubled
    expect(feeds.requests('/school.ics')).toBe(3);
    expect((await storedEvents('school')).map((e) => e.uid)).toEqual(['g1']);
  });

  it('gives up on an unreachable feed after 3 attempts: dead, with every error kept', async () => {
    const port = await closedPort();
    await pool.query('INSERT INTO calendars (id, ics_url) VALUES ($1, $2)', [
      'gone',
      `http://127.0.0.1:${port}/feed.ics`,
    ]);
    // Two triggers at once: one pending sync per calendar.
    const [a, b] = await Promise.all([
      triggerCalendarSync(conveyor, icsSync, 'gone'),
      triggerCalendarSync(conveyor, icsSync, 'gone'),
    ]);
    expect(a.id).toBe(b.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const end = await outcome(a.id);
    expect(end.kind).toBe('dead');
    const job = await conveyor.getJob(a.id);
    expect(job?.state).toBe('dead');
    expect(job?.errors.map((e) => [e.attempt, e.message])).toEqual([
      [1, 'fetch failed'],
      [2, 'fetch failed'],
      [3, 'fetch failed'],
    ]);
    expect((await conveyor.deadLetters.list({ name: 'ics-sync' })).map((j) => j.id)).toContain(a.id);
    expect(logLines.some((l) => l.msg === 'job is dead' && l.jobId === a.id)).toBe(true);
  });

  it('removes expired invitations (the 02:00 cleanup job)', async () => {
    await pool.query(
      `INSERT INTO invitations (email, expires_at) VALUES
         ('old@example.com', now() - interval '1 day'), ('new@example.com', now() + interval '29 days')`,
    );
    const { id } = await conveyor.enqueueByName('invitation-cleanup', {});
    const end = await outcome(id);
    expect(end.kind === 'completed' && end.result).toEqual({ deleted: 1 });
    expect(await sql(db.url, 'SELECT email FROM invitations')).toEqual([{ email: 'new@example.com' }]);
  });
});
