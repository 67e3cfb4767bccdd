/** Workers: live worker processes (host, pid, queues, heartbeat) and the jobs each runs now. */
import { api } from '../api.ts';
import { Card, DataTable, ErrorNote, formatAgo, PageHeader, useLoad } from '../ui.tsx';

interface Worker {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  startedAt: string;
  lastSeenAt: string;
  expiresAt: string;
  jobs: { id: string; name: string; queue: string; tenantId: string | null; startedAt: string | null }[];
}

export function WorkersView() {
  const workers = useLoad(() => api<{ items: Worker[] }>('GET', '/workers'), []);
  const items = workers.data?.items ?? [];
  return (
    <div data-testid="workers">
      <PageHeader title="Workers">
        <button type="button" class="btn btn-plain" onClick={workers.reload}>
          Refresh
        </button>
      </PageHeader>
      <ErrorNote error={workers.error} />
      <Card>
        <DataTable
          rows={items}
          loading={workers.loading}
          empty="No worker is running."
          columns={['Worker', 'Queues', 'Started', 'Heartbeat', 'Running now']}
          row={(w) => (
            <tr key={w.id}>
              <td>
                <strong>{w.host}</strong> <span class="muted small">pid {w.pid}</span>
                <div class="muted small mono">{w.id}</div>
              </td>
              <td>{w.queues.length === 0 ? 'all' : w.queues.join(', ')}</td>
              <td class="small">{formatAgo(w.startedAt)}</td>
              <td class="small">{formatAgo(w.lastSeenAt)}</td>
              <td class="small">
                {w.jobs.length === 0 ? (
                  <span class="muted">idle</span>
                ) : (
                  w.jobs.map((j) => (
                    <div key={j.id}>
                      <a href={`./jobs/${j.id}`}>
                        {j.name} #{j.id}
                      </a>{' '}
                      <span class="muted">{j.tenantId ?? ''}</span>
                    </div>
                  ))
                )}
              </td>
            </tr>
          )}
        />
      </Card>
    </div>
  );
}
