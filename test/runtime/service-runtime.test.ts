/**
 * The service runtime (issue 13): services start with the first user and stop with the last,
 * start and stop are idempotent and safe on a service never started, leader services run only in
 * the elected process of the cluster, and a failing service does not keep the others down.
 */
import { describe, expect, it } from 'vitest';
import type { Service } from '../../src/runtime/service.ts';
import { ServiceRuntime } from '../../src/runtime/service-runtime.ts';
import type { LeaderStore } from '../../src/store/leader-store.ts';
import { createPgDriver } from '../../src/store/postgres/pg-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { testLogger } from '../support/silent-logger.ts';

const db = useConveyorDatabase();

class RecordingService implements Service {
  readonly log: string[] = [];
  running = false;
  constructor(
    readonly name: string,
    private readonly failStart = false,
  ) {}
  async start(): Promise<void> {
    if (this.failStart) throw new Error(`${this.name} cannot start`);
    if (this.running) return;
    this.running = true;
    this.log.push('start');
  }
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.log.push('stop');
  }
}

function openStore(): LeaderStore & { close(): Promise<void> } {
  return createPostgresStore(
    createPgDriver({ connectionString: db.url, logger: testLogger, max: 2 }),
    'conveyor',
  );
}

describe('the service runtime', () => {
  it('starts services with the first user, stops them with the last, and is idempotent', async () => {
    const store = openStore();
    const runtime = new ServiceRuntime({
      store: async () => store,
      leaderRole: `r-${Date.now()}`,
      log: testLogger,
    });
    const every = new RecordingService('every');
    const broken = new RecordingService('broken', true);
    runtime.add(every);
    runtime.add(broken);
    await runtime.stop(); // never started: safe
    const releaseA = await runtime.use();
    const releaseB = await runtime.use();
    expect(every.log).toEqual(['start']);
    expect(runtime.status()).toEqual([
      { name: 'every', placement: 'every-process', running: true },
      { name: 'broken', placement: 'every-process', running: false },
    ]);
    await releaseA();
    await releaseA(); // twice: counted once
    expect(every.running).toBe(true);
    await releaseB();
    expect(every.log).toEqual(['start', 'stop']);
    await runtime.use();
    expect(every.log).toEqual(['start', 'stop', 'start']);
    await runtime.stop();
    await runtime.stop();
    expect(every.log).toEqual(['start', 'stop', 'start', 'stop']);
    await store.close();
  });

  it('runs leader services in one runtime of the cluster, and moves them when the leader stops', async () => {
    const role = `maintenance-${Date.now()}`;
    const stores = [openStore(), openStore()];
    const runtimes = stores.map(
      (store) =>
        new ServiceRuntime({
          store: async () => store,
          leaderRole: role,
          log: testLogger,
          leaderRetryMs: 50,
        }),
    );
    const services = runtimes.map((runtime, i) => {
      const service = new RecordingService(`leader-${i}`);
      runtime.add(service, 'leader');
      return service;
    });
    await Promise.all(runtimes.map((runtime) => runtime.use()));
    await expect.poll(() => services.filter((s) => s.running).length, { timeout: 5_000 }).toBe(1);
    const leaderIndex = services.findIndex((s) => s.running);
    expect(runtimes.map((r) => r.isLeader)).toEqual([leaderIndex === 0, leaderIndex === 1]);
    await runtimes[leaderIndex]!.stop();
    expect(services[leaderIndex]!.running).toBe(false);
    const other = 1 - leaderIndex;
    await expect.poll(() => services[other]!.running, { timeout: 5_000 }).toBe(true);
    await runtimes[other]!.stop();
    expect(services.every((s) => !s.running)).toBe(true);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('elects each named role on its own: a service of a role held elsewhere waits for it', async () => {
    const stamp = Date.now();
    const [maintenance, events] = [`maintenance-${stamp}`, `events-${stamp}`];
    const store = openStore();
    // Another process holds the events role.
    const other = await store.leaderSession();
    expect(await other.tryAcquire(events)).toBe(true);
    const runtime = new ServiceRuntime({
      store: async () => store,
      leaderRole: maintenance,
      log: testLogger,
      leaderRetryMs: 50,
    });
    const pruner = new RecordingService('pruner');
    const relay = new RecordingService('relay');
    runtime.add(pruner, 'leader');
    runtime.add(relay, 'leader', { role: events });
    await runtime.use();
    await expect.poll(() => pruner.running, { timeout: 5_000 }).toBe(true);
    expect(runtime.isLeaderOf(maintenance)).toBe(true);
    expect(relay.running).toBe(false);
    expect(runtime.isLeaderOf(events)).toBe(false);
    // Added while in use: an every-process service starts at once.
    const late = new RecordingService('late');
    runtime.add(late);
    await expect.poll(() => late.running, { timeout: 5_000 }).toBe(true);
    await other.release(events);
    await expect.poll(() => relay.running, { timeout: 5_000 }).toBe(true);
    expect(runtime.isLeaderOf(events)).toBe(true);
    expect(pruner.running).toBe(true);
    await runtime.stop();
    expect([pruner, relay, late].every((s) => !s.running)).toBe(true);
    await other.close();
    await store.close();
  });
});
