/**
 * OpenTelemetry spans for enqueue (PRODUCER) and execution (CONSUMER). The enqueue span's context
 * travels in the job's metadata as W3C `traceparent` (and `tracestate`), so a run is a child of the
 * span that enqueued it, even in another process. `@opentelemetry/api` is an optional peer: it is
 * imported dynamically, and without it (or without a registered SDK) every call here is a no-op.
 *
 * Execution spans follow the lifecycle events (job:active → job:completed / job:failed), so the
 * engine carries no tracing code; they are not made the active context inside the handler.
 *
 * The API is imported only once something has registered with it (the global it keeps under
 * `Symbol.for('opentelemetry.js.api.1')` exists: an SDK set a provider): a process without an SDK
 * never loads it (it was ~10–30 ms of a cold worker's start where it is installed).
 *
 * With the API installed but no SDK registered, nothing is created either: the check is a global
 * lookup per call, where a no-op span per job (its attributes, its map entry) cost about a tenth of
 * the worker's CPU in a drain. An SDK registered after Conveyor started is picked up on the next
 * job.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { NewJob } from '../core/enqueue-options.ts';
import type { JobInfo } from '../core/job.ts';
import type { LifecycleEmitter } from '../events/lifecycle-events.ts';

export interface TracingOptions {
  /** Set false to create no spans even when an SDK is registered (default true). */
  enabled?: boolean;
  /** Tracer name (default `conveyor`). */
  tracerName?: string;
}

type Api = typeof OtelApi;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** Open execution spans are dropped (ended) past this many, so aborted runs cannot leak memory. */
const MAX_OPEN_SPANS = 10_000;
/** Where @opentelemetry/api 1.x keeps its registrations; absent until an SDK registers something. */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

export class JobTracing {
  readonly #enabled: boolean;
  /** The API once something registered with it: loading, then loaded (or null: not installed). */
  #api: Promise<Api | null> | null = null;
  #loaded: Api | null = null;
  readonly #tracerName: string;
  readonly #open = new Map<string, OtelApi.Span>();
  readonly #offs: (() => void)[] = [];

  constructor(options: TracingOptions = {}) {
    this.#tracerName = options.tracerName ?? 'conveyor';
    this.#enabled = options.enabled !== false;
  }

  /** The API, loading it once an SDK has registered; null while there is nothing to trace to. */
  #apiLoading(): Promise<Api | null> | null {
    if (this.#api) return this.#api;
    if (!this.#enabled || !(OTEL_GLOBAL in globalThis)) return null;
    this.#api = import('@opentelemetry/api').then(
      (api) => {
        this.#loaded = api;
        return api;
      },
      () => null,
    );
    return this.#api;
  }

  /**
   * Runs `insert` inside an enqueue span, after writing the span's context into each job's
   * metadata (a caller-supplied `traceparent` is kept).
   */
  async enqueue<T>(jobs: NewJob[], insert: () => Promise<T>): Promise<T> {
    const loading = this.#apiLoading();
    const api = loading && (await loading);
    const first = jobs[0];
    if (!api || !first || !sdkRegistered(api)) return insert();
    const tracer = api.trace.getTracer(this.#tracerName);
    const span = tracer.startSpan(`enqueue ${first.name}`, {
      kind: api.SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'conveyor',
        'messaging.operation.type': 'publish',
        'messaging.destination.name': first.queue,
        'conveyor.job.name': first.name,
        'messaging.batch.message_count': jobs.length,
        ...(first.tenantId ? { 'conveyor.tenant_id': first.tenantId } : {}),
      },
    });
    const carrier = traceCarrier(api, span);
    if (carrier) {
      for (const job of jobs) {
        if (typeof job.metadata?.traceparent === 'string') continue;
        job.metadata = { ...job.metadata, ...carrier };
      }
    }
    try {
      const result = await insert();
      const ids = (Array.isArray(result) ? result : [result]) as { id?: unknown }[];
      if (ids.length === 1 && ids[0]?.id !== undefined)
        span.setAttribute('conveyor.job.id', String(ids[0].id));
      return result;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  }

  /** Starts and ends execution spans from lifecycle events; returns a function that stops. */
  observe(events: LifecycleEmitter): () => void {
    if (!this.#enabled) return () => this.stop();
    void this.#apiLoading(); // an SDK registered before Conveyor: load now, ready for the first job
    // Until the API is loaded, a job start only looks for a registered SDK (and starts loading).
    const api = (): Api | null => {
      if (!this.#loaded) void this.#apiLoading();
      return this.#loaded;
    };
    this.#offs.push(
      events.on('job:active', ({ job, workerId }) => {
        const loaded = api();
        if (loaded) this.#start(loaded, job, workerId);
      }),
      events.on('job:completed', ({ job }) => this.#end(job.id, null)),
      events.on('job:failed', ({ job, error, willRetry }) =>
        this.#end(job.id, { message: error.message, willRetry }),
      ),
      events.on('job:cancelled', ({ jobId }) => this.#end(jobId, { message: 'cancelled', willRetry: false })),
    );
    return () => this.stop();
  }

  /** Loaded and enabled (tests, diagnostics): true once an SDK registered and the API loaded. */
  async active(): Promise<boolean> {
    const loading = this.#apiLoading();
    return loading !== null && (await loading) !== null;
  }

  stop(): void {
    for (const off of this.#offs.splice(0)) off();
    for (const span of this.#open.values()) span.end();
    this.#open.clear();
  }

  #start(api: Api, job: JobInfo, workerId: string): void {
    if (!sdkRegistered(api)) return;
    const parent = parentContext(api, job.metadata);
    const span = api.trace.getTracer(this.#tracerName).startSpan(
      `run ${job.name}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'conveyor',
          'messaging.operation.type': 'process',
          'messaging.destination.name': job.queue,
          'conveyor.job.name': job.name,
          'conveyor.job.id': job.id,
          'conveyor.job.attempt': job.attempt,
          'conveyor.worker.id': workerId,
          ...(job.tenantId ? { 'conveyor.tenant_id': job.tenantId } : {}),
        },
      },
      parent,
    );
    if (this.#open.size >= MAX_OPEN_SPANS) {
      const [oldest] = this.#open;
      if (oldest) {
        oldest[1].end();
        this.#open.delete(oldest[0]);
      }
    }
    this.#open.get(job.id)?.end();
    this.#open.set(job.id, span);
  }

  #end(jobId: string, failure: { message: string; willRetry: boolean } | null): void {
    const span = this.#open.get(jobId);
    const api = this.#loaded;
    if (!span || !api) return;
    this.#open.delete(jobId);
    if (failure) {
      span.setAttribute('conveyor.job.will_retry', failure.willRetry);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: failure.message });
    } else span.setStatus({ code: api.SpanStatusCode.OK });
    span.end();
  }
}

const noopProviders = new WeakMap<Api, OtelApi.TracerProvider>();

/**
 * Whether a tracer provider is registered: the global provider is the API's proxy, and the proxy
 * hands out the API's no-op provider until an SDK registers its own (a fresh proxy returns that
 * same no-op provider, which is how it is recognised).
 */
export function sdkRegistered(api: Api): boolean {
  const provider = api.trace.getTracerProvider();
  if (!(provider instanceof api.ProxyTracerProvider)) return true;
  let noop = noopProviders.get(api);
  if (!noop) {
    noop = new api.ProxyTracerProvider().getDelegate();
    noopProviders.set(api, noop);
  }
  return provider.getDelegate() !== noop;
}

/** The W3C trace-context fields for a span, or null for a non-recording/invalid one. */
function traceCarrier(api: Api, span: OtelApi.Span): Record<string, string> | null {
  const sc = span.spanContext();
  if (!api.trace.isSpanContextValid(sc)) return null;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  return {
    traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}`,
    ...(sc.traceState ? { tracestate: sc.traceState.serialize() } : {}),
  };
}

/** The remote parent named by a job's `traceparent`, or the active context. */
function parentContext(api: Api, metadata: Record<string, unknown> | null): OtelApi.Context {
  const match = TRACEPARENT.exec(String(metadata?.traceparent ?? ''));
  if (!match) return api.context.active();
  return api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
  });
}
