/** Tenants: per tenant, live jobs by state, finished and failed attempts, wait and run times, paused groups. */
import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import {
  Card,
  DataTable,
  ErrorNote,
  formatDuration,
  formatNumber,
  PageHeader,
  StateBadge,
  useLoad,
  WindowSelect,
} from '../ui.tsx';

interface Tenant {
  tenantId: string;
  scheduled: number;
  ready: number;
  active: number;
  dead: number;
  completed: number;
  failed: number;
  meanWaitMs: number | null;
  p95WaitMs: number | null;
  meanDurationMs: number | null;
  groups: { queue: string; paused: boolean; concurrency: number | null; weight: number }[];
}

export function TenantsView() {
  const [since, setSince] = useState('24h');
  const tenants = useLoad(() => api<{ items: Tenant[] }>('GET', `/tenants${query({ since })}`), [since]);
  const items = tenants.data?.items ?? [];
  return (
    <div data-testid="tenants">
      <PageHeader title="Tenants">
        <WindowSelect value={since} onChange={setSince} />
      </PageHeader>
      <ErrorNote error={tenants.error} />
      <Card>
        <DataTable
          rows={items}
          loading={tenants.loading}
          empty="No tenant has jobs."
          columns={[
            'Tenant',
            { label: 'Scheduled', num: true },
            { label: 'Ready', num: true },
            { label: 'Active', num: true },
            { label: 'Dead', num: true },
            { label: 'Completed', num: true },
            { label: 'Failed', num: true },
            { label: 'Wait (mean / p95)', num: true },
            { label: 'Run time', num: true },
            'Groups',
          ]}
          row={(t) => (
            <tr key={t.tenantId}>
              <td>
                <a href={`./jobs?tenant=${encodeURIComponent(t.tenantId)}`}>
                  <strong>{t.tenantId}</strong>
                </a>
              </td>
              <td class="num">{formatNumber(t.scheduled)}</td>
              <td class="num">{formatNumber(t.ready)}</td>
              <td class="num">{formatNumber(t.active)}</td>
              <td class="num">{t.dead > 0 ? <span class="badge badge-dead">{t.dead}</span> : 0}</td>
              <td class="num">{formatNumber(t.completed)}</td>
              <td class="num">{formatNumber(t.failed)}</td>
              <td class="num">
                {formatDuration(t.meanWaitMs)} / {formatDuration(t.p95WaitMs)}
              </td>
              <td class="num">{formatDuration(t.meanDurationMs)}</td>
              <td class="small">
                {t.groups.map((g) => (
                  <div key={g.queue}>
                    {g.queue} {g.paused && <StateBadge state="paused" />}
                    {g.concurrency !== null && <span class="muted"> max {g.concurrency}</span>}
                  </div>
                ))}
              </td>
            </tr>
          )}
        />
      </Card>
    </div>
  );
}
