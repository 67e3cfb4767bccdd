/**
 * The dashboard's HTTP client: same-origin fetches to the API (the session cookie goes along), the
 * CSRF token on every mutating request, problems (`application/problem+json`) thrown as ApiError.
 * The API's base path comes from the `conveyor-api` meta tag the server writes into index.html.
 */

export type Role = 'viewer' | 'operator' | 'admin';
export type JobState = 'scheduled' | 'ready' | 'active' | 'completed' | 'dead' | 'cancelled';
export const JOB_STATES: JobState[] = ['scheduled', 'ready', 'active', 'completed', 'dead', 'cancelled'];
export type Counts = Partial<Record<JobState, number>>;

export interface SessionInfo {
  role: Role;
  tenantId: string | null;
  csrfToken: string | null;
}

export interface AttemptError {
  attempt: number;
  message: string;
  name?: string;
  stack?: string;
  code?: string;
  at: string;
}

export interface Job {
  id: string;
  queue: string;
  name: string;
  state: JobState;
  payload: unknown;
  priority: number;
  runAt: string;
  attempt: number;
  maxAttempts: number;
  tenantId: string | null;
  groupKey: string | null;
  uniqueKey: string | null;
  metadata: Record<string, unknown> | null;
  progress: unknown;
  result: unknown;
  errors: AttemptError[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobRun {
  runId: string;
  attempt: number;
  status: string;
  result: unknown;
  error: unknown;
  enqueuedAt: string;
  dueAt: string | null;
  startedAt: string | null;
  finishedAt: string;
  durationMs: number | null;
  waitMs: number | null;
  workerId: string | null;
  workerHost: string | null;
}

export interface JobPage {
  items: Job[];
  nextCursor: string | null;
}

export interface QueueView {
  queue: string;
  counts: Record<JobState, number>;
  settings: { paused: boolean; globalConcurrency: number | null; groupConcurrency: number | null } | null;
}

export interface WaitingReason {
  code: string;
  message: string;
  detail?: Record<string, unknown>;
}

export interface Overview {
  since: string;
  until: string;
  bucketMs: number;
  /** The counts snapshot's time (large live tables), or null when counted for this response. */
  countsAsOf: string | null;
  /** True when the p95 waits are estimates from the per-minute rollup's histograms (within 4.4 %). */
  waitP95Estimated: boolean;
  totals: {
    counts: Counts;
    completed: number;
    failed: number;
    failureRate: number;
    waitMeanMs: number | null;
  };
  series: {
    t: number[];
    completed: number[];
    failed: number[];
    waitMeanMs: (number | null)[];
    waitP95Ms: (number | null)[];
    depth: number[];
  };
  queues: {
    queue: string;
    paused: boolean;
    counts: Counts;
    completed: number;
    failed: number;
    waitMeanMs: number | null;
  }[];
  tenants: {
    tenantId: string;
    counts: Counts;
    completed: number;
    failed: number;
    waitMeanMs: number | null;
  }[];
}

export interface FailureGroup {
  fingerprint: string;
  message: string;
  name: string;
  queue: string;
  attempts: number;
  jobs: number;
  tenants: number;
  dead: number;
  firstSeen: string;
  lastSeen: string;
  sampleJobId: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export const apiBase: string =
  document.querySelector<HTMLMetaElement>('meta[name="conveyor-api"]')?.content ?? '/api/v1';

let csrfToken: string | null = null;
let onUnauthorized: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when a request answers 401 (the session ended): show the login page. */
export function handleUnauthorized(callback: () => void): void {
  onUnauthorized = callback;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`${apiBase}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const value: unknown = text === '' ? null : JSON.parse(text);
  if (!response.ok) {
    const problem = (value ?? {}) as { detail?: string; title?: string; code?: string };
    if (response.status === 401 && path !== '/session') onUnauthorized();
    throw new ApiError(
      response.status,
      problem.detail ?? problem.title ?? `HTTP ${response.status}`,
      problem.code ?? null,
    );
  }
  return value as T;
}

/** `?a=1&b=2` from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
