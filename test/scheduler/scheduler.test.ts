/** The scheduler on real Postgres with a controlled clock: exactly-once fires, policies, runtime edits. */
import { describe, expect, it } from 'vitest';
import { type Conveyor, defineJob, defineSchedule, type ScheduleDefinition } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
const sync = defineJob({ name: 'ics-sync', queue: 'sched', handler: () => 'ok' });
const cleanup = defineJob({ name: 'cleanup', queue: 'sched', handler: () => 'ok' });
const jobs = [sync, cleanup];

/** A clock the test moves by hand. */
function clock(start: string) {
  let at = new Date(start).getTime();
  return {
    now: () => new Date(at),
    set: (iso: string) => {
      at = new Date(iso).getTime();
    },
  };
}

async function jobsOf(schedule: string) {
  return sql<{ id: string; state: string; unique_key: string; tenant_id: string | null }>(
    db.url,
    `SELECT id::text, state, unique_key, tenant_id FROM conveyor.jobs
     WHERE metadata->>'schedule' = $1 ORDER BY id`,
    [schedule],
  );
}

function open(now: () => Date, schedules?: ScheduleDefinition[]): Conveyor {
  return db.open({ jobs, now, ...(schedules ? { schedules } : {}) });
}

/** Opens a process and writes its code schedules at the current (test) time. */
async function started(now: () => Date, schedules: ScheduleDefinition[]): Promise<Conveyor> {
  const conveyor = open(now, schedules);
  await conveyor.schedules.sync();
  return conveyor;
}

describe('scheduler', () => {
  it('three processes ticking together enqueue each fire time exactly once', async () => {
    const c = clock('2025-06-01T00:00:30Z');
    const every5 = defineSchedule({
      name: 'koordi-sync',
      job: sync,
      cron: '*/5 * * * *',
      payload: { type: 'all' },
      overlap: 'allow',
    });
    const processes = await Promise.all([1, 2, 3].map(() => started(c.now, [every5])));
    for (let minute = 5; minute <= 30; minute += 5) {
      c.set(`2025-06-01T00:${String(minute).padStart(2, '0')}:00Z`);
      // Ten concurrent ticks per process at the same instant.
      await Promise.all(processes.flatMap((p) => Array.from({ length: 10 }, () => p.schedules.tick())));
    }
    const rows = await jobsOf('koordi-sync');
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r.unique_key)).toEqual(
      [5, 10, 15, 20, 25, 30].map(
        (m) => `schedule:koordi-sync:2025-06-01T00:${String(m).padStart(2, '0')}:00.000Z`,
      ),
    );
    const info = await processes[1]!.schedules.get('koordi-sync', { fireTimes: 2 });
    expect(info?.nextFireTimes.map((d) => d.toISOString())).toEqual([
      '2025-06-01T00:35:00.000Z',
      '2025-06-01T00:40:00.000Z',
    ]);
    expect(info?.lastFireAt?.toISOString()).toBe('2025-06-01T00:30:00.000Z');
  });

  it.each([
    { missed: 'skip' as const, expected: [] as string[] },
    { missed: 'runOnce' as const, expected: ['05:00'] },
    { missed: { catchUp: 3 }, expected: ['03:00', '04:00', '05:00'] },
  ])('after downtime, missed: $missed', async ({ missed }) => {
    const name = `hourly-${JSON.stringify(missed).replace(/\W/g, '')}`;
    const c = clock('2025-06-02T00:30:00Z');
    const conveyor = await started(c.now, [
      { name, job: cleanup, cron: '0 * * * *', missed, overlap: 'allow' },
    ]);
    c.set('2025-06-02T01:00:10Z');
    expect((await conveyor.schedules.tick()).enqueued).toHaveLength(1);
    // Down from 01:00:10 until 05:20: fires at 02:00 … 05:00 were missed.
    c.set('2025-06-02T05:20:00Z');
    const report = await conveyor.schedules.tick();
    const expected = { skip: [], runOnce: ['05:00'], catchUp: ['03:00', '04:00', '05:00'] }[
      typeof missed === 'string' ? missed : 'catchUp'
    ];
    expect(report.enqueued.map((e) => e.fireAt!.toISOString().slice(11, 16))).toEqual(expected);
    expect((await conveyor.schedules.get(name))?.nextFireAt?.toISOString()).toBe('2025-06-02T06:00:00.000Z');
    // On time again: the next fire is enqueued whatever the policy.
    c.set('2025-06-02T06:00:00Z');
    expect((await conveyor.schedules.tick()).enqueued).toHaveLength(1);
  });

  it('overlap skip drops a fire while the previous run is unfinished; allow enqueues it', async () => {
    const c = clock('2025-06-03T00:00:30Z');
    const conveyor = await started(c.now, [
      { name: 'ov-skip', job: sync, cron: '* * * * *', overlap: 'skip' },
      { name: 'ov-allow', job: sync, cron: '* * * * *', overlap: 'allow' },
    ]);
    c.set('2025-06-03T00:01:00Z');
    await conveyor.schedules.tick();
    c.set('2025-06-03T00:02:00Z');
    const report = await conveyor.schedules.tick();
    expect(report.enqueued.map((e) => e.schedule)).toEqual(['ov-allow']);
    expect(report.skipped).toEqual([
      { schedule: 'ov-skip', fireAt: new Date('2025-06-03T00:02:00Z'), reason: 'overlap' },
    ]);
    // Once the previous run finished (cancelled here), the next fire goes through.
    const [first] = await jobsOf('ov-skip');
    await conveyor.cancel(first!.id);
    c.set('2025-06-03T00:03:00Z');
    expect((await conveyor.schedules.tick()).enqueued.map((e) => e.schedule).sort()).toEqual([
      'ov-allow',
      'ov-skip',
    ]);
  });

  it('overlap queue holds one fire until the previous run finishes, then enqueues it once', async () => {
    const c = clock('2025-06-04T00:00:30Z');
    const conveyor = await started(c.now, [
      { name: 'ov-queue', job: sync, cron: '* * * * *', overlap: 'queue' },
    ]);
    c.set('2025-06-04T00:01:00Z');
    await conveyor.schedules.tick();
    c.set('2025-06-04T00:02:00Z');
    expect((await conveyor.schedules.tick()).held).toEqual([
      { schedule: 'ov-queue', fireAt: new Date('2025-06-04T00:02:00Z') },
    ]);
    c.set('2025-06-04T00:03:00Z');
    const coalesced = await conveyor.schedules.tick();
    expect(coalesced.enqueued).toEqual([]);
    expect(coalesced.skipped.map((s) => s.reason)).toEqual(['overlap']);
    expect(await jobsOf('ov-queue')).toHaveLength(1);
    const [first] = await jobsOf('ov-queue');
    await conveyor.cancel(first!.id);
    c.set('2025-06-04T00:03:10Z');
    const released = await conveyor.schedules.tick();
    expect(released.enqueued.map((e) => e.fireAt?.toISOString())).toEqual(['2025-06-04T00:02:00.000Z']);
    expect((await conveyor.schedules.tick()).enqueued).toEqual([]);
    expect(await jobsOf('ov-queue')).toHaveLength(2);
  });

  it('run on start enqueues once across processes starting together', async () => {
    const c = clock('2025-06-05T10:00:00Z');
    const def = defineSchedule({ name: 'initial-sync', job: sync, cron: '*/5 * * * *', runOnStart: true });
    const processes = [open(c.now, [def]), open(c.now, [def]), open(c.now, [def])];
    await processes[0]!.migrate();
    await Promise.all(processes.map((p) => p.schedules.start()));
    await Promise.all(processes.map((p) => p.schedules.stop()));
    const rows = await jobsOf('initial-sync');
    expect(rows.map((r) => r.unique_key)).toEqual(['schedule:initial-sync:start:2025-06-05T10:00:00.000Z']);
    // A start after the window runs it again.
    c.set('2025-06-05T10:06:00Z');
    await processes[1]!.schedules.start();
    await processes[1]!.schedules.stop();
    expect(await jobsOf('initial-sync')).toHaveLength(2);
  });

  it('runtime add, pause, resume, edit and remove', async () => {
    const c = clock('2025-06-06T00:00:00Z');
    const conveyor = open(c.now);
    const added = await conveyor.schedules.add({
      name: 'relowisa:acme',
      job: cleanup,
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      tenantId: 'acme',
      payload: { loop: 'all' },
    });
    expect(added.source).toBe('runtime');
    expect(added.nextFireTimes[0]?.toISOString()).toBe('2025-06-07T00:00:00.000Z');
    expect((await conveyor.schedules.list({ prefix: 'relowisa:' })).map((s) => s.name)).toEqual([
      'relowisa:acme',
    ]);
    expect(await conveyor.schedules.list({ tenantId: 'other' })).toEqual([]);

    await conveyor.schedules.pause('relowisa:acme');
    c.set('2025-06-07T00:10:00Z');
    expect((await conveyor.schedules.tick()).enqueued).toEqual([]);
    const resumed = await conveyor.schedules.resume('relowisa:acme');
    expect(resumed.nextFireAt?.toISOString()).toBe('2025-06-08T00:00:00.000Z');
    expect((await conveyor.schedules.tick()).enqueued).toEqual([]); // fires while paused are not made up

    const edited = await conveyor.schedules.update('relowisa:acme', { cron: '30 3 * * *', timezone: 'UTC' });
    expect(edited.nextFireAt?.toISOString()).toBe('2025-06-07T03:30:00.000Z');
    c.set('2025-06-07T03:30:00Z');
    const fired = await conveyor.schedules.tick();
    expect(fired.enqueued.map((e) => e.fireAt?.toISOString())).toEqual(['2025-06-07T03:30:00.000Z']);
    expect((await jobsOf('relowisa:acme'))[0]?.tenant_id).toBe('acme');

    expect(await conveyor.schedules.remove('relowisa:acme')).toBe(true);
    expect(await conveyor.schedules.remove('relowisa:acme')).toBe(false);
    c.set('2025-06-08T03:30:00Z');
    expect((await conveyor.schedules.tick()).enqueued).toEqual([]);
    await expect(conveyor.schedules.pause('relowisa:acme')).rejects.toMatchObject({
      code: 'SCHEDULE_NOT_FOUND',
    });
  });

  it('code schedules are declarative: a changed cron changes the row; a dropped one is removed', async () => {
    const c = clock('2025-06-09T00:00:00Z');
    const v1 = open(c.now, [{ name: 'daily-cleanup', job: cleanup, cron: '0 2 * * *' }]);
    await v1.schedules.sync();
    await v1.schedules.add({ name: 'runtime-only', job: cleanup, cron: '0 5 * * *' });
    const v2 = open(c.now, [{ name: 'daily-cleanup', job: cleanup, cron: '0 3 * * *' }]);
    await v2.schedules.sync();
    expect((await v2.schedules.get('daily-cleanup'))?.nextFireAt?.toISOString()).toBe(
      '2025-06-09T03:00:00.000Z',
    );
    const v3 = open(c.now, []);
    await v3.schedules.sync();
    expect(await v3.schedules.get('daily-cleanup')).toBeNull();
    expect((await v3.schedules.get('runtime-only'))?.source).toBe('runtime');
  });

  it('rejects bad input naming the field, and stores nothing', async () => {
    const conveyor = open(() => new Date('2025-06-10T00:00:00Z'));
    const base = { name: 'bad', job: cleanup, cron: '0 2 * * *' };
    await expect(conveyor.schedules.add({ ...base, cron: '0 25 * * *' })).rejects.toMatchObject({
      field: 'cron',
    });
    await expect(conveyor.schedules.add({ ...base, timezone: 'Europe/Atlantis' })).rejects.toMatchObject({
      field: 'timezone',
    });
    await expect(conveyor.schedules.add({ ...base, job: 'no-such-job' })).rejects.toMatchObject({
      field: 'job',
    });
    await expect(conveyor.schedules.add({ ...base, missed: { catchUp: 0 } })).rejects.toMatchObject({
      field: 'missed.catchUp',
    });
    await expect(conveyor.schedules.add({ ...base, name: 'bad name!' })).rejects.toMatchObject({
      field: 'name',
    });
    expect(await conveyor.schedules.get('bad')).toBeNull();
    expect(() => open(() => new Date(), [{ ...base, cron: 'nope' }])).toThrow(/schedules\[0\]\.cron/);
    expect(() => open(() => new Date(), [{ ...base, job: 'ghost' }])).toThrow(
      /schedules\[0\]\.job: job "ghost"/,
    );
  });
});
