/**
 * Tracing with a real in-memory span exporter: an enqueue span, its context in the job's metadata
 * (traceparent), and a run span that is its child. Logs: a handler's lines carry job id, name,
 * tenant and attempt.
 */
import { Writable } from 'node:stream';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

const db = useConveyorDatabase();
const traced = defineJob({
  name: 'traced',
  queue: 'tr',
  handler: ({ log, payload }: { log: pino.Logger; payload: { fail?: boolean } }) => {
    log.info({ step: 'inside' }, 'handler says hello');
    if (payload.fail) throw new Error('traced failure');
    return 'ok';
  },
  defaults: { attempts: 1 },
});

describe('tracing', () => {
  it('links the run span to the enqueue span through metadata.traceparent', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const conveyor = db.open({ jobs: [traced], logger });
    const job = await conveyor.enqueue(traced, {}, { tenantId: 'acme' });
    const external = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const failing = await conveyor.enqueue(traced, { fail: true }, { metadata: { traceparent: external } });

    const enqueueSpan = exporter.getFinishedSpans().find((s) => s.name === 'enqueue traced')!;
    expect(enqueueSpan.kind).toBe(SpanKind.PRODUCER);
    expect(enqueueSpan.attributes['conveyor.job.id']).toBe(job.id);
    const { traceId, spanId } = enqueueSpan.spanContext();
    const stored = await conveyor.getJob(job.id);
    expect(stored!.metadata).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
    expect((await conveyor.getJob(failing.id))!.metadata).toEqual({ traceparent: external });

    const done = Promise.all([
      conveyor.once('job:completed', (e) => e.job.id === job.id),
      conveyor.once('job:dead', (e) => e.job.id === failing.id),
    ]);
    const worker = conveyor.worker({ handleSignals: false });
    await worker.start();
    await done;
    await worker.stop();

    const runs = exporter.getFinishedSpans().filter((s) => s.name === 'run traced');
    const run = runs.find((s) => s.attributes['conveyor.job.id'] === job.id)!;
    expect(run.kind).toBe(SpanKind.CONSUMER);
    expect(run.spanContext().traceId).toBe(traceId);
    expect(run.parentSpanContext?.spanId).toBe(spanId);
    expect(run.attributes).toMatchObject({ 'conveyor.tenant_id': 'acme', 'conveyor.job.attempt': 1 });
    expect(run.status.code).toBe(SpanStatusCode.OK);
    const failed = runs.find((s) => s.attributes['conveyor.job.id'] === failing.id)!;
    expect(failed.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(failed.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(failed.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'traced failure' });

    // Logs: the handler's line carries job id, name, queue, tenant and attempt.
    const hello = lines.find((l) => l.msg === 'handler says hello' && l.jobId === job.id);
    expect(hello).toMatchObject({
      jobId: job.id,
      job: 'traced',
      queue: 'tr',
      tenantId: 'acme',
      attempt: 1,
      step: 'inside',
    });
  });

  it('creates no spans when tracing is disabled', async () => {
    exporter.reset();
    const conveyor = db.open({ jobs: [traced], tracing: false });
    const job = await conveyor.enqueue(traced, {});
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect((await conveyor.getJob(job.id))!.metadata).toBeNull();
  });
});
