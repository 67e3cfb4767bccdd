/**
 * results/ceilings.json: written by `npm run bench:ceilings` (main.ts here), read by the report's
 * "What this machine allows" section. Its meta is the contender bench's (src/meta.ts), with this
 * measurement's mode, sizes and method in place of theirs.
 */
import type { collectMeta } from '../meta.ts';
import type { DRAIN_CEILING_SIZES, DrainCeiling } from './drain-ceiling.ts';
import type { ENQUEUE_CEILING_SIZES, EnqueueCeiling } from './enqueue-ceiling.ts';
import type { NODE_DRAIN_SIZES, NodeDrainCeiling } from './node-drain-ceiling.ts';
import type { NODE_ENQUEUE_SIZES, NodeEnqueueCeiling } from './node-enqueue-ceiling.ts';

/** Relative to the bench folder. */
export const CEILINGS_FILE = 'results/ceilings.json';

export type CeilingsMeta = Omit<Awaited<ReturnType<typeof collectMeta>>, 'mode' | 'sizes' | 'method'> & {
  mode: 'ceilings';
  sizes: typeof ENQUEUE_CEILING_SIZES &
    typeof DRAIN_CEILING_SIZES &
    Partial<typeof NODE_DRAIN_SIZES & typeof NODE_ENQUEUE_SIZES>;
  method: string[];
  /** `pgbench --version` and the binary's path. */
  pgbench: string;
  elapsedSeconds: number;
  loadAverageNow: number[];
};

export interface CeilingsFile {
  meta: CeilingsMeta;
  results: {
    enqueue16_ceiling: EnqueueCeiling;
    /** Absent from files written before it was measured. */
    node_enqueue_ceiling?: NodeEnqueueCeiling;
    drain_ceiling: DrainCeiling;
    /** Absent from files written before it was measured. */
    node_drain_ceiling?: NodeDrainCeiling;
  };
}
