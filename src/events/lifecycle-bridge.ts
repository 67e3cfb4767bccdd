/**
 * Job lifecycle events as bus events, opt-in per queue (`createEventBus({ lifecycle: { queues } })`),
 * so other processes (a dashboard, the realtime gateway) follow job progress: `job:completed` of a
 * job of a listed queue is published as `job.completed` to the job's tenant stream (or the global
 * one). Only this process's workers' events are seen, so every process that runs those queues
 * should opt in. Delivery jobs of durable subscribers (`event:<name>`) are never bridged: a `*`
 * subscriber would otherwise feed itself. Publishing never throws into the worker: it is logged.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Conveyor } from '../client/conveyor-api.ts';
import { safeError } from '../log/safe-error.ts';
import type { EventBus } from './event-bus.ts';
import { defineEvent } from './event-definition.ts';
import type { LifecycleEventName } from './lifecycle-events.ts';

const NAMES: LifecycleEventName[] = [
  'job:active',
  'job:progress',
  'job:completed',
  'job:failed',
  'job:retrying',
  'job:dead',
  'job:stalled',
  'job:cancelled',
];

/**
 * A lifecycle event's payload: any object. The bus uses only a schema's `safeParse`, so this is that
 * one method, written out rather than `z.record(z.string(), z.unknown())`: the root entry then
 * does not load zod (~60 ms of a cold start). Typed as that zod schema for the definitions' types.
 */
const payloadSchema = {
  safeParse(value: unknown) {
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? { success: true, data: value }
      : { success: false, error: { issues: [{ path: [], message: 'must be an object' }] } };
  },
} as unknown as z.ZodRecord<z.ZodString, z.ZodUnknown>;

/** The bus event of each lifecycle event (`job:completed` → `job.completed`). */
export const lifecycleBusEvents = Object.fromEntries(
  NAMES.map((name) => [name, defineEvent({ type: name.replace(':', '.'), schema: payloadSchema })]),
) as Record<LifecycleEventName, ReturnType<typeof defineEvent<string, typeof payloadSchema>>>;

export function bridgeLifecycleEvents(
  conveyor: Conveyor,
  bus: EventBus,
  queues: readonly string[],
  log: Logger,
): () => void {
  const wanted = new Set(queues);
  const chains = new Map<string, Promise<void>>();
  const offs = NAMES.map((name) =>
    conveyor.on(name, (payload) => {
      const job = (payload as { job: { queue: string; name: string; tenantId: string | null } }).job;
      // A subscriber's own deliveries never become events: a `*` subscriber would feed itself.
      if (!wanted.has(job.queue) || job.name.startsWith('event:')) return;
      // Dates become ISO strings, as on any wire.
      const data = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
      const scope = job.tenantId ? { tenantId: job.tenantId } : { global: true };
      // One stream's events are published one after another, so their sequences follow the order
      // they happened in (concurrent publishes of one stream may commit in either order).
      const key = job.tenantId ?? '';
      const next = (chains.get(key) ?? Promise.resolve())
        .then(() => bus.publish(lifecycleBusEvents[name], data, scope))
        .then(
          () => undefined,
          (error: unknown) => {
            log.warn({ err: safeError(error), event: name }, 'could not publish a job lifecycle event');
          },
        );
      chains.set(key, next);
      void next.then(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}
