/** Failures grouped by error fingerprint (GET /failures): counts of attempts, jobs and tenants; a group opens its jobs. */
import { useState } from 'preact/hooks';
import { api, type FailureGroup, query } from '../api.ts';
import {
  Card,
  Empty,
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
        {groups.length === 0 ? (
          <Empty>{failures.loading ? 'Loading…' : 'No failures in this window.'}</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Error</th>
                <th>Job</th>
                <th class="num">Attempts</th>
                <th class="num">Jobs</th>
                <th class="num">Tenants</th>
                <th class="num">Dead</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
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
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
