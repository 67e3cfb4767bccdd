/**
 * The store conformance suite: every Store adapter must pass it unchanged. Time is passed in, so
 * leases, delays and retention are tested without sleeping.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewJob } from '../../src/core/enqueue-options.ts';
import type { Store } from '../../src/store/store.ts';
import { newJob as newJobAt } from '../support/new-job.ts';

export interface StoreFixture {
  store: Store;
  /** Empties every table between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const newJob = (overrides: Partial<NewJob> = {}): NewJob => newJobAt({ runAt: T0, ...overrides });

export function describeStoreConformance(adapter: string, open: () => Promise<StoreFixture>): void {
  describe(`Store conformance: ${adapter}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeAll(async () => {
      fixture = await open();
      store = fixture.store;
      await store.migrate();
    });
    afterAll(async () => {
      await fixture?.close();
    });
    beforeEach(async () => {
      await fixture.reset();
    });

    const claim = async (params: Parameters<Store['jobClaim']>[0]) => (await store.jobClaim(params)).jobs;
    const register = (id: string, now = T0, leaseMs = 10_000) =>
      store.workerRegister({ id, host: 'h', pid: 1, queues: ['q'], now, leaseMs });

    it('migrates once and reports the schema current', async () => {
      expect(await store.migrate()).toEqual({ versions: [], functions: [] });
      const status = await store.migrationStatus();
      expect(status.applied).toBe(status.latest);
      expect(status.functionsPending).toEqual([]);
      expect(status.latest).toBeGreaterThan(0);
    });

    it('inserts a batch in order, ready when due and scheduled when not', async () => {
      const inserted = await store.jobInsertMany({
        jobs: [newJob(), newJob({ runAt: at(60_000) }), newJob({ payload: { n: 3 } })],
        now: T0,
      });
      expect(inserted.map((r) => r.created)).toEqual([true, true, true]);
      expect(Number(inserted[1]!.id)).toBeGreaterThan(Number(inserted[0]!.id));
      const states = await Promise.all(inserted.map(async (r) => (await store.jobGet({ id: r.id }))?.state));
      expect(states).toEqual(['ready', 'scheduled', 'ready']);
      const third = await store.jobGet({ id: inserted[2]!.id });
      expect(third?.payload).toEqual({ n: 3 });
    });

    it('keeps every JSON payload and option as given, null included', async () => {
      const payloads: unknown[] = [null, 'text', 42, [1, 'two', null], { nested: { deep: [true] } }, {}];
      const runAt = new Date(T0.getTime() - 1_234);
      const inserted = await store.jobInsertMany({
        jobs: payloads.map((payload, n) =>
          newJob({
            payload,
            runAt,
            priority: n - 3,
            backoff: n === 0 ? { type: 'fixed', delayMs: 5, maxDelayMs: null, jitter: 0 } : null,
            timeoutMs: n === 1 ? 250 : null,
            tenantId: n === 2 ? 'acme' : null,
            metadata: n === 3 ? { traceparent: 'x' } : null,
          }),
        ),
        now: T0,
      });
      const stored = await Promise.all(inserted.map((r) => store.jobGet({ id: r.id })));
      expect(stored.map((job) => job?.payload)).toEqual(payloads);
      expect(stored.map((job) => job?.runAt.getTime())).toEqual(payloads.map(() => runAt.getTime()));
      expect(stored.map((job) => job?.priority)).toEqual([-3, -2, -1, 0, 1, 2]);
      expect(stored[1]?.timeoutMs).toBe(250);
      expect(stored[2]?.tenantId).toBe('acme');
      expect(stored[3]?.metadata).toEqual({ traceparent: 'x' });
      expect(stored[4]?.metadata).toBeNull();
      await store.workerRegister({ id: 'w', host: 'h', pid: 1, queues: ['q'], now: runAt, leaseMs: 60_000 });
      const { jobs: claimed } = await store.jobClaim({ queue: 'q', workerId: 'w', limit: 10, now: runAt });
      const byId = new Map(claimed.map((job) => [job.id, job]));
      expect(byId.get(inserted[0]!.id)?.backoff).toEqual({
        type: 'fixed',
        delayMs: 5,
        maxDelayMs: null,
        jitter: 0,
      });
      expect(byId.get(inserted[1]!.id)?.backoff).toBeNull();
      expect(byId.get(inserted[0]!.id)?.payload).toBeNull();
    });

    it('inserts more than one chunk in one call, in order', async () => {
      const jobs = Array.from({ length: 2_345 }, (_, n) =>
        newJob({ payload: { n }, uniqueKey: n === 2_000 ? 'big' : null }),
      );
      const inserted = await store.jobInsertMany({ jobs, now: T0 });
      expect(inserted).toHaveLength(2_345);
      expect(new Set(inserted.map((r) => r.id)).size).toBe(2_345);
      // the first two chunks have no unique key (job-insert-many-keyless), the last one has
      expect((await store.jobGet({ id: inserted[1_234]!.id }))?.payload).toEqual({ n: 1_234 });
      expect((await store.jobGet({ id: inserted[2_000]!.id }))?.payload).toEqual({ n: 2_000 });
      expect((await store.jobGet({ id: inserted[2_344]!.id }))?.payload).toEqual({ n: 2_344 });
    });

    it('dedupes a unique key while its job is unfinished, then releases it', async () => {
      const [first] = await store.jobInsertMany({ jobs: [newJob({ uniqueKey: 'k' })], now: T0 });
      const [again] = await store.jobInsertMany({ jobs: [newJob({ uniqueKey: 'k' })], now: T0 });
      expect(again).toEqual({ id: first!.id, created: false });
      await register('w');
      const [claimed] = await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      await store.jobCompleteMany({
        items: [{ id: claimed!.id, result: null, startedAt: T0, finishedAt: T0 }],
        workerId: 'w',
      });
      const [after] = await store.jobInsertMany({ jobs: [newJob({ uniqueKey: 'k' })], now: T0 });
      expect(after!.created).toBe(true);
      expect(after!.id).not.toBe(first!.id);
    });

    it('holds a unique key with a window until it expires, even after the job completes', async () => {
      const [first] = await store.jobInsertMany({
        jobs: [newJob({ uniqueKey: 'day', uniqueUntil: at(1_000) })],
        now: T0,
      });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      await store.jobCompleteMany({
        items: [{ id: first!.id, result: 1, startedAt: T0, finishedAt: T0 }],
        workerId: 'w',
      });
      const [within] = await store.jobInsertMany({
        jobs: [newJob({ uniqueKey: 'day', uniqueUntil: at(2_000) })],
        now: at(500),
      });
      expect(within).toEqual({ id: first!.id, created: false });
      const [afterWindow] = await store.jobInsertMany({
        jobs: [newJob({ uniqueKey: 'day', uniqueUntil: at(3_000) })],
        now: at(1_500),
      });
      expect(afterWindow!.created).toBe(true);
      expect(await store.keyPruneExpired({ now: at(10_000), limit: 100 })).toBe(1);
    });

    it('claims by priority then FIFO, only ready jobs of the queue, up to the limit', async () => {
      const ids = await store.jobInsertMany({
        jobs: [
          newJob({ priority: 5 }),
          newJob({ priority: 1 }),
          newJob({ priority: 1 }),
          newJob({ queue: 'other' }),
          newJob({ runAt: at(5_000) }),
        ],
        now: T0,
      });
      await register('w');
      const claimed = await claim({ queue: 'q', workerId: 'w', limit: 10, now: T0 });
      expect(claimed.map((j) => j.id)).toEqual([ids[1]!.id, ids[2]!.id, ids[0]!.id]);
      expect(claimed.every((j) => j.attempt === 1 && j.queue === 'q')).toBe(true);
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: T0 })).toEqual([]);
      const limited = await claim({ queue: 'other', workerId: 'w', limit: 0, now: T0 });
      expect(limited).toEqual([]);
    });

    it('fills a claim from the groups a round could not reach, before coming back short', async () => {
      // After the cursor 'm': three groups of one job each; before it (reached on the wrap): 'big'.
      // A claim of 9 visits n1, n2, n3 and big with quotas of 3: the first three spend the round's
      // budget, so big gets no quota in round one. A claim that dropped it there returned 3 jobs
      // while 50 were ready, and the worker took that as an empty queue.
      await store.jobInsertMany({
        jobs: [
          ...Array.from({ length: 50 }, () => newJob({ groupKey: 'big' })),
          ...['n1', 'n2', 'n3'].map((groupKey) => newJob({ groupKey })),
        ],
        now: T0,
      });
      await register('w');
      const claimed = await claim({ queue: 'q', workerId: 'w', limit: 9, now: T0, cursor: 'm' });
      expect(claimed).toHaveLength(9);
      expect(claimed.map((j) => j.groupKey)).toEqual(['n1', 'n2', 'n3', ...Array(6).fill('big')]);
    });

    it('visits a bounded number of groups a pass, about 8 jobs each, and resumes after the last', async () => {
      // 100 groups of 20: a claim of 250 walks 32 groups (250 / 8), not 100 of 2-3 jobs each.
      const keys = Array.from({ length: 100 }, (_, g) => `g${String(g).padStart(3, '0')}`);
      await store.jobInsertMany({
        jobs: keys.flatMap((groupKey) => Array.from({ length: 20 }, () => newJob({ groupKey }))),
        now: T0,
      });
      await register('w');
      const first = await store.jobClaim({ queue: 'q', workerId: 'w', limit: 250, now: T0 });
      expect(first.jobs).toHaveLength(250);
      const perGroup = new Map<string | null, number>();
      for (const job of first.jobs) perGroup.set(job.groupKey, (perGroup.get(job.groupKey) ?? 0) + 1);
      expect([...perGroup.keys()]).toEqual(keys.slice(0, 32));
      expect(Math.max(...perGroup.values())).toBe(8);
      expect(first.cursor).toBe('g031');
      const next = await claim({ queue: 'q', workerId: 'w', limit: 16, now: T0, cursor: first.cursor });
      expect(next.map((j) => j.groupKey)).toEqual(keys.slice(32, 48));
    });

    it('walks on to further groups when the groups of a pass run short, and comes back full', async () => {
      // 60 groups of 5: the first pass (25 groups, quota 8) takes 125, the second walks 16 more.
      const keys = Array.from({ length: 60 }, (_, g) => `g${String(g).padStart(2, '0')}`);
      await store.jobInsertMany({
        jobs: keys.flatMap((groupKey) => Array.from({ length: 5 }, () => newJob({ groupKey }))),
        now: T0,
      });
      await register('w');
      const claimed = await claim({ queue: 'q', workerId: 'w', limit: 200, now: T0 });
      expect(claimed).toHaveLength(200);
      expect([...new Set(claimed.map((j) => j.groupKey))]).toEqual(keys.slice(0, 40));
      // One group a job, fewer than a pass visits: every one is taken, none twice.
      await fixture.reset();
      await store.jobInsertMany({ jobs: keys.map((groupKey) => newJob({ groupKey })), now: T0 });
      await register('w');
      const single = await claim({ queue: 'q', workerId: 'w', limit: 200, now: T0, cursor: 'g29' });
      expect(single.map((j) => j.groupKey)).toEqual([...keys.slice(30), ...keys.slice(0, 30)]);
    });

    it('never hands one job to two concurrent claims', async () => {
      await store.jobInsertMany({ jobs: Array.from({ length: 200 }, () => newJob()), now: T0 });
      await register('a');
      await register('b');
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          claim({ queue: 'q', workerId: i % 2 ? 'a' : 'b', limit: 40, now: T0 }),
        ),
      );
      const ids = claims.flat().map((j) => j.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(200);
    });

    it('completes a batch into run history in one call; a job no longer active is left alone', async () => {
      const [a, b] = await store.jobInsertMany({ jobs: [newJob(), newJob()], now: T0 });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      const done = await store.jobCompleteMany({
        items: [
          { id: a!.id, result: { ok: true }, startedAt: at(1), finishedAt: at(5) },
          { id: b!.id, result: null, startedAt: at(1), finishedAt: at(5) },
        ],
        workerId: 'w',
      });
      expect(done).toEqual({ completed: [a!.id], rejected: [] });
      const record = await store.jobGet({ id: a!.id });
      expect(record).toMatchObject({ state: 'completed', result: { ok: true }, attempt: 1 });
      expect(record?.finishedAt?.getTime()).toBe(at(5).getTime());
      expect((await store.jobGet({ id: b!.id }))?.state).toBe('ready');
    });

    it('keeps each completed result as the handler returned it, null and strings included', async () => {
      const results: unknown[] = ['ok', 'quote " and é', 42, [1, null], { nested: { a: true } }, null];
      const inserted = await store.jobInsertMany({ jobs: results.map(() => newJob()), now: T0 });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: results.length, now: T0 });
      const done = await store.jobCompleteMany({
        items: inserted.map((job, n) => ({
          id: job.id,
          result: results[n],
          startedAt: at(1),
          finishedAt: at(7),
        })),
        workerId: 'w',
      });
      expect(done.completed).toHaveLength(results.length);
      const records = await Promise.all(inserted.map((job) => store.jobGet({ id: job.id })));
      expect(records.map((r) => r?.result)).toEqual(results);
      expect(records.map((r) => r?.finishedAt?.getTime())).toEqual(results.map(() => at(7).getTime()));
    });

    it('fails attempts into scheduled, ready or dead, keeping every error', async () => {
      const jobs = await store.jobInsertMany({
        jobs: [newJob(), newJob(), newJob({ maxAttempts: 1 })],
        now: T0,
      });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 3, now: T0 });
      const error = (m: string) => ({ attempt: 1, message: m, at: T0.toISOString() });
      const states = await store.jobFailMany({
        items: [
          { id: jobs[0]!.id, error: error('later'), retryAt: at(60_000), startedAt: T0, finishedAt: T0 },
          { id: jobs[1]!.id, error: error('now'), retryAt: T0, startedAt: T0, finishedAt: T0 },
          { id: jobs[2]!.id, error: error('dead'), retryAt: null, startedAt: T0, finishedAt: T0 },
        ],
        workerId: 'w',
        now: T0,
      });
      const byId = new Map(states.failed.map((s) => [s.id, s.state]));
      expect([byId.get(jobs[0]!.id), byId.get(jobs[1]!.id), byId.get(jobs[2]!.id)]).toEqual([
        'scheduled',
        'ready',
        'dead',
      ]);
      const dead = await store.jobGet({ id: jobs[2]!.id });
      expect(dead?.errors.map((e) => e.message)).toEqual(['dead']);
      expect(dead?.finishedAt).not.toBeNull();
      const listed = await store.jobList({ filter: { states: ['dead'] }, limit: 10 });
      expect(listed.map((j) => j.id)).toEqual([jobs[2]!.id]);
    });

    it('promotes due scheduled jobs in batches and reports the next due time', async () => {
      await store.jobInsertMany({
        jobs: [newJob({ runAt: at(1_000) }), newJob({ runAt: at(2_000) }), newJob({ runAt: at(9_000) })],
        now: T0,
      });
      expect(await store.jobPromoteDue({ now: at(500), limit: 10 })).toEqual({
        promoted: 0,
        nextRunAt: at(1_000),
      });
      const first = await store.jobPromoteDue({ now: at(2_500), limit: 1 });
      expect(first.promoted).toBe(1);
      const second = await store.jobPromoteDue({ now: at(2_500), limit: 10 });
      expect(second).toEqual({ promoted: 1, nextRunAt: at(9_000) });
      await register('w');
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: at(2_500) })).toHaveLength(2);
    });

    it('rescues the jobs of an expired worker, counting the attempt, and kills a job out of attempts', async () => {
      const [keep, last] = await store.jobInsertMany({
        jobs: [newJob(), newJob({ maxAttempts: 1 })],
        now: T0,
      });
      await register('gone', T0, 1_000);
      await register('alive', T0, 60_000);
      await claim({ queue: 'q', workerId: 'gone', limit: 2, now: T0 });
      expect(await store.jobRescueExpired({ now: at(500) })).toEqual([]);
      const rescued = await store.jobRescueExpired({ now: at(1_500) });
      expect(rescued.map((r) => [r.id, r.state, r.lostWorker]).sort()).toEqual(
        [
          [keep!.id, 'ready', 'gone'],
          [last!.id, 'dead', 'gone'],
        ].sort(),
      );
      const again = await claim({ queue: 'q', workerId: 'alive', limit: 5, now: at(1_600) });
      expect(again.map((j) => [j.id, j.attempt])).toEqual([[keep!.id, 2]]);
      expect((await store.jobGet({ id: last!.id }))?.errors[0]?.code).toBe('WORKER_LOST');
    });

    it('claims only the job names given, leaving the others ready', async () => {
      await store.jobInsertMany({
        jobs: [newJob({ name: 'x' }), newJob({ name: 'y' }), newJob({ name: 'x', tenantId: 't2' })],
        now: T0,
      });
      await register('w');
      // One group (the plain claim) and two groups (the fair claim) both filter by name.
      const single = await claim({
        queue: 'q',
        workerId: 'w',
        limit: 10,
        now: T0,
        names: ['x'],
        cursor: null,
      });
      expect(single.map((j) => [j.name, j.tenantId]).sort()).toEqual([
        ['x', null],
        ['x', 't2'],
      ]);
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: T0, names: ['x'] })).toEqual([]);
      const rest = await claim({ queue: 'q', workerId: 'w', limit: 10, now: T0, names: ['x', 'y'] });
      expect(rest.map((j) => [j.name, j.attempt])).toEqual([['y', 1]]);
    });

    it('charges at a rescue only the claimed jobs the worker declared started', async () => {
      const jobs = await store.jobInsertMany({ jobs: Array.from({ length: 5 }, () => newJob()), now: T0 });
      await register('gone', T0, 1_000);
      const claimed = await claim({
        queue: 'q',
        workerId: 'gone',
        limit: 5,
        now: T0,
        seqBase: 100,
        startNow: 2,
      });
      expect(claimed.map((j) => j.leaseSeq)).toEqual([null, null, 103, 104, 105]);
      expect(await store.workerDeclareStarted({ id: 'gone', startedSeq: 103 })).toBe(true);
      expect(await store.workerDeclareStarted({ id: 'gone', startedSeq: 101 })).toBe(true); // never lowers it
      expect(await store.workerDeclareStarted({ id: 'nobody', startedSeq: 1 })).toBe(false);
      const rescued = await store.jobRescueExpired({ now: at(1_500) });
      const ids = jobs.map((j) => j.id);
      const byId = new Map(rescued.map((r) => [r.id, [r.charged, r.state, r.attempt]]));
      expect(ids.map((id) => byId.get(id))).toEqual(ids.map((_, i) => [i < 3, 'ready', i < 3 ? 1 : 0]));
      for (const [i, id] of ids.entries()) {
        const job = await store.jobGet({ id });
        expect(job?.errors.map((e) => e.code)).toEqual(i < 3 ? ['WORKER_LOST'] : []);
        expect(job?.startedAt === null).toBe(i >= 3);
      }
      const stalled = await store.analyticsRecentFailures({ since: T0, until: at(2_000), limit: 10 });
      expect(stalled.map((r) => [r.jobId, r.status]).sort()).toEqual(
        ids
          .slice(0, 3)
          .map((id) => [id, 'stalled'])
          .sort(),
      );
    });

    it('holds a rate limit in every sliding window, and tells when it frees', async () => {
      await store.queueUpsert({ name: 'q', change: { rateLimit: 3, rateIntervalMs: 1_000 }, now: T0 });
      await store.jobInsertMany({ jobs: Array.from({ length: 10 }, () => newJob()), now: T0 });
      await register('w');
      expect(await store.queueRateFreeAt({ queue: 'q', now: at(900) })).toBeNull();
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: at(990) })).toHaveLength(3);
      // A window aligned to the clock would open at 1,000 and allow 3 more: 6 within 20 ms.
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: at(1_010) })).toHaveLength(0);
      const freeAt = (await store.queueRateFreeAt({ queue: 'q', now: at(1_010) }))!.getTime();
      expect(freeAt).toBeGreaterThanOrEqual(at(1_990).getTime());
      expect(freeAt).toBeLessThan(at(2_006).getTime()); // rounded up by at most 1,000/64 ms
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: at(1_989) })).toHaveLength(0);
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: at(2_006) })).toHaveLength(3);
    });

    it('holds a group rate limit in every sliding window, per group', async () => {
      await store.queueUpsert({
        name: 'q',
        change: { groupRateLimit: 2, groupRateIntervalMs: 1_000 },
        now: T0,
      });
      await store.jobInsertMany({
        jobs: ['a', 'b'].flatMap((tenantId) =>
          Array.from({ length: 5 }, () => newJob({ tenantId, groupKey: tenantId })),
        ),
        now: T0,
      });
      await register('w');
      const first = await claim({ queue: 'q', workerId: 'w', limit: 10, now: at(990) });
      expect(first.map((j) => j.groupKey).sort()).toEqual(['a', 'a', 'b', 'b']);
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: at(1_010) })).toHaveLength(0);
      expect((await store.queueRateFreeAt({ queue: 'q', now: at(1_010) }))!.getTime()).toBeLessThan(
        at(2_006).getTime(),
      );
      expect(await claim({ queue: 'q', workerId: 'w', limit: 10, now: at(2_006) })).toHaveLength(4);
    });

    it('keeps a worker alive while it beats, and returns unstarted jobs without counting the attempt', async () => {
      const [job] = await store.jobInsertMany({ jobs: [newJob()], now: T0 });
      await register('w', T0, 1_000);
      await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      expect(await store.workerHeartbeat({ id: 'w', now: at(900), leaseMs: 1_000 })).toEqual({
        alive: true,
        cancelledIds: [],
        heldIds: [job!.id],
      });
      expect(await store.jobRescueExpired({ now: at(1_500) })).toEqual([]);
      expect(await store.jobReturnMany({ ids: [job!.id], workerId: 'w' })).toEqual([job!.id]);
      const back = await store.jobGet({ id: job!.id });
      expect(back).toMatchObject({ state: 'ready', attempt: 0 });
      await store.workerRemove({ id: 'w' });
      expect((await store.workerHeartbeat({ id: 'w', now: at(2_000), leaseMs: 1_000 })).alive).toBe(false);
    });

    it('cancels queued and running jobs; the owner learns of it on its heartbeat', async () => {
      const [queued, running] = await store.jobInsertMany({
        jobs: [newJob({ priority: 9 }), newJob({ uniqueKey: 'c' })],
        now: T0,
      });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      const info = (id: string, attempt: number, priority: number, claimedAt: Date | null) => ({
        id,
        name: 'job',
        queue: 'q',
        attempt,
        maxAttempts: 3,
        priority,
        tenantId: null,
        groupKey: null,
        metadata: null,
        createdAt: T0,
        claimedAt,
      });
      expect(await store.jobCancel({ id: queued!.id, now: T0 })).toEqual({
        previousState: 'ready',
        job: info(queued!.id, 0, 9, null),
      });
      expect(await store.jobCancel({ id: running!.id, now: T0 })).toEqual({
        previousState: 'active',
        job: info(running!.id, 1, 0, T0),
      });
      expect(await store.jobCancel({ id: running!.id, now: T0 })).toBeNull();
      const beat = await store.workerHeartbeat({ id: 'w', now: T0, leaseMs: 10_000 });
      expect(beat.cancelledIds).toEqual([running!.id]);
      expect((await store.workerHeartbeat({ id: 'w', now: T0, leaseMs: 10_000 })).cancelledIds).toEqual([]);
      expect(
        await store.jobCompleteMany({
          items: [{ id: running!.id, result: null, startedAt: T0, finishedAt: T0 }],
          workerId: 'w',
        }),
      ).toEqual({ completed: [], rejected: [] });
      const [reused] = await store.jobInsertMany({ jobs: [newJob({ uniqueKey: 'c' })], now: T0 });
      expect(reused!.created).toBe(true);
    });

    it('replays dead jobs with fresh attempts and keeps their errors', async () => {
      const [job] = await store.jobInsertMany({ jobs: [newJob({ maxAttempts: 1 })], now: T0 });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      await store.jobFailMany({
        items: [
          {
            id: job!.id,
            error: { attempt: 1, message: 'boom', at: T0.toISOString() },
            retryAt: null,
            startedAt: T0,
            finishedAt: T0,
          },
        ],
        workerId: 'w',
        now: T0,
      });
      expect(await store.jobReplay({ filter: { queue: 'q' }, now: at(10) })).toEqual([job!.id]);
      const replayed = await store.jobGet({ id: job!.id });
      expect(replayed).toMatchObject({ state: 'ready', attempt: 0 });
      expect(replayed?.errors).toHaveLength(1);
      expect(await store.jobReplay({ filter: {}, now: at(10) })).toEqual([]);
    });

    it('counts jobs by queue and state, including retained completed runs', async () => {
      await store.jobInsertMany({
        jobs: [newJob(), newJob(), newJob({ queue: 'b', runAt: at(1_000) })],
        now: T0,
      });
      await register('w');
      const [claimed] = await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      await store.jobCompleteMany({
        items: [{ id: claimed!.id, result: null, startedAt: T0, finishedAt: T0 }],
        workerId: 'w',
      });
      const counts = await store.jobCountByState({});
      expect(counts).toEqual([
        { queue: 'b', state: 'scheduled', count: 1 },
        { queue: 'q', state: 'completed', count: 1 },
        { queue: 'q', state: 'ready', count: 1 },
      ]);
    });

    it('prunes completed runs and dead jobs by count and by age, in batches', async () => {
      const jobs = await store.jobInsertMany({
        jobs: Array.from({ length: 6 }, () => newJob({ maxAttempts: 1 })),
        now: T0,
      });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 6, now: T0 });
      await store.jobCompleteMany({
        items: jobs
          .slice(0, 3)
          .map((j, i) => ({ id: j.id, result: null, startedAt: at(i), finishedAt: at(i * 1_000) })),
        workerId: 'w',
      });
      await store.jobFailMany({
        items: jobs.slice(3).map((j, i) => ({
          id: j.id,
          error: { attempt: 1, message: 'x', at: T0.toISOString() },
          retryAt: null,
          startedAt: T0,
          finishedAt: at(i * 1_000),
        })),
        workerId: 'w',
        now: T0,
      });
      const keepTwo = {
        queue: 'q',
        keepCount: 2,
        finishedBefore: null,
        limit: 100,
        statuses: ['completed' as const],
        keepFrom: null,
      };
      // Rows finished at or after keepFrom are neither deleted nor counted: of the two before it,
      // the newest stays; the age rule stops there too.
      expect(await store.runPrune({ ...keepTwo, keepCount: 1, keepFrom: at(2_000) })).toBe(1);
      expect(
        await store.runPrune({ ...keepTwo, keepCount: 0, finishedBefore: at(5_000), keepFrom: at(1_000) }),
      ).toBe(0);
      expect(await store.runPrune(keepTwo)).toBe(0);
      expect(await store.jobGet({ id: jobs[0]!.id })).toBeNull();
      expect((await store.jobGet({ id: jobs[2]!.id }))?.state).toBe('completed');
      const byAge = { queue: 'q', keepCount: null, finishedBefore: at(1_500), limit: 1 };
      expect(await store.jobPruneFinished(byAge)).toBe(1);
      expect(await store.jobPruneFinished(byAge)).toBe(1);
      expect(await store.jobPruneFinished(byAge)).toBe(0);
      expect((await store.jobGet({ id: jobs[5]!.id }))?.state).toBe('dead');
      const deadRuns = {
        queue: 'q',
        keepCount: 1,
        finishedBefore: null,
        limit: 100,
        statuses: ['dead' as const],
        keepFrom: null,
      };
      expect(await store.runPrune(deadRuns)).toBe(2);
      expect(
        await store.jobPruneFinished({ queue: 'other', keepCount: 0, finishedBefore: null, limit: 10 }),
      ).toBe(0);
    });

    it('records progress only for active jobs', async () => {
      const [job] = await store.jobInsertMany({ jobs: [newJob()], now: T0 });
      expect(await store.jobProgressSet({ id: job!.id, progress: 10 })).toBe(false);
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      expect(await store.jobProgressSet({ id: job!.id, progress: { pct: 50 } })).toBe(true);
      expect((await store.jobGet({ id: job!.id }))?.progress).toEqual({ pct: 50 });
    });

    it('wakes listeners when jobs become ready, and tells owners of cancellations', async () => {
      const ready: string[] = [];
      const cancelled: string[] = [];
      let signal: () => void = () => {};
      const arrived = new Promise<void>((resolve) => {
        signal = resolve;
      });
      const unlisten = await store.listen({
        channels: {
          ready: (queue) => {
            ready.push(queue);
            if (cancelled.length > 0) signal();
          },
          cancel: (id) => {
            cancelled.push(id);
            if (ready.length > 0) signal();
          },
        },
        reconnected: () => {},
      });
      await store.jobInsertMany({
        jobs: [
          newJob({ queue: 'wake' }),
          newJob({ queue: 'wake' }),
          newJob({ queue: 'later', runAt: at(1_000) }),
        ],
        now: T0,
      });
      const [job] = await store.jobInsertMany({ jobs: [newJob()], now: T0 });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      await store.jobCancel({ id: job!.id, now: T0 });
      await arrived;
      await unlisten();
      expect(ready).toContain('wake');
      expect(ready).not.toContain('later');
      expect(cancelled).toEqual([job!.id]);
    });

    it('treats malformed ids as unknown', async () => {
      expect(await store.jobGet({ id: 'nope' })).toBeNull();
      expect(await store.jobCancel({ id: '1; drop table', now: T0 })).toBeNull();
    });

    // Batch isolation (issue 12): bad values fed straight to the store, past the engine's checks.
    it('completes the good items of a batch and reports each item the database refuses', async () => {
      const jobs = await store.jobInsertMany({ jobs: Array.from({ length: 7 }, () => newJob()), now: T0 });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 7, now: T0 });
      const results: unknown[] = [1, 'nul \u0000', { ok: true }, { lone: '\ud800' }, [2], { big: 3n }, null];
      const bad = [1, 3, 5];
      const outcome = await store.jobCompleteMany({
        items: jobs.map((job, n) => ({ id: job.id, result: results[n], startedAt: T0, finishedAt: at(1) })),
        workerId: 'w',
      });
      const ids = (ns: number[]) => ns.map((n) => jobs[n]!.id);
      expect([...outcome.completed].sort()).toEqual(ids([0, 2, 4, 6]).sort());
      expect(outcome.rejected.map((r) => [r.id, r.error.code, r.error.sqlState])).toEqual([
        [jobs[1]!.id, 'DATABASE_REJECTED', '22P05'],
        [jobs[3]!.id, 'DATABASE_REJECTED', '22P02'],
        [jobs[5]!.id, 'DATABASE_REJECTED', null],
      ]);
      // A plain copy of what the driver said, never the driver's own error object.
      expect(outcome.rejected.map((r) => (r.error.cause as object).constructor)).toEqual([
        Error,
        Error,
        Error,
      ]);
      for (const id of ids(bad)) expect((await store.jobGet({ id }))?.state).toBe('active');
      expect((await store.jobGet({ id: jobs[2]!.id }))?.result).toEqual({ ok: true });
    });

    it('fails the good items of a batch and reports each item the database refuses', async () => {
      const jobs = await store.jobInsertMany({ jobs: Array.from({ length: 4 }, () => newJob()), now: T0 });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 4, now: T0 });
      const error = (message: string) => ({ attempt: 1, message, at: T0.toISOString() });
      const outcome = await store.jobFailMany({
        items: [
          { id: jobs[0]!.id, error: error('ok'), retryAt: at(60_000), startedAt: T0, finishedAt: T0 },
          { id: jobs[1]!.id, error: error('nul \u0000'), retryAt: null, startedAt: T0, finishedAt: T0 },
          { id: jobs[2]!.id, error: error('ok'), retryAt: null, startedAt: T0, finishedAt: T0 },
          {
            id: jobs[3]!.id,
            error: error('ok'),
            retryAt: new Date(Number.NaN),
            startedAt: T0,
            finishedAt: T0,
          },
        ],
        workerId: 'w',
        now: T0,
      });
      expect(outcome.failed).toEqual([
        { id: jobs[0]!.id, state: 'scheduled' },
        { id: jobs[2]!.id, state: 'dead' },
      ]);
      expect(outcome.rejected.map((r) => [r.id, r.error.code, r.error.sqlState])).toEqual([
        [jobs[1]!.id, 'DATABASE_REJECTED', '22P05'],
        [jobs[3]!.id, 'DATABASE_REJECTED', null],
      ]);
      expect(await store.jobGet({ id: jobs[1]!.id })).toMatchObject({ state: 'active', errors: [] });
      expect((await store.jobGet({ id: jobs[3]!.id }))?.state).toBe('active');
    });

    it('refuses an insert batch holding a value it cannot store, whole and with a typed error', async () => {
      const refused = (jobs: NewJob[]) =>
        store.jobInsertMany({ jobs, now: T0 }).then(
          () => null,
          (error: { code?: string; sqlState?: string | null }) => [error.code, error.sqlState],
        );
      expect(await refused([newJob(), newJob({ payload: { s: '\u0000' } })])).toEqual([
        'DATABASE_REJECTED',
        '22P05',
      ]);
      expect(await refused([newJob({ tenantId: 't\u0000' })])).toEqual(['DATABASE_REJECTED', '22P05']);
      expect(await refused([newJob({ metadata: { m: '\udc00' } })])).toEqual(['DATABASE_REJECTED', '22P02']);
      expect(await refused([newJob({ priority: 1e12 })])).toEqual(['DATABASE_REJECTED', '22003']);
      expect(await refused([newJob({ payload: { n: 1n } })])).toEqual(['DATABASE_REJECTED', null]);
      expect(await store.jobCountByState({})).toEqual([]);
    });

    it('refuses progress it cannot store with a typed error and keeps the last one', async () => {
      const [job] = await store.jobInsertMany({ jobs: [newJob()], now: T0 });
      await register('w');
      await claim({ queue: 'q', workerId: 'w', limit: 1, now: T0 });
      expect(await store.jobProgressSet({ id: job!.id, progress: { pct: 5 } })).toBe(true);
      await expect(store.jobProgressSet({ id: job!.id, progress: { note: '\u0000' } })).rejects.toMatchObject(
        {
          code: 'DATABASE_REJECTED',
          sqlState: '22P05',
        },
      );
      expect((await store.jobGet({ id: job!.id }))?.progress).toEqual({ pct: 5 });
    });
  });
}
