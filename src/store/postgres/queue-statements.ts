/** The queue-settings slice of the store over SQL files. */

import type {
  GroupSettingsChange,
  GroupSettingsRow,
  QueueSettingsChange,
  QueueSettingsRow,
  QueueStore,
} from '../queue-store.ts';
import type { Row } from '../sql-driver.ts';
import type { StatementContext } from './statement-context.ts';

const COLUMN_OF: Record<keyof QueueSettingsChange, string> = {
  paused: 'paused',
  priority: 'priority',
  globalConcurrency: 'global_concurrency',
  groupConcurrency: 'group_concurrency',
  rateLimit: 'rate_limit',
  rateIntervalMs: 'rate_interval_ms',
  groupRateLimit: 'group_rate_limit',
  groupRateIntervalMs: 'group_rate_interval_ms',
  agingMs: 'aging_ms',
};

const numberOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

function queueFromRow(row: Row): QueueSettingsRow {
  return {
    name: String(row.name),
    paused: Boolean(row.paused),
    priority: Number(row.priority),
    globalConcurrency: numberOrNull(row.global_concurrency),
    groupConcurrency: numberOrNull(row.group_concurrency),
    rateLimit: numberOrNull(row.rate_limit),
    rateIntervalMs: numberOrNull(row.rate_interval_ms),
    groupRateLimit: numberOrNull(row.group_rate_limit),
    groupRateIntervalMs: numberOrNull(row.group_rate_interval_ms),
    agingMs: Number(row.aging_ms),
    hasGroupRules: Boolean(row.has_group_rules),
  };
}

function groupFromRow(row: Row): GroupSettingsRow {
  return {
    queue: String(row.queue),
    groupKey: row.group_key === '' ? null : String(row.group_key),
    paused: Boolean(row.paused),
    concurrency: numberOrNull(row.concurrency),
    weight: Number(row.weight),
  };
}

export function queueStatements({ run, readyChannel }: StatementContext): QueueStore {
  return {
    async queueUpsert({ name, change, now }) {
      const document: Record<string, unknown> = {};
      for (const [field, column] of Object.entries(COLUMN_OF)) {
        const value = change[field as keyof QueueSettingsChange];
        if (value !== undefined) document[column] = value;
      }
      await run('queue-upsert', [name, JSON.stringify(document), now, readyChannel]);
    },

    async queueList({ names }) {
      return (await run('queue-list', [names ?? null])).map(queueFromRow);
    },

    async queueGroupUpsert({ queue, groupKey, change, now }) {
      const document: GroupSettingsChange = {};
      if (change.paused !== undefined) document.paused = change.paused;
      if (change.concurrency !== undefined) document.concurrency = change.concurrency;
      if (change.weight !== undefined) document.weight = change.weight;
      const [row] = await run('queue-group-upsert', [
        queue,
        groupKey ?? '',
        JSON.stringify(document),
        now,
        readyChannel,
      ]);
      return groupFromRow(row!);
    },

    async queueGroupList({ queue }) {
      return (await run('queue-group-list', [queue])).map(groupFromRow);
    },

    async queueRateFreeAt({ queue, now }) {
      const [row] = await run('queue-rate-free-at', [queue, now]);
      return row?.free_ms === null || row?.free_ms === undefined ? null : new Date(Number(row.free_ms));
    },
  };
}
