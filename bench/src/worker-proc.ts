import { type ChildProcess, fork } from 'node:child_process';
import type { ChildSpec, WorkerMessage } from './protocol.ts';

const CHILD = new URL('./child.ts', import.meta.url);

/** A worker running in its own process (two-process drain, crash), reporting the keys it handles. */
export class WorkerProcess {
  readonly proc: ChildProcess;
  /** key -> wall-clock ms when its handler started */
  readonly started = new Map<string, number>();
  readonly done = new Map<string, number>();
  startedCount = 0;
  doneCount = 0;
  lastAt = 0;
  exited = false;
  private readyPromise: Promise<void>;
  private stoppedPromise: Promise<void>;
  private listeners: (() => void)[] = [];

  constructor(spec: ChildSpec) {
    this.proc = fork(CHILD, [], {
      execArgv: process.execArgv,
      env: { ...process.env, BENCH_SPEC: JSON.stringify(spec) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let ready!: () => void;
    let stopped!: () => void;
    let failed!: (e: Error) => void;
    this.readyPromise = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    // A worker stopped before it reported ready (cold_start stops it at its first job, which can
    // come before its start() resolves) rejects this with nobody waiting: not a crash of the run.
    this.readyPromise.catch(() => {});
    this.stoppedPromise = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    this.proc.on('message', (raw) => {
      const m = raw as WorkerMessage;
      if (m.type === 'ready') ready();
      else if (m.type === 'stopped') stopped();
      else if (m.type === 'error') failed(new Error(m.message));
      else if (m.type === 'batch') {
        for (const [k, at] of m.started) {
          this.startedCount++;
          if (!this.started.has(k)) this.started.set(k, at);
        }
        for (const k of m.done) {
          this.doneCount++;
          this.done.set(k, (this.done.get(k) ?? 0) + 1);
        }
        if (m.lastAt > this.lastAt) this.lastAt = m.lastAt;
        for (const l of this.listeners) l();
      }
    });
    this.proc.on('exit', () => {
      this.exited = true;
      failed(new Error('worker process exited before it was ready'));
      stopped();
    });
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  go(): void {
    this.proc.send({ type: 'go' });
  }

  onBatch(listener: () => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    if (!this.exited) this.proc.send({ type: 'stop' });
    await Promise.race([this.stoppedPromise, new Promise((r) => setTimeout(r, 15_000))]);
    if (!this.exited) this.proc.kill('SIGKILL');
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}
