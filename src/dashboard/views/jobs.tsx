/**
 * Jobs: the job search of GET /jobs (queue, name, state, tenant, created from/until, payload
 * containment, failure fingerprint), kept in the address bar so a filtered list can be linked;
 * cursor pages ("Older"); live: a listed job that changes state is updated in place, and the first
 * page reloads (at most every 2 s) when jobs change.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, JOB_STATES, type Job, type JobPage, query } from '../api.ts';
import { type ChangedJob, useJobChanges } from '../live.ts';
import { navigate } from '../router.ts';
import { useSession } from '../session.ts';
import {
  Card,
  CursorPager,
  Empty,
  ErrorNote,
  formatAgo,
  formatTime,
  PageHeader,
  StateBadge,
  useLoad,
} from '../ui.tsx';

const FIELDS = ['queue', 'name', 'state', 'tenant', 'from', 'until', 'payload', 'fingerprint'] as const;
type Field = (typeof FIELDS)[number];
type Filters = Partial<Record<Field, string>>;

function filtersOf(search: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const field of FIELDS) {
    const value = search.get(field);
    if (value) filters[field] = value;
  }
  return filters;
}

/** A datetime-local value as an ISO instant (the API wants a zone). */
function isoOf(local: string | undefined): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function JobsView({ search }: { search: URLSearchParams }) {
  const filters = filtersOf(search);
  const key = JSON.stringify(filters);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const { tenantId } = useSession();
  const page = useLoad(
    () =>
      api<JobPage>(
        'GET',
        `/jobs${query({
          ...filters,
          from: isoOf(filters.from),
          until: isoOf(filters.until),
          cursor,
          limit: 50,
        })}`,
      ),
    [key, cursor],
  );
  useEffect(() => setCursors([]), [key]);

  const [states, setStates] = useState<Record<string, ChangedJob['state']>>({});
  useEffect(() => setStates({}), [page.data]);
  const lastReload = useRef(0);
  const onChange = useCallback(
    (jobs: ChangedJob[]) => {
      const listed = new Set(page.data?.items.map((j) => j.id));
      const mine = jobs.filter((j) => listed.has(j.id));
      if (mine.length > 0)
        setStates((old) => ({ ...old, ...Object.fromEntries(mine.map((j) => [j.id, j.state])) }));
      if (cursors.length === 0 && Date.now() - lastReload.current > 2_000) {
        lastReload.current = Date.now();
        page.reload();
      }
    },
    [page.data, cursors.length, page.reload],
  );
  useJobChanges(onChange);

  const apply = (next: Filters) => {
    navigate(`/jobs${query(next)}`);
  };

  return (
    <div data-testid="jobs">
      <PageHeader title="Jobs" />
      <FilterBar filters={filters} onApply={apply} scopedTenant={tenantId} />
      <ErrorNote error={page.error} />
      <Card>
        <JobTable jobs={page.data?.items ?? []} states={states} loading={page.loading} />
        <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={page.data?.nextCursor} />
      </Card>
    </div>
  );
}

export function JobTable(props: {
  jobs: Job[];
  states?: Record<string, string>;
  loading?: boolean;
  selectable?: { selected: Set<string>; toggle(id: string): void };
  showError?: boolean;
}) {
  if (props.jobs.length === 0) return props.loading ? <Empty>Loading…</Empty> : <Empty>No jobs match.</Empty>;
  return (
    <table class="table" data-testid="job-table">
      <thead>
        <tr>
          {props.selectable && <th />}
          <th>Id</th>
          <th>Job</th>
          <th>Queue</th>
          <th>Tenant</th>
          <th>State</th>
          <th class="num">Attempt</th>
          <th>{props.showError ? 'Last error' : 'Created'}</th>
        </tr>
      </thead>
      <tbody>
        {props.jobs.map((job) => {
          const state = props.states?.[job.id] ?? job.state;
          const lastError = job.errors.at(-1);
          return (
            <tr key={job.id} data-job-id={job.id}>
              {props.selectable && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`select job ${job.id}`}
                    checked={props.selectable.selected.has(job.id)}
                    onChange={() => props.selectable?.toggle(job.id)}
                  />
                </td>
              )}
              <td>
                <a href={`./jobs/${job.id}`} class="mono">
                  #{job.id}
                </a>
              </td>
              <td>
                <strong>{job.name}</strong>
                <div class="muted small mono ellipsis">{preview(job.payload)}</div>
              </td>
              <td>{job.queue}</td>
              <td>{job.tenantId ?? <span class="muted">—</span>}</td>
              <td>
                <StateBadge state={state} />
              </td>
              <td class="num">
                {job.attempt}/{job.maxAttempts}
              </td>
              <td class="small">
                {props.showError ? (
                  <span class="error-text ellipsis">{lastError?.message ?? '—'}</span>
                ) : (
                  <span title={formatTime(job.createdAt)}>{formatAgo(job.createdAt)}</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function preview(payload: unknown): string {
  const text = JSON.stringify(payload) ?? '';
  return text.length > 90 ? `${text.slice(0, 90)}…` : text;
}

function FilterBar(props: {
  filters: Filters;
  onApply(filters: Filters): void;
  scopedTenant: string | null;
}) {
  const [draft, setDraft] = useState<Filters>(props.filters);
  const key = JSON.stringify(props.filters);
  useEffect(() => setDraft(props.filters), [key]);
  const set = (field: Field) => (event: Event) =>
    setDraft((d) => ({ ...d, [field]: (event.target as HTMLInputElement).value }));
  return (
    <form
      class="filters card"
      onSubmit={(event) => {
        event.preventDefault();
        props.onApply(draft);
      }}
    >
      <label>
        Queue
        <input name="queue" value={draft.queue ?? ''} onInput={set('queue')} placeholder="any" />
      </label>
      <label>
        Job name
        <input name="name" value={draft.name ?? ''} onInput={set('name')} placeholder="any" />
      </label>
      <label>
        State
        <select name="state" value={draft.state ?? ''} onChange={set('state')}>
          <option value="">any</option>
          {JOB_STATES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {props.scopedTenant === null && (
        <label>
          Tenant
          <input name="tenant" value={draft.tenant ?? ''} onInput={set('tenant')} placeholder="any" />
        </label>
      )}
      <label>
        Created from
        <input name="from" type="datetime-local" value={draft.from ?? ''} onInput={set('from')} />
      </label>
      <label>
        until
        <input name="until" type="datetime-local" value={draft.until ?? ''} onInput={set('until')} />
      </label>
      <label class="wide">
        Payload contains (JSON)
        <input
          name="payload"
          class="mono"
          value={draft.payload ?? ''}
          onInput={set('payload')}
          placeholder='{"orderId":"o_1"}'
        />
      </label>
      {draft.fingerprint && (
        <label>
          Failure group
          <input name="fingerprint" class="mono" value={draft.fingerprint} onInput={set('fingerprint')} />
        </label>
      )}
      <div class="filter-actions">
        <button type="submit" class="btn btn-primary">
          Search
        </button>
        <button
          type="button"
          class="btn btn-plain"
          onClick={() => {
            setDraft({});
            props.onApply({});
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
