/** Schedules: cron, zone, tenant, next runs, last run; pause, resume and fire now for operators. */
import { api } from '../api.ts';
import { useCan } from '../session.ts';
import {
  ActionButton,
  Card,
  DataTable,
  ErrorNote,
  formatAgo,
  formatTime,
  notify,
  PageHeader,
  StateBadge,
  useLoad,
} from '../ui.tsx';

interface Schedule {
  name: string;
  job: string;
  cron: string;
  timezone: string;
  tenantId: string | null;
  paused: boolean;
  nextFireTimes: string[];
  lastFireAt: string | null;
  lastJobId: string | null;
}

export function SchedulesView() {
  const schedules = useLoad(() => api<{ items: Schedule[] }>('GET', '/schedules'), []);
  const operator = useCan('operator');
  const items = schedules.data?.items ?? [];
  const act = (s: Schedule, action: string, label: string) => (
    <ActionButton
      label={label}
      run={() => api('POST', `/schedules/${encodeURIComponent(s.name)}/${action}`)}
      onDone={() => {
        notify(`${s.name}: ${label.toLowerCase()} done`);
        schedules.reload();
      }}
      onError={(m) => notify(m, true)}
    />
  );
  return (
    <div data-testid="schedules">
      <PageHeader title="Schedules" />
      <ErrorNote error={schedules.error} />
      <Card>
        <DataTable
          rows={items}
          loading={schedules.loading}
          empty="No schedules."
          columns={['Name', 'Job', 'Cron', 'Tenant', 'Status', 'Next runs', 'Last run', '']}
          row={(s) => (
            <tr key={s.name}>
              <td>
                <strong>{s.name}</strong>
              </td>
              <td>{s.job}</td>
              <td class="mono">
                {s.cron} <span class="muted small">{s.timezone}</span>
              </td>
              <td>{s.tenantId ?? '—'}</td>
              <td>{s.paused ? <StateBadge state="paused" /> : <StateBadge state="running" />}</td>
              <td class="small">
                {s.nextFireTimes.slice(0, 3).map((t) => (
                  <div key={t}>
                    {formatTime(t)} <span class="muted">({formatAgo(t)})</span>
                  </div>
                ))}
              </td>
              <td class="small">
                {s.lastJobId ? <a href={`./jobs/${s.lastJobId}`}>{formatAgo(s.lastFireAt)}</a> : '—'}
              </td>
              <td class="actions">
                {operator && (s.paused ? act(s, 'resume', 'Resume') : act(s, 'pause', 'Pause'))}
                {operator && act(s, 'fire', 'Fire now')}
              </td>
            </tr>
          )}
        />
      </Card>
    </div>
  );
}
