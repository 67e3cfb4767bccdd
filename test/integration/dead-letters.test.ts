import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();

describe('dead letters', () => {
  it('lists dead jobs with their errors and replays one, by filter, and all', async () => {
    const broken = new Set(['a', 'b', 'c']);
    const sync = defineJob<{ calendar: string }>({
      name: 'ics-sync',
      queue: 'ics',
      defaults: { attempts: 1 },
      handler: async ({ payload }) => {
        if (broken.has(payload.calendar)) throw new Error(`feed ${payload.calendar} unreachable`);
        return payload.calendar;
      },
    });
    const conveyor = db.open({ jobs: [sync], schema: 'dlq' });
    await conveyor.worker({ handleSignals: false }).start();
    let deadCount = 0;
    const allDead = new Promise<void>((resolve) =>
      conveyor.on('job:dead', () => {
        deadCount += 1;
        if (deadCount === 3) resolve();
      }),
    );
    const a = await conveyor.enqueue(sync, { calendar: 'a' }, { tenantId: 't1' });
    await conveyor.enqueue(sync, { calendar: 'b' }, { tenantId: 't2' });
    await conveyor.enqueue(sync, { calendar: 'c' }, { tenantId: 't2' });
    await allDead;

    const dead = await conveyor.deadLetters.list();
    expect(dead.map((j) => (j.payload as { calendar: string }).calendar)).toEqual(['a', 'b', 'c']);
    expect(dead[0]?.errors[0]?.message).toBe('feed a unreachable');
    expect((await conveyor.deadLetters.list({ tenantId: 't2' })).length).toBe(2);

    broken.clear();
    const completedA = conveyor.once('job:completed', (e) => e.job.id === a.id);
    expect(await conveyor.deadLetters.replay({ ids: [a.id] })).toEqual([a.id]);
    expect((await completedA).result).toBe('a');

    let completed = 0;
    const rest = new Promise<void>((resolve) =>
      conveyor.on('job:completed', () => {
        completed += 1;
        if (completed === 2) resolve();
      }),
    );
    expect(await conveyor.deadLetters.replay({ all: true, tenantId: 't2' })).toHaveLength(2);
    await rest;
    expect(await conveyor.deadLetters.list()).toEqual([]);
    expect(await conveyor.deadLetters.replay({ all: true })).toEqual([]);
    await expect(conveyor.deadLetters.replay({ ids: [] })).rejects.toThrow(/ids: give at least one job id/);
  });
});
