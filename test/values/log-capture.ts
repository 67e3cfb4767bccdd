import { Writable } from 'node:stream';
import { pino } from 'pino';

/** A pino logger (level warn) whose serialized lines are kept, with a wait for a matching line. */
export function captureLogs() {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve(line: string): void }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      const line = String(chunk);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      done();
    },
  });
  return {
    log: pino({ level: 'warn' }, stream),
    lines,
    /** Resolves with the first line (already written or to come) matching `pattern`. */
    next(pattern: RegExp): Promise<string> {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
}
