/**
 * PGlite has one session. The gate hands it to one user at a time, first come first served: an
 * in-process statement or transaction of the holder, or a socket client's exchange (from its first
 * message until PGlite answers ReadyForQuery idle). Everything that touches the session goes
 * through it, so no statement ever runs inside someone else's transaction or half-sent query.
 */
export interface SessionGate {
  /** Waits for the session; the returned function gives it back (calling it twice is harmless). */
  acquire(): Promise<() => void>;
  /** Runs `work` holding the session. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once nobody holds or waits for the session. */
  idle(): Promise<void>;
}

export function createSessionGate(): SessionGate {
  let held = false;
  const waiting: (() => void)[] = [];
  const idleWaiters: (() => void)[] = [];

  const release = (): void => {
    const next = waiting.shift();
    if (next) {
      next();
      return;
    }
    held = false;
    for (const wake of idleWaiters.splice(0)) wake();
  };

  const acquire = async (): Promise<() => void> => {
    if (held) await new Promise<void>((resolve) => waiting.push(resolve));
    held = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };

  return {
    acquire,
    async run(work) {
      const done = await acquire();
      try {
        return await work();
      } finally {
        done();
      }
    },
    idle() {
      if (!held) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
      });
    },
  };
}
