/**
 * Events: a tenant's recent events (GET /events, cursor by sequence) and the consumer lag of every
 * durable subscriber and fan-out sink (GET /events/lag). Served only when the API handler has an
 * event bus (`conveyor dashboard` gives it one); otherwise the view says so.
 */
import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { useSession } from '../session.ts';
import { Card, Empty, ErrorNote, formatDuration, formatTime, PageHeader, useLoad } from '../ui.tsx';

interface EventItem {
  id: string;
  type: string;
  schemaVersion: number;
  source: string;
  sequence: number;
  occurredAt: string;
  payload: unknown;
}

interface Lag {
  kind: string;
  name: string;
  seconds: number;
}

export function EventsView() {
  const { tenantId } = useSession();
  const [tenant, setTenant] = useState(tenantId ?? '');
  const [draft, setDraft] = useState(tenant);
  const lag = useLoad(() => api<{ items: Lag[] }>('GET', '/events/lag'), []);
  const events = useLoad(
    () =>
      tenant === ''
        ? Promise.resolve(null)
        : api<{ items: EventItem[] }>(
            'GET',
            `/events${query({ tenant: tenantId === null ? tenant : undefined, limit: 100 })}`,
          ),
    [tenant],
  );
  if (lag.error?.includes('no such endpoint')) {
    return (
      <div data-testid="events">
        <PageHeader title="Events" />
        <Card>
          <Empty>
            This server has no event bus: give createApiHandler an `events` bus to see events here.
          </Empty>
        </Card>
      </div>
    );
  }
  return (
    <div data-testid="events">
      <PageHeader title="Events">
        {tenantId === null && (
          <form
            class="row"
            onSubmit={(event) => {
              event.preventDefault();
              setTenant(draft.trim());
            }}
          >
            <input
              placeholder="tenant"
              aria-label="tenant"
              value={draft}
              onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
            />
            <button type="submit" class="btn btn-primary">
              Show
            </button>
          </form>
        )}
      </PageHeader>
      <ErrorNote error={lag.error} />
      <Card title="Consumer lag">
        {(lag.data?.items ?? []).length === 0 ? (
          <Empty>No durable subscriber or sink.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Consumer</th>
                <th>Kind</th>
                <th class="num">Behind</th>
              </tr>
            </thead>
            <tbody>
              {lag.data?.items.map((l) => (
                <tr key={`${l.kind}:${l.name}`}>
                  <td>{l.name}</td>
                  <td>{l.kind}</td>
                  <td class="num">{l.seconds === 0 ? 'up to date' : formatDuration(l.seconds * 1000)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <ErrorNote error={events.error} />
      <Card title={tenant ? `Recent events of ${tenant}` : 'Recent events'}>
        {!events.data ? (
          <Empty>{tenant ? 'Loading…' : 'Name a tenant to see its stream.'}</Empty>
        ) : events.data.items.length === 0 ? (
          <Empty>No events.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th class="num">Seq</th>
                <th>Type</th>
                <th>Occurred</th>
                <th>Source</th>
                <th>Payload</th>
              </tr>
            </thead>
            <tbody>
              {[...events.data.items].reverse().map((e) => (
                <tr key={e.id}>
                  <td class="num">{e.sequence}</td>
                  <td>
                    <strong>{e.type}</strong> <span class="muted small">v{e.schemaVersion}</span>
                  </td>
                  <td class="small">{formatTime(e.occurredAt)}</td>
                  <td class="small">{e.source}</td>
                  <td class="mono small ellipsis">{JSON.stringify(e.payload)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
