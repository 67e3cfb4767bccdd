/**
 * The contract of a background service (promoter, rescuer, pruner, scheduler, alert evaluation,
 * history retention; later the outbox relay and the realtime gateway's subscriptions). A process's
 * ServiceRuntime starts and stops them.
 */
export interface Service {
  /** Names the service in logs and health reports. */
  readonly name: string;
  /** Starts it; a second call while running does nothing. */
  start(): Promise<void>;
  /** Stops it and waits for work in progress; safe to call on a service never started, or twice. */
  stop(): Promise<void>;
}
