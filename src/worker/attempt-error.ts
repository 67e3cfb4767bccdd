import type { AttemptError } from '../core/job.ts';

/** The stored form of whatever a handler threw. */
export function attemptErrorFrom(thrown: unknown, attempt: number, at: Date): AttemptError {
  if (thrown instanceof Error) {
    const code = (thrown as { code?: unknown }).code;
    return {
      attempt,
      name: thrown.name,
      message: thrown.message,
      ...(thrown.stack ? { stack: thrown.stack } : {}),
      ...(typeof code === 'string' ? { code } : {}),
      at: at.toISOString(),
    };
  }
  return {
    attempt,
    name: 'NonError',
    message: typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown)),
    at: at.toISOString(),
  };
}
