/**
 * Runtime flow control: queue limits, pause and resume, and per-group overrides. Changes are
 * stored, so every worker process honours them (claims read them; workers refresh their plan on
 * each poll and are woken at once by NOTIFY when a change may free work).
 */
import { ValidationError } from '../core/errors.ts';
import { assertName } from '../core/job-definition.ts';
import { type QueueFlowOptions, resolveFlowSettings } from '../core/queue-settings.ts';
import type { GroupSettingsRow, QueueSettingsRow, Store } from '../store/store.ts';

export interface GroupChange {
  paused?: boolean;
  /** Jobs of this group running at once (overrides the queue's groupConcurrency); null clears it. */
  concurrency?: number | null;
  /** Share of each round-robin turn (default 1). */
  weight?: number;
}

/** Flow control at runtime (`conveyor.queues`); docs/flow-control.md. */
export interface QueuesApi {
  /** Stored settings of every queue that has any. */
  list(): Promise<QueueSettingsRow[]>;
  /** Changes limits or priority at runtime; fields left out keep their value, null clears a limit. */
  configure(queue: string, change: QueueFlowOptions): Promise<void>;
  /** Stops claims from the queue; running jobs finish, queued ones wait. */
  pause(queue: string): Promise<void>;
  resume(queue: string): Promise<void>;
  /** Pauses one group (tenant) of a queue; the other groups go on. */
  pauseGroup(queue: string, groupKey: string | null): Promise<GroupSettingsRow>;
  resumeGroup(queue: string, groupKey: string | null): Promise<GroupSettingsRow>;
  /** Overrides one group's concurrency or weight. */
  setGroup(queue: string, groupKey: string | null, change: GroupChange): Promise<GroupSettingsRow>;
  /** Groups of a queue with settings of their own. */
  groups(queue: string): Promise<GroupSettingsRow[]>;
}

export function createQueueAdmin(
  store: () => Promise<Store>,
  knownQueues: readonly string[],
  now: () => Date,
): QueuesApi {
  const known = async (s: Store, queue: string): Promise<void> => {
    assertName(queue, 'queue');
    if (knownQueues.includes(queue)) return;
    if ((await s.queueList({ names: [queue] })).length > 0) return;
    throw new ValidationError(
      'queue',
      `"${queue}" is not a known queue; known: ${knownQueues.join(', ') || '(none)'}. Check the name, or declare it in createConveyor({ queues })`,
    );
  };
  const setGroup = async (
    queue: string,
    groupKey: string | null,
    change: GroupChange,
  ): Promise<GroupSettingsRow> => {
    const s = await store();
    await known(s, queue);
    if (groupKey !== null && (typeof groupKey !== 'string' || groupKey === '')) {
      throw new ValidationError('group', 'must be a non-empty string, or null for the shared group');
    }
    if (change.concurrency !== undefined && change.concurrency !== null) {
      if (!Number.isInteger(change.concurrency) || change.concurrency < 0) {
        throw new ValidationError(
          'group.concurrency',
          `must be a whole number ≥ 0 (0 holds the group), got ${change.concurrency}`,
        );
      }
    }
    if (change.weight !== undefined && (!Number.isInteger(change.weight) || change.weight < 1)) {
      throw new ValidationError('group.weight', `must be a whole number ≥ 1, got ${change.weight}`);
    }
    return s.queueGroupUpsert({ queue, groupKey, change, now: now() });
  };

  return {
    async list(): Promise<QueueSettingsRow[]> {
      return (await store()).queueList({});
    },
    async configure(queue: string, change: QueueFlowOptions): Promise<void> {
      const s = await store();
      await known(s, queue);
      await s.queueUpsert({ name: queue, change: resolveFlowSettings(change, 'change', false), now: now() });
    },
    async pause(queue: string): Promise<void> {
      const s = await store();
      await known(s, queue);
      await s.queueUpsert({ name: queue, change: { paused: true }, now: now() });
    },
    async resume(queue: string): Promise<void> {
      const s = await store();
      await known(s, queue);
      await s.queueUpsert({ name: queue, change: { paused: false }, now: now() });
    },
    pauseGroup: (queue: string, groupKey: string | null) => setGroup(queue, groupKey, { paused: true }),
    resumeGroup: (queue: string, groupKey: string | null) => setGroup(queue, groupKey, { paused: false }),
    setGroup,
    async groups(queue: string): Promise<GroupSettingsRow[]> {
      const s = await store();
      await known(s, queue);
      return s.queueGroupList({ queue });
    },
  };
}
