import type { JobPayload } from './contenders/types.ts';

const PAD = 'x'.repeat(64);

/** Wall-clock milliseconds with sub-ms precision, comparable across processes on this machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A ~100-byte payload: {"k":"r1-123456","t":1790000000000.123,"p":"xxxx..."} */
export function makePayload(key: string, tenant?: string): JobPayload {
  const payload: JobPayload = { k: key, t: wallMs(), p: PAD };
  if (tenant !== undefined) payload.tn = tenant;
  return payload;
}
