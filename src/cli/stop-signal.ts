/**
 * Waiting for SIGTERM/SIGINT in a long-running command. The first signal resolves `signalled` (the
 * worker also hears it and begins its graceful stop); a second one exits at once with 130.
 */
export interface StopSignal {
  signalled: Promise<NodeJS.Signals>;
  dispose(): void;
}

export function waitForStopSignal(): StopSignal {
  let received = false;
  let resolveSignal: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      process.stderr.write(`conveyor: second ${signal}; exiting without waiting for running jobs\n`);
      process.exit(130);
    }
    received = true;
    resolveSignal(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Keeps the process alive while waiting, whatever the worker's own timers do.
  const keepAlive = setInterval(() => {}, 1 << 30);
  void signalled.then(() => clearInterval(keepAlive));
  return {
    signalled,
    dispose() {
      clearInterval(keepAlive);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
