import { describe, expect, it } from 'vitest';
import { ThroughputMeter } from '../../src/worker/throughput-meter.ts';

describe('ThroughputMeter', () => {
  it('counts finishes of the last second and forgets older ones', () => {
    const meter = new ThroughputMeter();
    for (let t = 0; t < 1_000; t += 10) meter.record(10_000 + t); // 100 finishes over one second
    expect(meter.perSecond(10_999)).toBe(100);
    // Half a second later, the first half of them has aged out.
    expect(meter.perSecond(11_499)).toBe(50);
    expect(meter.perSecond(12_500)).toBe(0);
  });

  it('reuses a bucket slot for a later time instead of adding to its old count', () => {
    const meter = new ThroughputMeter();
    meter.record(5_000);
    meter.record(6_000); // same slot (10 buckets of 100 ms), one second later
    expect(meter.perSecond(6_000)).toBe(1);
  });
});
