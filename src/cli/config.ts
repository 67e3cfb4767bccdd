/**
 * The `conveyor.config.ts` helper. A config file default-exports the options `createConveyor`
 * takes; `defineConfig` only gives them their type.
 *
 * @example
 * // conveyor.config.ts
 * import { defineConfig } from 'conveyor-jobs';
 * import { sendDigest } from './src/jobs/send-digest.ts';
 *
 * export default defineConfig({ jobs: [sendDigest], retention: { completed: { count: 500 } } });
 */
import type { ConveyorOptions } from '../client/conveyor-options.ts';

export function defineConfig(options: ConveyorOptions): ConveyorOptions {
  return options;
}
