/**
 * Job lifecycle events as bus events, opt-in per queue: jobs of an opted-in queue publish
 * `job.active`, `job.completed`… to their tenant's stream (so another process follows them through
 * the fan-out); jobs of other queues publish nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Conveyor, createEventBus, defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { Received } from './bus-support.ts';

const db = useConveyorDatabase();
const syncCalendar = defineJob<{ calendarId: string }>({
  name: 'sync-calendar',
  queue: 'sync',
  handler: () => 'synced',
});
const cleanup = defineJob({ name: 'cleanup', queue: 'maintenance', handler: () => null });

describe('job lifecycle events on the bus', () => {
  let conveyor: Conveyor;
  afterAll(async () => {
    await conveyor?.close();
  });

  it('publishes the lifecycle of opted-in queues only, to the job tenant’s stream', async () => {
    conveyor = db.open({ jobs: [syncCalendar, cleanup] });
    const bus = createEventBus({
      conveyor,
      lifecycle: { queues: ['sync'] },
      relay: { pollInterval: '100ms' },
    });
    const acme = new Received();
    const everything = new Received();
    await bus.fanout.subscribe({ tenantId: 'acme' }, acme.push);
    await bus.fanout.subscribe({ global: true }, everything.push);
    await conveyor.worker({ handleSignals: false }).start();
    await conveyor.enqueue(cleanup, null);
    const { id } = await conveyor.enqueue(syncCalendar, { calendarId: 'cal-1' }, { tenantId: 'acme' });
    await acme.until(2);
    await bus.relayed();
    expect(acme.events.map((e) => e.type)).toEqual(['job.active', 'job.completed']);
    expect(acme.events[1]?.payload).toMatchObject({
      job: { id, name: 'sync-calendar', tenantId: 'acme' },
      result: 'synced',
    });
    expect(
      everything.events.every((e) => (e.payload as { job: { queue: string } }).job.queue === 'sync'),
    ).toBe(true);
  });
});
