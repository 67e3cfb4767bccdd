/**
 * PGlite answers in-process calls without real I/O: its promises settle in microtasks, so a loop
 * of in-process statements never lets the event loop poll sockets or run timers. A holder that
 * enqueued in a tight loop committed a million transactions in 10 minutes while a client waiting
 * on the folder's socket got none through, not even its connection accepted.
 *
 * `takeTurns(maxMs)` returns a function to await before each in-process use of the session: it
 * notes when the event loop last turned (a setImmediate it keeps scheduled while in use) and,
 * once the process has run for `maxMs` without a turn, waits for one. setImmediate runs after the
 * poll phase, so sockets are read and their clients queue for the session before the holder
 * goes on. A process that awaits real I/O anyway never waits here.
 */
export function takeTurns(maxMs: number): () => Promise<void> | undefined {
  let lastTurn = performance.now();
  let marking = false;
  const mark = (): void => {
    marking = false;
    lastTurn = performance.now();
  };
  return () => {
    if (!marking) {
      marking = true;
      setImmediate(mark);
    }
    if (performance.now() - lastTurn < maxMs) return undefined;
    return new Promise((resolve) => setImmediate(resolve));
  };
}
