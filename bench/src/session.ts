import { type ChildProcess, fork } from 'node:child_process';
import type { ChildSpec, RunMessage, ScenarioResult, SessionCommand, SessionLaunch } from './protocol.ts';

const CHILD = new URL('./child.ts', import.meta.url);

export type RunOutcome =
  | { ok: true; result: ScenarioResult; seconds: number }
  | { ok: false; error: string; seconds: number };

function firstLines(message: string): string {
  return message.split('\n').slice(0, 4).join(' | ');
}

/**
 * The runner's handle on one child process (role 'session': one contender, many runs; role
 * 'init-store': one answer, then it exits). Messages are answered one at a time.
 */
export class Session {
  private readonly proc: ChildProcess;
  private exited = false;
  /** The process reported an error or was killed: it is exiting, do not send it more runs. */
  private failed = false;
  private answer: ((m: RunMessage | { type: 'exit'; code: number | null }) => void) | undefined;
  private readonly readyPromise: Promise<RunOutcome>;
  private readonly started = performance.now();

  constructor(spec: ChildSpec | SessionLaunch) {
    this.proc = fork(CHILD, [], {
      execArgv: process.execArgv,
      env: { ...process.env, BENCH_SPEC: JSON.stringify(spec) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.readyPromise = this.next(120_000);
    this.proc.on('message', (raw) => this.answer?.(raw as RunMessage));
    this.proc.on('error', () => {
      this.failed = true; // e.g. IPC channel closed: the exit handler answers
    });
    this.proc.on('exit', (code) => {
      this.exited = true;
      this.answer?.({ type: 'exit', code });
    });
  }

  get alive(): boolean {
    return !this.exited && !this.failed;
  }

  /** Resolves when the process loaded the contender (or failed to). */
  ready(): Promise<RunOutcome> {
    return this.readyPromise;
  }

  /** One run; a run that exceeds `timeoutMs` kills the session. */
  run(command: Extract<SessionCommand, { type: 'run' }>, timeoutMs: number): Promise<RunOutcome> {
    if (!this.alive) return Promise.resolve({ ok: false, error: 'session process has exited', seconds: 0 });
    const answer = this.next(timeoutMs);
    this.proc.send(command);
    return answer;
  }

  /** Ends the process and waits for it (at most 10 s, then SIGKILL). */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    const command: SessionCommand = { type: 'exit' };
    this.proc.send(command);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  private next(timeoutMs: number): Promise<RunOutcome> {
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.answer = undefined;
        this.failed = true;
        this.proc.kill('SIGKILL');
        resolve({ ok: false, error: `timed out after ${timeoutMs / 1000} s`, seconds: seconds() });
      }, timeoutMs);
      this.answer = (m) => {
        clearTimeout(timer);
        this.answer = undefined;
        if (m.type === 'result') resolve({ ok: true, result: m.result, seconds: seconds() });
        else if (m.type === 'ready')
          resolve({ ok: true, result: { metrics: {}, lost: 0, duplicated: 0 }, seconds: seconds() });
        else if (m.type === 'error') {
          this.failed = true; // a session exits after reporting an error
          resolve({ ok: false, error: firstLines(m.message), seconds: seconds() });
        } else
          resolve({
            ok: false,
            error: `child exited with code ${m.code} and no result (${((performance.now() - this.started) / 1000).toFixed(1)} s after it started)`,
            seconds: seconds(),
          });
      };
    });
  }
}
