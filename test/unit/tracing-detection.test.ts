/**
 * Tracing creates nothing until an SDK registers a tracer provider, and notices one registered
 * after Conveyor started (a real SDK provider and in-memory exporter, no stand-ins).
 */
import * as api from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { JobTracing, sdkRegistered } from '../../src/observe/tracing.ts';
import { newJob } from '../support/new-job.ts';

afterEach(() => {
  api.trace.disable();
});

describe('tracing without an SDK', () => {
  it('sees a provider registered after start, and its removal', async () => {
    expect(sdkRegistered(api)).toBe(false);
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    api.trace.setGlobalTracerProvider(provider);
    expect(sdkRegistered(api)).toBe(true);
    api.trace.disable();
    expect(sdkRegistered(api)).toBe(false);
    await provider.shutdown();
  });

  it('creates no span and writes no traceparent until an SDK registers, then does both', async () => {
    const tracing = new JobTracing();
    const before = newJob();
    await tracing.enqueue([before], async () => 'inserted');
    expect(before.metadata).toBeNull();

    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    api.trace.setGlobalTracerProvider(provider);
    const after = newJob();
    await tracing.enqueue([after], async () => 'inserted');
    expect(after.metadata?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['enqueue job']);
    await provider.shutdown();
  });
});
