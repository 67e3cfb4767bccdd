/** Builds a Conveyor's scheduler service and its `schedules` API from the options (createConveyor). */
import type { Logger } from 'pino';
import type { ConveyorOptions, ResolvedOptions } from '../client/conveyor-options.ts';
import { ValidationError } from '../core/errors.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';
import type { Store } from '../store/store.ts';
import { Scheduler } from './scheduler.ts';
import { createSchedulesApi, type SchedulesApi } from './schedules-api.ts';

/** Longest sleep between ticks: runtime edits made by other processes are seen within it. */
const POLL_INTERVAL_MS = 5_000;
/** Processes starting within this window share one run-on-start. */
const START_WINDOW_MS = 5 * 60_000;

export function createScheduler(
  options: Pick<ConveyorOptions, 'schedules'>,
  deps: {
    store: () => Promise<Store>;
    definitions: ReadonlyMap<string, AnyJobDefinition>;
    now: () => Date;
    log: Logger;
    settings: Pick<ResolvedOptions, 'maxPayloadBytes'>;
  },
): { scheduler: Scheduler; api: SchedulesApi } {
  if (options.schedules !== undefined && !Array.isArray(options.schedules)) {
    throw new ValidationError('schedules', 'must be an array of schedules (defineSchedule(...))');
  }
  const scheduler = new Scheduler({
    store: deps.store,
    definitions: deps.definitions,
    declared: options.schedules,
    now: deps.now,
    log: deps.log.child({ service: 'scheduler' }),
    maxPayloadBytes: deps.settings.maxPayloadBytes,
    pollIntervalMs: POLL_INTERVAL_MS,
    startWindowMs: START_WINDOW_MS,
  });
  const api = createSchedulesApi({
    store: deps.store,
    scheduler,
    definitions: deps.definitions,
    now: deps.now,
    maxPayloadBytes: deps.settings.maxPayloadBytes,
  });
  return { scheduler, api };
}
