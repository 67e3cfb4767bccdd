import { fork } from 'node:child_process';
import type { ChildSpec, RunMessage, ScenarioResult } from './protocol.ts';

const CHILD = new URL('./child.ts', import.meta.url);

export type RunOutcome =
  | { ok: true; result: ScenarioResult; seconds: number }
  | { ok: false; error: string; seconds: number };

/** Runs one measured run in a fresh child process (its own heap and event loop). */
export function runChild(spec: ChildSpec, timeoutMs: number): Promise<RunOutcome> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  return new Promise((resolve) => {
    const child = fork(CHILD, [], {
      execArgv: process.execArgv,
      env: { ...process.env, BENCH_SPEC: JSON.stringify(spec) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let outcome: RunOutcome | undefined;
    const timer = setTimeout(() => {
      outcome = { ok: false, error: `timed out after ${timeoutMs / 1000} s`, seconds: seconds() };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (raw) => {
      const m = raw as RunMessage;
      if (m.type === 'result') outcome = { ok: true, result: m.result, seconds: seconds() };
      else if (m.type === 'error')
        outcome = { ok: false, error: m.message.split('\n').slice(0, 4).join(' | '), seconds: seconds() };
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(
        outcome ?? { ok: false, error: `child exited with code ${code} and no result`, seconds: seconds() },
      );
    });
  });
}
