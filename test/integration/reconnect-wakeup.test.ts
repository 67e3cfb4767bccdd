/**
 * Wake-ups that race a claim. After the LISTEN connection comes back, the worker is woken to
 * pick up what was enqueued while notifications could not arrive; a NOTIFY wakes it the same way.
 * If such a wake-up lands while a claim is in flight, and that claim read the queue before the new
 * jobs committed, the claim comes back short. It must not then mark the queue empty and swallow
 * the wake-up, or the jobs wait for the poll (30 s here). The claim is held open deterministically
 * by a store whose jobClaim waits, after the database answered, until the test releases it.
 */
import { describe, expect, it } from 'vitest';
import { LifecycleEmitter } from '../../src/events/lifecycle-events.ts';
import { type Conveyor, defineJob } from '../../src/index.ts';
import { createPgDriver } from '../../src/store/postgres/pg-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { ClaimedJob, Store } from '../../src/store/store.ts';
import { Worker } from '../../src/worker/worker.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { testLogger } from '../support/silent-logger.ts';

const db = useConveyorDatabase();
const QUEUE = 'wakeup';
const job = defineJob<{ n: number }>({ name: 'wakeup-job', queue: QUEUE, handler: async () => {} });

/** A store whose next claim, once armed, is held after the database answered until released. */
function holdableStore(store: Store) {
  let armed: { answered: (jobs: ClaimedJob[]) => void; release: Promise<void> } | null = null;
  const holdable: Store = {
    ...store,
    async jobClaim(params) {
      const claimed = await store.jobClaim(params);
      const hold = armed;
      armed = null;
      if (hold) {
        hold.answered(claimed.jobs);
        await hold.release;
      }
      return claimed;
    },
  };
  const holdNextClaim = () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const answered = new Promise<ClaimedJob[]>((resolve) => {
      armed = { answered: resolve, release: released };
    });
    return { answered, release };
  };
  return { store: holdable, holdNextClaim };
}

async function raceClaimWithWake(conveyor: Conveyor, wake: (worker: Worker) => void): Promise<number> {
  const driver = createPgDriver({ connectionString: db.url, max: 4, logger: testLogger });
  const { store, holdNextClaim } = holdableStore(createPostgresStore(driver, 'conveyor'));
  const events = new LifecycleEmitter(testLogger);
  const worker = new Worker(
    {
      queues: [QUEUE],
      concurrency: 2,
      prefetch: 0,
      pollIntervalMs: 30_000,
      shutdownTimeoutMs: 1_000,
      handleSignals: false,
    },
    {
      store,
      definitions: new Map([[job.name, job]]),
      events,
      log: testLogger,
      now: () => new Date(),
      leaseMs: 5_000,
      progress: async () => {},
      recordsCompleted: () => true,
      enqueue: async () => ({ id: null, created: false }),
      retryScheduled: () => {},
      onStopped: () => {},
    },
  );
  try {
    await worker.start();
    await worker.idle(); // first claim: empty queue, so the worker believes it has no work
    const held = holdNextClaim();
    worker.wake(QUEUE);
    expect(await held.answered).toEqual([]); // this claim read the queue before the enqueue below
    const { id } = await conveyor.enqueue(job, { n: 1 }); // another instance: no local fast path here
    const completed = events.once('job:completed', (e) => e.job.id === id);
    const startedAt = Date.now();
    wake(worker); // arrives while the claim is still in flight
    held.release();
    let timer: NodeJS.Timeout | undefined;
    const lost = new Promise<'lost'>((resolve) => {
      timer = setTimeout(() => resolve('lost'), 3_000);
    });
    const outcome = await Promise.race([completed.then(() => 'completed' as const), lost]);
    clearTimeout(timer);
    expect(outcome, 'the job waited for the 30 s poll: the wake-up was swallowed by the short claim').toBe(
      'completed',
    );
    return Date.now() - startedAt;
  } finally {
    await worker.stop();
    await driver.close();
  }
}

describe('wake-ups racing a claim', () => {
  it('the wake after LISTEN reconnects is not lost to a claim in flight', async () => {
    const conveyor = db.open({ jobs: [job], poolSize: 2 });
    await conveyor.migrate();
    const ms = await raceClaimWithWake(conveyor, (worker) => worker.wake());
    expect(ms).toBeLessThan(1_000);
  });

  it('a NOTIFY for the queue is not lost to a claim in flight', async () => {
    const conveyor = db.open({ jobs: [job], poolSize: 2 });
    await conveyor.migrate();
    const ms = await raceClaimWithWake(conveyor, (worker) => worker.wake(QUEUE));
    expect(ms).toBeLessThan(1_000);
  });
});
