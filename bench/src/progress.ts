/**
 * Progress lines of the bench: `[hh:mm:ss] …`. The contender bench writes them to stdout;
 * `npm run bench:ceilings` to stderr, one as a step starts and one with its outcome and duration as
 * it ends, so a quiet minute of pgbench still shows what runs.
 */

/** `line` with the time of day in front. */
export function stamped(line: string): string {
  return `[${new Date().toISOString().slice(11, 19)}] ${line}`;
}

export function progress(line: string): void {
  process.stderr.write(`${stamped(line)}\n`);
}

/** Runs `work` between a start line and an end line that says what it gave and how long it took. */
export async function step<T>(
  label: string,
  work: () => Promise<T>,
  outcome: (result: T) => string = () => 'done',
): Promise<T> {
  progress(`${label} …`);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  progress(`${label}: ${outcome(result)} [${seconds.toFixed(1)} s]`);
  return result;
}

/** 71812.4 → "71,812": the figures are rates in the tens of thousands, decimals are noise. */
export function whole(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
