/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by creation time
 * and index well. Within one millisecond ids of this process still increase: the 12-bit `rand_a`
 * field counts up from a random start (RFC 9562 §6.2, method 1), and a counter overflow borrows
 * the next millisecond. Eighteen lines do not justify a dependency.
 */
import { randomFillSync } from 'node:crypto';

const bytes = new Uint8Array(16);
let lastMs = 0;
let counter = 0;

export function uuidv7(nowMs: number = Date.now()): string {
  randomFillSync(bytes);
  let ms = Math.max(nowMs, lastMs);
  if (ms === lastMs) {
    counter += 1;
    if (counter > 0xfff) {
      ms += 1;
      counter = bytes[6]! & 0x7f;
    }
  } else counter = ((bytes[6]! & 0x07) << 8) | bytes[7]!;
  lastMs = ms;
  // 48-bit big-endian timestamp.
  const high = Math.floor(ms / 2 ** 16);
  bytes[0] = (high >>> 24) & 0xff;
  bytes[1] = (high >>> 16) & 0xff;
  bytes[2] = (high >>> 8) & 0xff;
  bytes[3] = high & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
