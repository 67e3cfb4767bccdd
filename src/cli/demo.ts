/**
 * The built-in demo of `conveyor dev --demo`, kept in examples/demo/ as a reference app. It is
 * loaded at run time by path (examples/ sits beside src/ and dist/, outside the compiled tree).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Conveyor } from '../client/conveyor.ts';
import type { ConveyorOptions } from '../client/conveyor-options.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';
import { CliError } from './cli-error.ts';
import { importFile } from './load-config.ts';

/** A job the demo enqueued, and the final state it is meant to reach. */
export interface DemoJob {
  id: string;
  label: string;
  expect: 'completed' | 'dead';
}

export interface Demo {
  jobs: AnyJobDefinition[];
  /** Settings for the demo's Conveyor (e.g. a short promote interval). */
  settings?: Partial<Omit<ConveyorOptions, 'jobs'>>;
  /** Enqueues the demo's jobs; called once the worker runs. */
  enqueue(conveyor: Conveyor): Promise<DemoJob[]>;
}

const DEMO_FILE = fileURLToPath(new URL('../../examples/demo/index.ts', import.meta.url));

export async function loadDemo(): Promise<Demo> {
  if (!existsSync(DEMO_FILE))
    throw new CliError('DEMO_MISSING', `the demo is not installed (expected ${DEMO_FILE})`);
  const loaded = await importFile(DEMO_FILE);
  const demo = loaded.demo as Demo | undefined;
  if (!demo || !Array.isArray(demo.jobs) || typeof demo.enqueue !== 'function') {
    throw new CliError('DEMO_MISSING', `${DEMO_FILE} must export \`demo\` ({ jobs, enqueue })`);
  }
  return demo;
}
