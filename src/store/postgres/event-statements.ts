/** The events slice of the store over SQL files: the outbox, its relay positions, history, retention. */
import type { SqlExecutor } from '../../core/sql-executor.ts';
import type { EventStore, NewEvent, StoredEvent } from '../event-store.ts';
import type { Row } from '../sql-driver.ts';
import { classified } from '../store-errors.ts';
import { insertJobs } from './job-insert.ts';
import type { StatementContext } from './statement-context.ts';

/** A sink first seen gets the events of the last minute (event-sink-register.sql). */
const SINK_LOOK_BACK_SECONDS = 60;

/** Thrown inside eventDispatch's transaction to roll it back when a position moved meanwhile. */
class PositionMoved extends Error {}

async function runOn(executor: SqlExecutor, text: string, values: unknown[]): Promise<Row[]> {
  const result = await executor.query(text, values);
  return (Array.isArray(result) ? result : result.rows) as Row[];
}

const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/** The outbox document of event-publish-many.sql (its $1). */
export function eventDocument(events: readonly NewEvent[]): string {
  return JSON.stringify(
    events.map((e) => ({
      id: e.id,
      stream: e.stream,
      type: e.type,
      schema_version: e.schemaVersion,
      source: e.source,
      tenant_id: e.tenantId,
      correlation_id: e.correlationId,
      causation_id: e.causationId,
      occurred_at: e.occurredAt.toISOString(),
      payload: e.payload,
    })),
  );
}

export function storedEventFromRow(row: Row): StoredEvent {
  return {
    id: String(row.id),
    stream: String(row.stream),
    sequence: Number(row.sequence),
    type: String(row.type),
    schemaVersion: Number(row.schema_version),
    source: String(row.source),
    tenantId: textOrNull(row.tenant_id),
    correlationId: textOrNull(row.correlation_id),
    causationId: textOrNull(row.causation_id),
    occurredAt: new Date(row.occurred_at as string | Date),
    payload: row.payload ?? null,
  };
}

export function eventStatements(
  { run, transaction, sqlFor, readyChannel }: StatementContext,
  eventsChannel: string,
  fanoutChannel: string,
): EventStore {
  return {
    async eventPublishMany({ events, executor }) {
      if (events.length === 0) return [];
      const document = eventDocument(events);
      const values = [document, eventsChannel];
      const rows = await classified(() =>
        executor ? runOn(executor, sqlFor('event-publish-many'), values) : run('event-publish-many', values),
      );
      return rows.map((row) => ({
        id: String(row.id),
        stream: String(row.stream),
        sequence: Number(row.sequence),
      }));
    },

    async eventListUndispatched({ streams, perStream }) {
      const rows = await run('event-list-undispatched', [streams, perStream]);
      return rows.map((row) => ({ ...storedEventFromRow(row), from: Number(row.from_sequence) }));
    },

    async eventDispatch({ advances, jobs, now }) {
      if (advances.length === 0) return { dispatched: true, jobs: [] };
      let positionMoved = false;
      try {
        return await transaction(async (inTransaction) => {
          const moved = await inTransaction('event-stream-dispatch', [
            JSON.stringify(
              advances.map((a) => ({ stream: a.stream, from_sequence: a.from, to_sequence: a.to })),
            ),
          ]);
          if (moved.length !== advances.length) {
            positionMoved = true;
            throw new PositionMoved('a dispatched position moved; rolled back');
          }
          const inserted =
            jobs.length > 0 ? await insertJobs(jobs, undefined, now, readyChannel, inTransaction) : [];
          return { dispatched: true, jobs: inserted };
        });
      } catch (error) {
        // The store types every failure leaving a transaction, so the flag tells ours apart.
        if (positionMoved) return { dispatched: false, jobs: [] };
        throw error;
      }
    },

    async eventSubscriptionUpsert({ subscription: s, now }) {
      await run('event-subscription-upsert', [
        s.name,
        s.typePattern,
        s.pattern,
        s.jobName,
        s.queue,
        s.maxAttempts,
        s.backoff === null ? null : JSON.stringify(s.backoff),
        s.timeoutMs,
        now,
      ]);
    },

    async eventSubscriptionList() {
      const rows = await run('event-subscription-list', []);
      return rows.map((row) => ({
        name: String(row.name),
        typePattern: String(row.type_pattern),
        pattern: String(row.pattern),
        jobName: String(row.job_name),
        queue: String(row.queue),
        maxAttempts: Number(row.max_attempts),
        backoff: (row.backoff ?? null) as never,
        timeoutMs: row.timeout_ms === null || row.timeout_ms === undefined ? null : Number(row.timeout_ms),
      }));
    },

    async eventSubscriptionDelete({ name }) {
      return (await run('event-subscription-delete', [name])).length > 0;
    },

    async eventSinkRegister({ sink, now }) {
      await run('event-sink-register', [sink, now, SINK_LOOK_BACK_SECONDS]);
    },

    async eventListUnfanned({ sink, streams, perStream }) {
      return (await run('event-list-unfanned', [sink, streams, perStream])).map(storedEventFromRow);
    },

    async eventFanoutNotify({ payload }) {
      await run('event-fanout-notify', [fanoutChannel, payload]);
    },

    async eventFanoutAdvance({ sink, positions }) {
      if (positions.length === 0) return;
      await run('event-fanout-advance', [sink, JSON.stringify(positions)]);
    },

    async eventListSince({ stream, afterSequence, limit }) {
      const rows = await run('event-list-since', [stream, afterSequence, limit]);
      const first = rows[0];
      if (!first) return null;
      return {
        lastSequence: Number(first.last_sequence),
        prunedSequence: Number(first.pruned_sequence),
        events: rows
          .filter((row) => row.sequence !== null && row.sequence !== undefined)
          .map(storedEventFromRow),
      };
    },

    async eventListWindow({ stream, since, until, pattern, afterSequence, limit }) {
      const rows = await run('event-list-window', [stream, since, until, pattern, afterSequence, limit]);
      return rows.map(storedEventFromRow);
    },

    async eventPrune({ before, limit }) {
      const [row] = await run('event-prune', [before, limit]);
      return Number(row?.deleted ?? 0);
    },

    async eventLag() {
      const rows = await run('event-lag', []);
      return rows.map((row) => ({
        kind: row.kind === 'sink' ? 'sink' : 'subscriber',
        name: String(row.name),
        oldest:
          row.oldest === null || row.oldest === undefined ? null : new Date(row.oldest as string | Date),
      }));
    },
  };
}
