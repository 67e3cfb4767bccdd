/** Failures grouped by error fingerprint (GET /failures): counts of attempts, jobs and tenants; a group opens its jobs. */
import { useState } from 'preact/hooks';
import { api, type FailureGroup, query } from '../api.ts';
import {
  Card,
  DataTable,
  ErrorNote,
  formatAgo,
  formatNumber,
  PageHeader,
  useLoad,
  WindowSelect,
} from '../ui.tsx';

export function FailuresView() {
  const [since, setSince] = useState('24h');
  const failures = useLoad(
    () => api<{ groups: FailureGroup[] }>('GET', `/failures${query({ since, limit: 100 })}`),
    [since],
  );
  const groups = failures.data?.groups ?? [];
  return (
    <div data-testid="failures">
      <PageHeader title="Failures">
        <WindowSelect value={since} onChange={setSince} />
      </PageHeader>
      <ErrorNote error={failures.error} />
      <Card>
        <DataTable
          rows={groups}
          loading={failures.loading}
          empty="No failures in this window."
          columns={[
            'Error',
            'Job',
            { label: 'Attempts', num: true },
            { label: 'Jobs', num: true },
            { label: 'Tenants', num: true },
            { label: 'Dead', num: true },
            'Last seen',
          ]}
          row={(g) => (
            <tr key={g.fingerprint}>
              <td>
                <a href={`./jobs?fingerprint=${encodeURIComponent(g.fingerprint)}`} class="error-text">
                  {g.message}
                </a>
                <div class="muted small mono">{g.fingerprint.slice(0, 12)}</div>
              </td>
              <td>
                <strong>{g.name}</strong>
                <div class="muted small">{g.queue}</div>
              </td>
              <td class="num">{formatNumber(g.attempts)}</td>
              <td class="num">{formatNumber(g.jobs)}</td>
              <td class="num">{formatNumber(g.tenants)}</td>
              <td class="num">{g.dead > 0 ? <span class="badge badge-dead">{g.dead}</span> : 0}</td>
              <td class="small">
                {formatAgo(g.lastSeen)} <a href={`./jobs/${g.sampleJobId}`}>sample</a>
              </td>
            </tr>
          )}
        />
      </Card>
    </div>
  );
}
