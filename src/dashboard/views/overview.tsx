/**
 * Overview: totals, then throughput, failures, wait time and queue depth over time (GET /overview),
 * and per-queue and per-tenant tables; filters by window, queue and tenant. Refreshes on live
 * count changes (at most every 5 s).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Overview, query } from '../api.ts';
import { TimeChart } from '../chart.tsx';
import { useLive } from '../live.ts';
import {
  Card,
  ErrorNote,
  formatDuration,
  formatNumber,
  formatTime,
  PageHeader,
  Stat,
  StateBadge,
  useLoad,
  WindowSelect,
} from '../ui.tsx';

const WINDOWS = ['1h', '6h', '24h', '7d'];

export function OverviewView() {
  const [since, setSince] = useState('24h');
  const [queue, setQueue] = useState('');
  const [tenant, setTenant] = useState('');
  const overview = useLoad(
    () => api<Overview>('GET', `/overview${query({ since, queue, tenant })}`),
    [since, queue, tenant],
  );
  const live = useLive();
  const lastReload = useRef(0);
  const liveKey = JSON.stringify(live.queues);
  useEffect(() => {
    if (Date.now() - lastReload.current > 5_000 && live.queues) {
      lastReload.current = Date.now();
      overview.reload();
    }
  }, [liveKey]);

  const data = overview.data;
  useEffect(() => {
    // The first meaningful paint, for bench/ (dashboard_first_paint_ms).
    if (data && performance.getEntriesByName('conveyor:overview').length === 0) {
      requestAnimationFrame(() => performance.mark('conveyor:overview'));
    }
  }, [data]);
  const series = useMemo(() => {
    if (!data) return null;
    const s = data.series;
    return {
      throughput: [{ label: 'completed', values: s.completed, color: '#16a34a', bars: true }],
      failures: [{ label: 'failed attempts', values: s.failed, color: '#dc2626', bars: true }],
      wait: [
        { label: 'mean', values: s.waitMeanMs, color: '#2563eb' },
        { label: 'p95', values: s.waitP95Ms, color: '#9333ea' },
      ],
      depth: [{ label: 'waiting jobs', values: s.depth, color: '#d97706' }],
    };
  }, [data]);

  return (
    <div data-testid="overview">
      <PageHeader title="Overview">
        <WindowSelect value={since} onChange={setSince} windows={WINDOWS} />
        <select
          aria-label="queue"
          value={queue}
          onChange={(e) => setQueue((e.target as HTMLSelectElement).value)}
        >
          <option value="">all queues</option>
          {data?.queues.map((q) => (
            <option key={q.queue} value={q.queue}>
              {q.queue}
            </option>
          ))}
        </select>
        <select
          aria-label="tenant"
          value={tenant}
          onChange={(e) => setTenant((e.target as HTMLSelectElement).value)}
        >
          <option value="">all tenants</option>
          {data?.tenants.map((t) => (
            <option key={t.tenantId} value={t.tenantId}>
              {t.tenantId}
            </option>
          ))}
        </select>
      </PageHeader>
      <ErrorNote error={overview.error} />
      {data && series && (
        <>
          <div class="stats">
            <Stat label="completed" value={formatNumber(data.totals.completed)} tone="good" />
            <Stat
              label="failed attempts"
              value={formatNumber(data.totals.failed)}
              tone={data.totals.failed > 0 ? 'bad' : undefined}
            />
            <Stat label="failure rate" value={`${(data.totals.failureRate * 100).toFixed(1)} %`} />
            <Stat label="mean wait" value={formatDuration(data.totals.waitMeanMs)} />
            <Stat
              label="waiting now"
              value={formatNumber((data.totals.counts.ready ?? 0) + (data.totals.counts.scheduled ?? 0))}
            />
            <Stat
              label="dead"
              value={formatNumber(data.totals.counts.dead ?? 0)}
              tone={(data.totals.counts.dead ?? 0) > 0 ? 'bad' : undefined}
            />
          </div>
          {data.countsAsOf !== null && (
            <p class="muted" data-testid="overview-counts-as-of">
              counts as of {formatTime(data.countsAsOf)}
            </p>
          )}
          <div class="grid-2" data-testid="overview-charts">
            <Card title="Throughput (completed per bucket)">
              <TimeChart t={data.series.t} series={series.throughput} />
            </Card>
            <Card title="Failures (failed attempts per bucket)">
              <TimeChart t={data.series.t} series={series.failures} />
            </Card>
            <Card
              title={`Wait time (enqueue → start)${data.waitP95Estimated ? ', p95 estimated (±4.4 %)' : ''}`}
            >
              <TimeChart t={data.series.t} series={series.wait} durations />
            </Card>
            <Card title="Queue depth (ready or due)">
              <TimeChart t={data.series.t} series={series.depth} />
            </Card>
          </div>
          <div class="grid-2">
            <Card title="Queues">
              <table class="table">
                <thead>
                  <tr>
                    <th>Queue</th>
                    <th class="num">Ready</th>
                    <th class="num">Active</th>
                    <th class="num">Completed</th>
                    <th class="num">Failed</th>
                    <th class="num">Mean wait</th>
                  </tr>
                </thead>
                <tbody>
                  {data.queues.map((q) => (
                    <tr key={q.queue}>
                      <td>
                        <a href={`./jobs?queue=${encodeURIComponent(q.queue)}`}>{q.queue}</a>{' '}
                        {q.paused && <StateBadge state="paused" />}
                      </td>
                      <td class="num">{formatNumber(q.counts.ready ?? 0)}</td>
                      <td class="num">{formatNumber(q.counts.active ?? 0)}</td>
                      <td class="num">{formatNumber(q.completed)}</td>
                      <td class="num">{formatNumber(q.failed)}</td>
                      <td class="num">{formatDuration(q.waitMeanMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
            <Card title="Tenants (most active)">
              <table class="table">
                <thead>
                  <tr>
                    <th>Tenant</th>
                    <th class="num">Ready</th>
                    <th class="num">Completed</th>
                    <th class="num">Failed</th>
                    <th class="num">Mean wait</th>
                  </tr>
                </thead>
                <tbody>
                  {data.tenants.map((t) => (
                    <tr key={t.tenantId}>
                      <td>
                        <a href={`./jobs?tenant=${encodeURIComponent(t.tenantId)}`}>{t.tenantId}</a>
                      </td>
                      <td class="num">{formatNumber(t.counts.ready ?? 0)}</td>
                      <td class="num">{formatNumber(t.completed)}</td>
                      <td class="num">{formatNumber(t.failed)}</td>
                      <td class="num">{formatDuration(t.waitMeanMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          </div>
        </>
      )}
    </div>
  );
}
