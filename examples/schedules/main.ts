/**
 * Declares the seeds' schedules, shows their next fire times, then ticks the scheduler with a
 * controlled clock to show what fires when. `npx tsx examples/schedules/main.ts`
 */
import { createConveyor } from '../../src/index.ts';
import { jobs, schedules } from './jobs.ts';

let at = new Date('2025-03-30T00:58:00Z'); // the night Europe/Berlin skips 02:00–03:00
const conveyor = createConveyor({ jobs, schedules, dataDir: 'memory://', now: () => at });

await conveyor.schedules.sync();
for (const s of await conveyor.schedules.list({ fireTimes: 2 })) {
  console.log(
    s.name.padEnd(28),
    s.cron.padEnd(12),
    s.timezone.padEnd(17),
    s.nextFireTimes.map((d) => d.toISOString()).join('  '),
  );
}
for (const time of ['2025-03-30T01:00:00Z', '2025-03-30T02:00:00Z', '2025-03-30T06:00:00Z']) {
  at = new Date(time);
  const { enqueued } = await conveyor.schedules.tick();
  console.log(time, '→', enqueued.map((e) => e.schedule).join(', ') || 'nothing');
}
await conveyor.close();
