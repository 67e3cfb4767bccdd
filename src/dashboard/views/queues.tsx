/**
 * Queues: live counts per state (from the stream, else GET /queues), pause and resume (operators
 * with an unscoped key); a tenant-scoped operator pauses and resumes its own group of each queue.
 */
import { api, JOB_STATES, type QueueView } from '../api.ts';
import { useLive } from '../live.ts';
import { useCan, useSession } from '../session.ts';
import {
  ActionButton,
  Card,
  Empty,
  ErrorNote,
  formatNumber,
  notify,
  PageHeader,
  StateBadge,
  useLoad,
} from '../ui.tsx';

export function QueuesView() {
  const queues = useLoad(() => api<{ items: QueueView[] }>('GET', '/queues'), []);
  const live = useLive();
  const canOperate = useCan('operator');
  const { tenantId } = useSession();
  const ownGroups = useLoad(
    () =>
      tenantId !== null && canOperate
        ? api<{ items: { tenantId: string; groups: { queue: string; paused: boolean }[] }[] }>(
            'GET',
            '/tenants',
          )
        : Promise.resolve(null),
    [tenantId, canOperate],
  );
  const groupPaused = (queue: string): boolean =>
    ownGroups.data?.items.find((t) => t.tenantId === tenantId)?.groups.find((g) => g.queue === queue)
      ?.paused ?? false;
  const rows = (queues.data?.items ?? []).map((q) => {
    const fresh = live.queues?.find((l) => l.queue === q.queue);
    return {
      queue: q.queue,
      paused: fresh?.paused ?? q.settings?.paused ?? false,
      counts: { ...q.counts, ...(fresh?.counts ?? {}) },
      settings: q.settings,
    };
  });
  return (
    <div data-testid="queues">
      <PageHeader title="Queues" />
      <ErrorNote error={queues.error} />
      <Card>
        {rows.length === 0 && !queues.loading ? (
          <Empty>No queues yet.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Queue</th>
                <th>Status</th>
                {JOB_STATES.map((s) => (
                  <th key={s} class="num">
                    {s}
                  </th>
                ))}
                <th>Limits</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((q) => (
                <tr key={q.queue} data-queue={q.queue}>
                  <td>
                    <a href={`./jobs?queue=${encodeURIComponent(q.queue)}`}>
                      <strong>{q.queue}</strong>
                    </a>
                  </td>
                  <td>{q.paused ? <StateBadge state="paused" /> : <StateBadge state="running" />}</td>
                  {JOB_STATES.map((s) => (
                    <td key={s} class="num">
                      {q.counts[s] ? (
                        <a href={`./jobs?queue=${encodeURIComponent(q.queue)}&state=${s}`}>
                          {formatNumber(q.counts[s])}
                        </a>
                      ) : (
                        <span class="muted">0</span>
                      )}
                    </td>
                  ))}
                  <td class="muted small">
                    {q.settings?.globalConcurrency ? `max ${q.settings.globalConcurrency} at once` : ''}
                    {q.settings?.groupConcurrency ? ` · ${q.settings.groupConcurrency} per group` : ''}
                  </td>
                  <td class="actions">
                    {canOperate && tenantId !== null && (
                      <ActionButton
                        label={`${groupPaused(q.queue) ? 'Resume' : 'Pause'} ${tenantId}`}
                        testId={`${groupPaused(q.queue) ? 'resume' : 'pause'}-group-${q.queue}`}
                        run={() =>
                          api(
                            'POST',
                            `/queues/${encodeURIComponent(q.queue)}/groups/${encodeURIComponent(tenantId)}/${groupPaused(q.queue) ? 'resume' : 'pause'}`,
                          )
                        }
                        onDone={() => {
                          notify(
                            `${tenantId}'s jobs in ${q.queue} ${groupPaused(q.queue) ? 'resumed' : 'paused'}`,
                          );
                          ownGroups.reload();
                        }}
                        onError={(m) => notify(m, true)}
                      />
                    )}
                    {canOperate && tenantId === null && (
                      <ActionButton
                        label={q.paused ? 'Resume' : 'Pause'}
                        testId={`${q.paused ? 'resume' : 'pause'}-${q.queue}`}
                        run={() =>
                          api(
                            'POST',
                            `/queues/${encodeURIComponent(q.queue)}/${q.paused ? 'resume' : 'pause'}`,
                          )
                        }
                        onDone={() => {
                          notify(`Queue ${q.queue} ${q.paused ? 'resumed' : 'paused'}`);
                          queues.reload();
                        }}
                        onError={(m) => notify(m, true)}
                      />
                    )}
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
