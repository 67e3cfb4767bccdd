/**
 * Conveyor's public API (`conveyor-jobs`). Everything not exported here is internal. The HTTP
 * surfaces are in `conveyor-jobs/http` (src/http/index.ts), so that a worker never loads them.
 */

export {
  type Conveyor,
  createConveyor,
  type EnqueuedJob,
  type QueueStats,
  type ReplayTarget,
  type RunResult,
  type TransactionOption,
  type WorkerHandle,
  type WorkerOptions,
} from './client/conveyor.ts';
export type { ConveyorOptions, QueueOptions, RetentionOptions } from './client/conveyor-options.ts';
export { defineConfig } from './client/conveyor-options.ts';
export type { DeadLettersApi } from './client/dead-letters.ts';
export type { GroupChange, QueuesApi } from './client/queue-admin.ts';
export type { BackoffFunction, BackoffOption } from './core/backoff.ts';
export type { Duration } from './core/duration.ts';
export type { EnqueueOptions } from './core/enqueue-options.ts';
export {
  ConveyorError,
  DatabaseRejectedError,
  DatabaseTransientError,
  DatabaseUnavailableError,
  JobCancelledError,
  JobTimeoutError,
  MigrationRequiredError,
  PayloadTooLargeError,
  ScheduleNotFoundError,
  UnknownJobError,
  ValidationError,
  WorkerShutdownError,
} from './core/errors.ts';
export type { AttemptError, JobFilter, JobInfo, JobRecord, JobState, RunningJobInfo } from './core/job.ts';
export {
  type AnyJobDefinition,
  defineJob,
  type JobContext,
  type JobDefaults,
  type JobDefinition,
  type JobInput,
} from './core/job-definition.ts';
export type { QueueFlowOptions, RateLimitOption } from './core/queue-settings.ts';
export type { SqlExecutor } from './core/sql-executor.ts';
export {
  createEventBus,
  type EventBus,
  type EventBusOptions,
  type PublishManyResult,
} from './events/event-bus.ts';
export {
  type AnyEventDefinition,
  defineEvent,
  type EventDefinition,
  type EventInput,
  type EventPayload,
  type Upcaster,
} from './events/event-definition.ts';
export type { EventEnvelope } from './events/event-envelope.ts';
export type { EventFanout, EventFanoutSink, EventHistory, EventScope } from './events/event-fanout.ts';
export { fanoutChannel } from './events/event-fanout.ts';
export type { EventLag } from './events/event-metrics.ts';
export type { PublishOptions } from './events/event-publisher.ts';
export type { ReplayOptions } from './events/event-replay.ts';
export type {
  SubscribeOptions,
  SubscriberContext,
  SubscriberHandler,
  Subscription,
} from './events/event-subscriptions.ts';
export { RedisEventFanout, type RedisEventFanoutOptions } from './events/fanout/redis-event-fanout.ts';
export { lifecycleBusEvents } from './events/lifecycle-bridge.ts';
export type { LifecycleEventName, LifecycleEvents } from './events/lifecycle-events.ts';
export { type PubSubEvent, PubSubEventBus } from './events/pubsub-event-bus.ts';
export { createLogger, type Logger } from './log/logger.ts';
export type { PruneReport } from './maintenance/pruner.ts';
export type { AlertEvaluation, AlertEvent, AlertOptions } from './observe/alerts/alert-evaluator.ts';
export type { AlertRule, AlertSeverity } from './observe/alerts/alert-rules.ts';
export { verifyWebhookSignature, type WebhookTarget } from './observe/alerts/webhook.ts';
export type { Analytics, AnalyticsFilter } from './observe/analytics.ts';
export type { HealthOptions, HealthReport, HealthStatus } from './observe/health.ts';
export type { ConveyorMetrics, MetricsOptions } from './observe/metrics.ts';
export type { AlertsApi } from './observe/observability.ts';
export type {
  DurationPercentiles,
  ErrorGroup,
  FailedRun,
  Incident,
  JobRunStats,
  OverallRunStats,
  SlowRun,
  ThroughputBucket,
  WorkerRunStats,
} from './observe/run-history-types.ts';
export type { TracingOptions } from './observe/tracing.ts';
export type { RealtimeConfig, RealtimeLimitsConfig } from './realtime/realtime-config.ts';
export type { CronSchedule } from './scheduler/cron-schedule.ts';
export {
  defineSchedule,
  type MissedPolicy,
  type OverlapPolicy,
  type ScheduleDefinition,
  type ScheduleInfo,
  type ScheduleSource,
  tenantSchedules,
} from './scheduler/schedule-definition.ts';
export type { FiredJob, TickReport } from './scheduler/scheduler.ts';
export type { ScheduleChanges, ScheduleListFilter, SchedulesApi } from './scheduler/schedules-api.ts';
export { DatabaseTimeoutError, type DatabaseWait } from './store/database-timeout-error.ts';
export type { ClaimStats } from './worker/claim-loop.ts';
export {
  type DrainOptions,
  type DrainSummary,
  drainForBudget,
} from './worker/drain-for-budget.ts';
export type { Worker } from './worker/worker.ts';
