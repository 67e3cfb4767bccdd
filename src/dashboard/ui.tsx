/** Small building blocks of every view: data loading, badges, buttons, JSON, times and durations. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** Runs `load` on mount and whenever `deps` change; `reload()` runs it again (keeping old data meanwhile). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (reason: unknown) => {
        if (mine !== generation.current) return;
        setError(reason instanceof Error ? reason.message : String(reason));
        setLoading(false);
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge badge-${state}`}>{state}</span>;
}

export function Badge({
  tone,
  children,
}: {
  tone: 'neutral' | 'warn' | 'bad' | 'good' | 'info';
  children: ComponentChildren;
}) {
  return <span class={`badge tone-${tone}`}>{children}</span>;
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      <div class="page-actions">{children}</div>
    </header>
  );
}

/** The time-window picker of the report views: `last 1h`, `last 24h`… */
export function WindowSelect({
  value,
  onChange,
  windows = ['1h', '24h', '7d'],
}: {
  value: string;
  onChange: (window: string) => void;
  windows?: readonly string[];
}) {
  return (
    <select
      aria-label="window"
      value={value}
      onChange={(e) => onChange((e.target as HTMLSelectElement).value)}
    >
      {windows.map((w) => (
        <option key={w} value={w}>
          last {w}
        </option>
      ))}
    </select>
  );
}

/**
 * Newer/older buttons over a cursor-paginated list: `cursors` is the stack of cursors of the pages
 * behind the one shown (empty: the first page); `nextCursor` is the server's cursor of the next.
 */
export function CursorPager({
  cursors,
  setCursors,
  nextCursor,
}: {
  cursors: string[];
  setCursors: (update: (cursors: string[]) => string[]) => void;
  nextCursor: string | null | undefined;
}) {
  return (
    <div class="pager">
      <button
        type="button"
        class="btn btn-plain"
        disabled={cursors.length === 0}
        onClick={() => setCursors((c) => c.slice(0, -1))}
      >
        ← Newer
      </button>
      <span class="muted small">page {cursors.length + 1}</span>
      <button
        type="button"
        class="btn btn-plain"
        disabled={!nextCursor}
        onClick={() => nextCursor && setCursors((c) => [...c, nextCursor])}
      >
        Older →
      </button>
    </div>
  );
}

export function Card({
  title,
  children,
  actions,
}: {
  title?: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="card">
      {title !== undefined && (
        <div class="card-head">
          <h2>{title}</h2>
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

export function ErrorNote({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <div class="note note-error" role="alert">
      {error}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** A column head: a label, or a right-aligned numeric one. */
export type Column = string | { label: string; num: true };

/**
 * The views' list of rows under column heads, or a note instead: "Loading…" while the first load
 * runs, `empty` when there is nothing to show.
 */
export function DataTable<T>(props: {
  rows: T[];
  loading: boolean;
  empty: string;
  columns: Column[];
  row: (item: T) => ComponentChildren;
}) {
  if (props.rows.length === 0) return <Empty>{props.loading ? 'Loading…' : props.empty}</Empty>;
  return (
    <table class="table">
      <thead>
        <tr>
          {props.columns.map((c, i) =>
            typeof c === 'string' ? (
              <th key={i}>{c}</th>
            ) : (
              <th key={i} class="num">
                {c.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{props.rows.map(props.row)}</tbody>
    </table>
  );
}

/** A button running an async action: disabled while it runs; its error shown by `onError`. */
export function ActionButton(props: {
  label: string;
  run: () => Promise<unknown>;
  tone?: 'primary' | 'danger' | 'plain';
  confirm?: string;
  onDone?: () => void;
  onError?: (message: string) => void;
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  const click = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    try {
      await props.run();
      props.onDone?.();
    } catch (error) {
      props.onError?.(error instanceof ApiError || error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      class={`btn btn-${props.tone ?? 'plain'}`}
      disabled={busy}
      onClick={click}
      data-testid={props.testId}
    >
      {busy ? '…' : props.label}
    </button>
  );
}

export function JsonView({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <span class="muted">none</span>;
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatAgo(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const ms = Date.now() - new Date(iso).getTime();
  const future = ms < 0;
  const text = formatDuration(Math.abs(ms), true);
  return future ? `in ${text}` : `${text} ago`;
}

export function formatDuration(ms: number | null | undefined, coarse = false): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1_000) return coarse ? 'now' : `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(coarse ? 0 : 1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString();
}

export function Stat({
  label,
  value,
  tone,
}: {
  label: string;
  value: string;
  tone?: 'bad' | 'good' | 'warn';
}) {
  return (
    <div class={`stat ${tone ? `stat-${tone}` : ''}`}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}

/** A tiny toast area: `notify(message)` shows it for a few seconds. */
let notifyListener: ((message: { text: string; bad: boolean }) => void) | null = null;

export function notify(text: string, bad = false): void {
  notifyListener?.({ text, bad });
}

export function Toasts() {
  const [message, setMessage] = useState<{ text: string; bad: boolean } | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    notifyListener = (next) => {
      setMessage(next);
      clearTimeout(timer);
      timer = setTimeout(() => setMessage(null), 4_000);
    };
    return () => {
      notifyListener = null;
      clearTimeout(timer);
    };
  }, []);
  if (!message) return null;
  return (
    <div class={`toast ${message.bad ? 'toast-bad' : ''}`} role="status">
      {message.text}
    </div>
  );
}
