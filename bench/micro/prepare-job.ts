/**
 * Micro-benchmark of the enqueue hot path's validation: prepareJob on a typical small payload
 * (without a schema, and with a zod schema), in ns per call, best of 40 rounds of 100,000 calls.
 *
 *   npx tsx bench/micro/prepare-job.ts                      # this checkout
 *   npx tsx bench/micro/prepare-job.ts /path/to/other/repo  # A/B against another checkout's
 *                                                           # prepareJob, rounds interleaved
 *
 * Run it on a quiet machine (load average below 3 here): on 2 shared cores a busy neighbour moves
 * single figures by 30 % or more; interleaving the rounds of A and B keeps their difference usable.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { prepareJob } from '../../src/core/enqueue-options.ts';
import { defineJob } from '../../src/core/job-definition.ts';

const CALLS = 100_000;
const ROUNDS = 40;
const context = { now: new Date('2030-01-01T00:00:00Z'), maxPayloadBytes: 1_000_000 };
const payload = {
  userId: '7f1c0b7e-8a3e-4c53-9f0e-6f3b3f1c2d4e',
  orderId: 12_345,
  items: [
    { sku: 'A-100', qty: 2 },
    { sku: 'B-200', qty: 1 },
  ],
  note: 'leave at the door',
};
const options = { tenantId: 'tenant-42', metadata: { traceparent: '00-abc-def-01' } };
const plain = defineJob<typeof payload>({ name: 'plain', handler: () => null });
const typed = defineJob({
  name: 'typed',
  schema: z.object({
    userId: z.string(),
    orderId: z.number(),
    items: z.array(z.object({ sku: z.string(), qty: z.number() })),
    note: z.string(),
  }),
  handler: () => null,
});

type Prepare = typeof prepareJob;
const cases: [string, (prepare: Prepare) => unknown][] = [
  ['no schema, no options', (prepare) => prepare(plain as never, payload, undefined, context)],
  ['no schema, tenantId + metadata', (prepare) => prepare(plain as never, payload, options, context)],
  ['zod schema, tenantId + metadata', (prepare) => prepare(typed as never, payload, options, context)],
];

const baselineDir = process.argv[2];
const contenders: [string, Prepare][] = [['this checkout', prepareJob]];
if (baselineDir) {
  const url = pathToFileURL(resolve(baselineDir, 'src/core/enqueue-options.ts')).href;
  const baseline = (await import(url)) as { prepareJob: Prepare };
  contenders.unshift(['baseline', baseline.prepareJob]);
}

for (const [label, run] of cases) {
  const best = contenders.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < ROUNDS; round += 1) {
    contenders.forEach(([, prepare], index) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i += 1) run(prepare);
      best[index] = Math.min(best[index]!, Number(process.hrtime.bigint() - started) / CALLS);
    });
  }
  const figures = contenders.map(([name], index) => `${name} ${best[index]!.toFixed(0)} ns`).join(', ');
  const delta =
    best.length === 2
      ? ` (${best[1]! - best[0]! >= 0 ? '+' : ''}${(best[1]! - best[0]!).toFixed(0)} ns)`
      : '';
  console.log(`${label.padEnd(34)} ${figures}${delta}`);
}
