/**
 * One job: state, progress, the timeline of its attempts (wait, duration, worker, error and stack),
 * payload and result, the actions its state allows and the caller's role may use, and for a job
 * that waits, "Why is this job waiting?" (GET /jobs/{id}/waiting). Reloads when the stream says
 * the job changed.
 */
import { useCallback, useState } from 'preact/hooks';
import { api, type Job, type JobRun, type JobState, type WaitingReason } from '../api.ts';
import { type ChangedJob, useJobChanges } from '../live.ts';
import { navigate } from '../router.ts';
import { useCan } from '../session.ts';
import {
  ActionButton,
  Card,
  ErrorNote,
  formatAgo,
  formatDuration,
  formatTime,
  JsonView,
  notify,
  PageHeader,
  StateBadge,
  useLoad,
} from '../ui.tsx';

const WAITING: JobState[] = ['scheduled', 'ready'];

export function JobDetailView({ id }: { id: string }) {
  const detail = useLoad(() => api<{ job: Job; runs: JobRun[] }>('GET', `/jobs/${id}`), [id]);
  const onChange = useCallback(
    (jobs: ChangedJob[]) => {
      if (jobs.some((j) => j.id === id)) detail.reload();
    },
    [id, detail.reload],
  );
  useJobChanges(onChange);
  const job = detail.data?.job;
  return (
    <div data-testid="job-detail">
      <PageHeader title={job ? `${job.name} #${job.id}` : `Job #${id}`}>
        {job && <StateBadge state={job.state} />}
      </PageHeader>
      <ErrorNote error={detail.error} />
      {job && detail.data && (
        <>
          <JobActions job={job} onDone={detail.reload} />
          {WAITING.includes(job.state) && <WaitingPanel id={job.id} state={job.state} />}
          <div class="grid-2">
            <Card title="Job">
              <dl class="facts">
                <dt>Queue</dt>
                <dd>
                  <a href={`./jobs?queue=${encodeURIComponent(job.queue)}`}>{job.queue}</a>
                </dd>
                <dt>Tenant</dt>
                <dd>{job.tenantId ?? '—'}</dd>
                <dt>Group</dt>
                <dd>{job.groupKey ?? '—'}</dd>
                <dt>Priority</dt>
                <dd>{job.priority}</dd>
                <dt>Attempt</dt>
                <dd>
                  {job.attempt} of {job.maxAttempts}
                </dd>
                <dt>Created</dt>
                <dd>{formatTime(job.createdAt)}</dd>
                <dt>Run at</dt>
                <dd>
                  {formatTime(job.runAt)} <span class="muted">({formatAgo(job.runAt)})</span>
                </dd>
                <dt>Finished</dt>
                <dd>{formatTime(job.finishedAt)}</dd>
                {job.uniqueKey && (
                  <>
                    <dt>Unique key</dt>
                    <dd class="mono">{job.uniqueKey}</dd>
                  </>
                )}
              </dl>
              <Progress value={job.progress} />
            </Card>
            <Card title="Payload">
              <PayloadEditor job={job} onSaved={detail.reload} />
            </Card>
          </div>
          <Card title="Attempts">
            <Timeline job={job} runs={detail.data.runs} />
          </Card>
          <div class="grid-2">
            <Card title="Result">
              <JsonView value={job.result} />
            </Card>
            <Card title="Metadata">
              <JsonView value={job.metadata} />
            </Card>
          </div>
        </>
      )}
    </div>
  );
}

function Progress({ value }: { value: unknown }) {
  if (value === null || value === undefined) return null;
  const percent =
    typeof value === 'number'
      ? value
      : typeof value === 'object' && typeof (value as { percent?: unknown }).percent === 'number'
        ? (value as { percent: number }).percent
        : null;
  return (
    <div class="progress-block">
      <div class="muted small">Progress</div>
      {percent !== null && (
        <div
          class="progress"
          role="progressbar"
          aria-valuenow={percent}
          aria-valuemin={0}
          aria-valuemax={100}
        >
          <div class="progress-bar" style={{ width: `${Math.max(0, Math.min(100, percent))}%` }} />
          <span>{Math.round(percent)} %</span>
        </div>
      )}
      {typeof value === 'object' && <JsonView value={value} />}
    </div>
  );
}

function JobActions({ job, onDone }: { job: Job; onDone(): void }) {
  const operator = useCan('operator');
  const admin = useCan('admin');
  const [error, setError] = useState<string | null>(null);
  if (!operator) return null;
  const act = (
    action: string,
    label: string,
    tone: 'primary' | 'danger' | 'plain' = 'plain',
    confirm?: string,
  ) => (
    <ActionButton
      label={label}
      tone={tone}
      testId={`action-${action}`}
      {...(confirm ? { confirm } : {})}
      run={async () => {
        const result = await api<{ replayedAs?: string }>('POST', `/jobs/${job.id}/${action}`);
        notify(result.replayedAs ? `Replayed as #${result.replayedAs}` : `${label}: done`);
        if (result.replayedAs) navigate(`/jobs/${result.replayedAs}`);
      }}
      onDone={onDone}
      onError={setError}
    />
  );
  return (
    <div class="card action-bar" data-testid="job-actions">
      {(job.state === 'dead' || job.state === 'cancelled') && act('retry', 'Retry', 'primary')}
      {act('replay', 'Replay as new job')}
      {job.state === 'scheduled' && act('promote', 'Run now', 'primary')}
      {(job.state === 'scheduled' || job.state === 'ready' || job.state === 'active') &&
        act('cancel', 'Cancel', 'danger', `Cancel job #${job.id}?`)}
      {admin && job.state !== 'active' && (
        <ActionButton
          label="Delete"
          tone="danger"
          testId="action-delete"
          confirm={`Delete job #${job.id} and its history?`}
          run={() => api('DELETE', `/jobs/${job.id}`)}
          onDone={() => {
            notify(`Job #${job.id} deleted`);
            navigate('/jobs');
          }}
          onError={setError}
        />
      )}
      <ErrorNote error={error} />
    </div>
  );
}

function PayloadEditor({ job, onSaved }: { job: Job; onSaved(): void }) {
  const operator = useCan('operator');
  const editable = operator && ['scheduled', 'ready', 'dead', 'cancelled'].includes(job.state);
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (text === null) {
    return (
      <>
        <JsonView value={job.payload} />
        {editable && (
          <button
            type="button"
            class="btn btn-plain btn-small"
            onClick={() => setText(JSON.stringify(job.payload, null, 2))}
          >
            Edit payload
          </button>
        )}
      </>
    );
  }
  return (
    <div class="editor">
      <textarea
        class="mono"
        rows={10}
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
      />
      <ErrorNote error={error} />
      <div class="row">
        <ActionButton
          label={job.state === 'dead' || job.state === 'cancelled' ? 'Save and retry' : 'Save'}
          tone="primary"
          run={async () => {
            let payload: unknown;
            try {
              payload = JSON.parse(text);
            } catch {
              throw new Error('the payload is not valid JSON');
            }
            await api('PUT', `/jobs/${job.id}/payload`, { payload });
          }}
          onDone={() => {
            setText(null);
            setError(null);
            notify('Payload saved');
            onSaved();
          }}
          onError={setError}
        />
        <button type="button" class="btn btn-plain" onClick={() => setText(null)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function errorOf(value: unknown): { message: string; stack?: string; name?: string } | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return { message: value };
  if (typeof value === 'object') {
    const e = value as { message?: unknown; stack?: unknown; name?: unknown };
    return {
      message: typeof e.message === 'string' ? e.message : JSON.stringify(value),
      ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
      ...(typeof e.name === 'string' ? { name: e.name } : {}),
    };
  }
  return { message: String(value) };
}

function Timeline({ job, runs }: { job: Job; runs: JobRun[] }) {
  // Attempts recorded in history, else the job's own error list (history may be pruned).
  const attempts =
    runs.length > 0
      ? runs.map((run) => ({
          attempt: run.attempt,
          status: run.status,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          durationMs: run.durationMs,
          waitMs: run.waitMs,
          worker: run.workerHost ?? run.workerId,
          error: errorOf(run.error),
        }))
      : job.errors.map((e) => ({
          attempt: e.attempt,
          status: 'failed',
          startedAt: null,
          finishedAt: e.at,
          durationMs: null,
          waitMs: null,
          worker: null,
          error: {
            message: e.message,
            ...(e.stack ? { stack: e.stack } : {}),
            ...(e.name ? { name: e.name } : {}),
          },
        }));
  if (attempts.length === 0) return <div class="muted">No attempt yet.</div>;
  return (
    <ol class="timeline" data-testid="timeline">
      {attempts.map((a) => (
        <li key={`${a.attempt}-${a.finishedAt}`} class={`timeline-item status-${a.status}`}>
          <div class="timeline-head">
            <strong>Attempt {a.attempt}</strong> <StateBadge state={a.status} />
            <span class="muted small">
              {formatTime(a.startedAt ?? a.finishedAt)} · waited {formatDuration(a.waitMs)} · ran{' '}
              {formatDuration(a.durationMs)}
              {a.worker ? ` · worker ${a.worker}` : ''}
            </span>
          </div>
          {a.error && (
            <details class="error-box" open={a.attempt === attempts.at(-1)?.attempt}>
              <summary>
                {a.error.name ? `${a.error.name}: ` : ''}
                {a.error.message}
              </summary>
              {a.error.stack && <pre class="stack">{a.error.stack}</pre>}
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}

function WaitingPanel({ id, state }: { id: string; state: JobState }) {
  const waiting = useLoad(
    () => api<{ waiting: boolean; reasons: WaitingReason[] }>('GET', `/jobs/${id}/waiting`),
    [id, state],
  );
  return (
    <section class="card waiting" data-testid="waiting">
      <div class="card-head">
        <h2>Why is this job waiting?</h2>
        <button type="button" class="btn btn-plain btn-small" onClick={waiting.reload}>
          Check again
        </button>
      </div>
      <ErrorNote error={waiting.error} />
      {waiting.data &&
        (waiting.data.reasons.length === 0 ? (
          <p class="muted">Nothing holds it back: a worker should take it in a moment.</p>
        ) : (
          <ul class="reasons">
            {waiting.data.reasons.map((reason) => (
              <li key={reason.code} data-reason={reason.code}>
                <span class="reason-code mono">{reason.code}</span> {reason.message}
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
