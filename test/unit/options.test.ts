/** Options a user can get wrong: unknown keys, and durations that would overflow a timer. */
import { describe, expect, it } from 'vitest';
import { createConveyor, defineJob, ValidationError } from '../../src/index.ts';
import { testLogger } from '../support/silent-logger.ts';

const job = defineJob({ name: 'options-job', handler: () => null });
const base = { jobs: [job], dataDir: 'memory://', logger: testLogger };

describe('options', () => {
  it('refuses an unknown createConveyor option, naming it and the close match', () => {
    const attempt = () => createConveyor({ ...base, shutdownTimeout: '1s' } as never);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/^shutdownTimeout: is not one of the createConveyor options/);
    expect(() => createConveyor({ ...base, PoolSize: 2 } as never)).toThrow(/did you mean "poolSize"\?/);
  });

  it('refuses an unknown worker option', () => {
    const conveyor = createConveyor(base);
    expect(() => conveyor.worker({ concurency: 5 } as never)).toThrow(
      /^worker\.concurency: is not one of the worker options; did you mean "concurrency"\?/,
    );
  });

  it('refuses a duration a timer cannot hold (Node.js would fire it after 1 ms)', () => {
    expect(() => createConveyor({ ...base, lease: '30d' })).toThrow(/^lease: .*2147483647 ms/);
    expect(() => createConveyor({ ...base, pruneInterval: '25d' })).toThrow(/^pruneInterval:/);
    const conveyor = createConveyor(base);
    expect(() => conveyor.worker({ pollInterval: '30d' })).toThrow(/^worker\.pollInterval:/);
    expect(() => conveyor.worker({ shutdownTimeout: '30d' })).toThrow(/^worker\.shutdownTimeout:/);
  });
});
