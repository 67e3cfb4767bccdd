/**
 * Dead letters: dead jobs with their last error (GET /dead-letters, filterable like Jobs), and bulk
 * replay or retry (POST /jobs/bulk) of the selected jobs or of every dead job the filter matches;
 * the bulk action's progress is polled from /bulk/{id}.
 */
import { useState } from 'preact/hooks';
import { api, type JobPage, query } from '../api.ts';
import { useCan } from '../session.ts';
import { ActionButton, Card, CursorPager, ErrorNote, notify, PageHeader, useLoad } from '../ui.tsx';
import { JobTable } from './jobs.tsx';

interface BulkHandle {
  id: string;
  status: string;
  total: number;
  processed: number;
  affected: number;
}

async function untilBulkDone(handle: BulkHandle): Promise<BulkHandle> {
  let current = handle;
  for (let i = 0; i < 120 && current.status !== 'completed' && current.status !== 'failed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    current = await api<BulkHandle>('GET', `/bulk/${handle.id}`);
  }
  return current;
}

export function DeadLettersView() {
  const [queue, setQueue] = useState('');
  const [name, setName] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const page = useLoad(
    () => api<JobPage>('GET', `/dead-letters${query({ queue, name, cursor: cursors.at(-1), limit: 50 })}`),
    [queue, name, cursors],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const operator = useCan('operator');
  const toggle = (id: string) =>
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const jobs = page.data?.items ?? [];
  const bulk = async (action: 'replay' | 'retry', ids: string[] | null) => {
    const filter = ids
      ? { ids, state: ['dead'] }
      : { state: ['dead'], ...(queue ? { queue } : {}), ...(name ? { name } : {}) };
    const done = await untilBulkDone(await api<BulkHandle>('POST', '/jobs/bulk', { action, filter }));
    notify(`${action === 'replay' ? 'Replayed' : 'Retried'} ${done.affected} of ${done.total} dead job(s)`);
    setSelected(new Set());
    page.reload();
  };
  return (
    <div data-testid="dead-letters">
      <PageHeader title="Dead letters">
        <input
          placeholder="queue"
          aria-label="queue"
          value={queue}
          onChange={(e) => setQueue((e.target as HTMLInputElement).value)}
        />
        <input
          placeholder="job name"
          aria-label="job name"
          value={name}
          onChange={(e) => setName((e.target as HTMLInputElement).value)}
        />
      </PageHeader>
      <ErrorNote error={page.error ?? error} />
      {operator && (
        <div class="card action-bar">
          <span class="muted">{selected.size} selected</span>
          <ActionButton
            label="Replay selected"
            tone="primary"
            testId="bulk-replay-selected"
            run={() => bulk('replay', [...selected])}
            onError={setError}
          />
          <ActionButton label="Retry selected" run={() => bulk('retry', [...selected])} onError={setError} />
          <ActionButton
            label="Replay all matching"
            confirm="Replay every dead job this filter matches?"
            run={() => bulk('replay', null)}
            onError={setError}
          />
        </div>
      )}
      <Card>
        <JobTable
          jobs={jobs}
          loading={page.loading}
          showError
          {...(operator ? { selectable: { selected, toggle } } : {})}
        />
        <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={page.data?.nextCursor} />
      </Card>
    </div>
  );
}
