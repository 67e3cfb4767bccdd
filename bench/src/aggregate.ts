import type { Metric } from './protocol.ts';
import type { RunOutcome } from './session.ts';
import { median, round } from './stats.ts';

/** CPU per job of a drain or enqueue window (cpu-meter.ts), in µs. */
export interface CpuFigures {
  cpu_us_per_job?: number | null;
  db_us_per_job?: number | null;
  client_us_per_job?: number | null;
}

const CPU_FIELDS = ['cpu_us_per_job', 'db_us_per_job', 'client_us_per_job'] as const;

export interface RunRecord extends CpuFigures {
  run: number;
  value: number | null;
  lost?: number;
  duplicated?: number;
  seconds: number;
  extra?: Record<string, unknown>;
  note?: string;
  error?: string;
  /** The cap ended the measured window before every job ran. */
  capped?: boolean;
  /** Jobs that ran within the measured window. */
  completed?: number;
  /** Unfinished jobs in the store after the worker stopped (not lost). */
  pending?: number;
}

/** CPU fields: the median over counted runs, each field on its own. */
export interface Entry extends CpuFigures {
  value: number | null;
  unit?: Metric['unit'];
  min?: number | null;
  max?: number | null;
  lost?: number;
  duplicated?: number;
  failed?: string;
  skipped?: string;
  runs?: RunRecord[];
  extra?: Record<string, unknown>;
  notes?: string[];
  /** Some counted run's window was ended by its cap (value = jobs completed / elapsed). */
  capped?: boolean;
  /** Jobs completed within each counted run's window, in run order. */
  completed?: number[];
}

export function record(run: number, outcome: RunOutcome, metric: string): RunRecord {
  if (!outcome.ok) return { run, value: null, seconds: round(outcome.seconds, 1), error: outcome.error };
  const m = outcome.result.metrics[metric];
  const r: RunRecord = {
    run,
    value: m?.value == null ? null : round(m.value, 3),
    lost: outcome.result.lost,
    duplicated: outcome.result.duplicated,
    seconds: round(outcome.seconds, 1),
  };
  if (m?.extra) r.extra = m.extra;
  for (const field of CPU_FIELDS) if (m?.[field] !== undefined) r[field] = m[field];
  if (outcome.result.note) r.note = outcome.result.note;
  if (outcome.result.capped !== undefined) r.capped = outcome.result.capped;
  if (outcome.result.completed !== undefined) r.completed = outcome.result.completed;
  if (outcome.result.pending !== undefined) r.pending = outcome.result.pending;
  return r;
}

/** Median / min / max over counted runs; lost and duplicated summed; failed when any job was lost. */
export function summarize(runs: RunRecord[], unit: Metric['unit']): Entry {
  const values = runs.map((r) => r.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const lost = runs.reduce((n, r) => n + (r.lost ?? 0), 0);
  const duplicated = runs.reduce((n, r) => n + (r.duplicated ?? 0), 0);
  const errors = runs.filter((r) => r.error).map((r) => r.error!);
  const notes = [...new Set(runs.filter((r) => r.note).map((r) => r.note!))];
  const entry: Entry = {
    value: values.length ? round(median(values), 3) : null,
    unit,
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
    lost,
    duplicated,
    runs,
  };
  const mid = runs.find((r) => r.value === entry.value) ?? runs.find((r) => r.extra);
  if (mid?.extra) entry.extra = mid.extra;
  if (notes.length) entry.notes = notes;
  for (const field of CPU_FIELDS) {
    const figures = runs.map((r) => r[field]).filter((v): v is number => typeof v === 'number');
    if (figures.length) entry[field] = round(median(figures), 1);
  }
  if (runs.some((r) => r.capped)) entry.capped = true;
  if (runs.some((r) => r.completed !== undefined)) entry.completed = runs.map((r) => r.completed ?? 0);
  if (errors.length) entry.failed = `${errors.length}/${runs.length} runs failed: ${errors[0]}`;
  else if (lost > 0) entry.failed = `lost ${lost} jobs`;
  return entry;
}
