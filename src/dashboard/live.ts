/**
 * Live updates from `GET /stream` (Server-Sent Events through EventSource, which sends the session
 * cookie and reconnects by itself): `counts` events replace the per-queue counts, `jobs` events
 * tell views which jobs changed state so they refresh. One stream per page, opened after login.
 */
import { useEffect, useState } from 'preact/hooks';
import { apiBase, type JobState } from './api.ts';

export interface LiveQueue {
  queue: string;
  paused: boolean;
  counts: Partial<Record<JobState, number>>;
}

export interface ChangedJob {
  id: string;
  state: JobState;
  queue: string;
  name: string;
}

interface LiveState {
  connected: boolean;
  queues: LiveQueue[] | null;
}

let state: LiveState = { connected: false, queues: null };
let source: EventSource | null = null;
const stateListeners = new Set<(state: LiveState) => void>();
const jobListeners = new Set<(jobs: ChangedJob[]) => void>();

function publish(next: Partial<LiveState>): void {
  state = { ...state, ...next };
  for (const listener of stateListeners) listener(state);
}

export function startLive(): void {
  if (source) return;
  source = new EventSource(`${apiBase}/stream`, { withCredentials: true });
  source.addEventListener('open', () => publish({ connected: true }));
  source.addEventListener('error', () => publish({ connected: false }));
  source.addEventListener('counts', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { queues: LiveQueue[] };
    publish({ queues: data.queues, connected: true });
  });
  source.addEventListener('jobs', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { changed: ChangedJob[] };
    for (const listener of jobListeners) listener(data.changed);
  });
}

export function stopLive(): void {
  source?.close();
  source = null;
  publish({ connected: false, queues: null });
}

export function useLive(): LiveState {
  const [value, setValue] = useState(state);
  useEffect(() => {
    stateListeners.add(setValue);
    return () => {
      stateListeners.delete(setValue);
    };
  }, []);
  return value;
}

/** Calls `callback` with the jobs that changed state, while the component is mounted. */
export function useJobChanges(callback: (jobs: ChangedJob[]) => void): void {
  useEffect(() => {
    jobListeners.add(callback);
    return () => {
      jobListeners.delete(callback);
    };
  }, [callback]);
}
