/**
 * Leader election across processes (issue 13): three processes campaign for one role; exactly one
 * leads. When the leader is SIGKILLed (its connection dies with it, and the advisory lock with the
 * connection), another takes over within seconds; a leader that stops gracefully hands over too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type FixtureProcess, killFixtures, spawnFixture } from '../fixtures/spawn-fixture.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();
afterAll(killFixtures);

/** Resolves with the first of `processes` to report `type`. */
function first(processes: FixtureProcess[], type: string): Promise<FixtureProcess> {
  return Promise.any(
    processes.map(async (p) => {
      await p.waitFor(type, undefined, 15_000);
      return p;
    }),
  );
}

describe('leader election', () => {
  it('elects one of three processes, and another within seconds when the leader is SIGKILLed', async () => {
    const env = { DATABASE_URL: db.url, ROLE: `maintenance-${Date.now()}` };
    const processes = [0, 1, 2].map(() => spawnFixture('leader-process', env));
    await Promise.all(processes.map((p) => p.waitFor('campaigning')));
    const leader = await first(processes, 'elected');
    // Nobody else is elected while the leader lives (each retries every 200 ms: 1.5 s is ~7 tries).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(processes.filter((p) => p.messages.some((m) => m.type === 'elected'))).toEqual([leader]);

    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    const rest = processes.filter((p) => p !== leader);
    const second = await first(rest, 'elected');
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);
    expect(rest.filter((p) => p.messages.some((m) => m.type === 'elected'))).toEqual([second]);

    // A graceful stop releases the role: the last one takes over.
    const last = rest.find((p) => p !== second)!;
    const lastElected = last.waitFor('elected', undefined, 15_000);
    second.send({ type: 'stop' });
    await second.exited;
    await lastElected;
    last.send({ type: 'stop' });
    await last.exited;
    console.info(`[leader] takeover after SIGKILL of the leader: ${takeoverMs} ms`);
  }, 40_000);
});
