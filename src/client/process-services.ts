/**
 * The background services of a Conveyor instance, in its process's ServiceRuntime: the promoter,
 * the rescuer and the wake-up listener in every process that uses them (a worker, later a relay or
 * a gateway); retention, history retention, the overview rollup and counts snapshot, alert
 * evaluation and the cron scheduler in one process of the cluster, the leader of the `maintenance` role.
 */
import type { Logger } from 'pino';
import type { LifecycleEmitter } from '../events/lifecycle-events.ts';
import { OverviewRollup } from '../maintenance/overview-rollup.ts';
import { Promoter } from '../maintenance/promoter.ts';
import { Pruner, type RetentionPolicy } from '../maintenance/pruner.ts';
import { Rescuer } from '../maintenance/rescuer.ts';
import { Notifier } from '../runtime/notifier.ts';
import type { Service } from '../runtime/service.ts';
import { ServiceRuntime } from '../runtime/service-runtime.ts';
import { WakeupListener } from '../runtime/wakeup-listener.ts';
import type { Store } from '../store/store.ts';
import type { ResolvedOptions } from './conveyor-options.ts';
import type { LocalWorkers } from './local-workers.ts';

export interface ProcessServices {
  runtime: ServiceRuntime;
  promoter: Promoter;
  notifier: Notifier;
}

export function createProcessServices(deps: {
  settings: ResolvedOptions;
  store: () => Promise<Store>;
  events: LifecycleEmitter;
  log: Logger;
  workers: LocalWorkers;
  retention: () => ReadonlyMap<string, RetentionPolicy>;
  /** retention.history.age in ms (null: history kept): the overview rollup is pruned with it. */
  historyAgeMs: number | null;
  /** How far back readers need each queue's run rows (null key: every queue): the pruner keeps them. */
  historyReadWindows: ReadonlyMap<string | null, number>;
  /** Services of other capabilities that one process of the cluster runs (alerts, scheduler…). */
  leaderServices: Service[];
}): ProcessServices {
  const { settings, store, events, log, workers } = deps;
  const { now } = settings;
  const runtime = new ServiceRuntime({ store, leaderRole: 'maintenance', log });
  const promoter = new Promoter(store, now, settings.promoteIntervalMs, log);
  runtime.add(promoter);
  runtime.add(new Rescuer(store, now, settings.rescueIntervalMs, events, log));
  const notifier = new Notifier(store);
  runtime.add(
    new WakeupListener(notifier, {
      wake: (queue) => workers.wake(queue),
      cancelled: (jobId) => workers.cancelled(jobId),
      missed: () => promoter.scheduledAt(now()),
    }),
  );
  runtime.add(
    new Pruner(store, deps.retention, now, settings.pruneIntervalMs, log, deps.historyReadWindows),
    'leader',
  );
  runtime.add(new OverviewRollup(store, now, log, { historyAgeMs: deps.historyAgeMs }), 'leader');
  for (const service of deps.leaderServices) runtime.add(service, 'leader');
  return { runtime, promoter, notifier };
}
