import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createConveyor,
  defineJob,
  PayloadTooLargeError,
  UnknownJobError,
  ValidationError,
} from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
const digest = defineJob({
  name: 'notification-digest',
  queue: 'emails',
  schema: z.object({ userId: z.string().uuid() }),
  handler: async () => null,
});
const stranger = defineJob({ name: 'stranger', handler: async () => null });
const blob = defineJob<{ data: string }>({ name: 'blob', handler: async () => null });
const userId = '7f1c0b7e-8a3e-4c53-9f0e-6f3b3f1c2d4e';

async function jobCount(): Promise<number> {
  const [row] = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM bad.jobs');
  return row?.n ?? -1;
}

describe('bad input is rejected with a clear error and writes nothing', () => {
  it('rejects each kind of bad enqueue', async () => {
    const conveyor = db.open({ jobs: [digest, blob], schema: 'bad', maxPayloadBytes: 200 });
    await conveyor.migrate();

    await expect(conveyor.enqueue(stranger, {})).rejects.toThrow(UnknownJobError);
    await expect(conveyor.enqueueByName('nope', {})).rejects.toThrow(
      /job "nope" is not registered; known jobs: notification-digest, blob/,
    );
    await expect(conveyor.enqueue(digest, { userId: 'x' })).rejects.toMatchObject({
      field: 'payload.userId',
      code: 'VALIDATION',
    });
    await expect(conveyor.enqueue(digest, {} as never)).rejects.toThrow(/^payload\.userId/);
    await expect(conveyor.enqueue(blob, { data: 'x'.repeat(500) })).rejects.toThrow(PayloadTooLargeError);
    await expect(conveyor.enqueue(digest, { userId }, { delay: 'tomorrow' })).rejects.toThrow(
      /options\.delay/,
    );
    await expect(conveyor.enqueue(digest, { userId }, { priority: 'high' as never })).rejects.toThrow(
      /options\.priority/,
    );
    await expect(conveyor.enqueue(digest, { userId }, { attempts: -1 })).rejects.toThrow(/options\.attempts/);
    await expect(conveyor.enqueue(digest, { userId }, { tenant: 't' } as never)).rejects.toThrow(
      ValidationError,
    );
    await expect(
      conveyor.enqueueMany(digest, [{ payload: { userId } }, { payload: { userId: 'nope' } }]),
    ).rejects.toThrow(/^items\[1\]\.payload\.userId/);
    await expect(
      conveyor.enqueueMany(digest, [
        { payload: { userId }, options: { uniqueKey: 'k' } },
        { payload: { userId }, options: { uniqueKey: 'k' } },
      ]),
    ).rejects.toThrow(/items\[1\]\.options\.uniqueKey/);
    expect(await jobCount()).toBe(0);

    await conveyor.enqueue(digest, { userId });
    expect(await jobCount()).toBe(1);
  });

  it('rejects bad configuration and worker options by field', async () => {
    expect(() => createConveyor({ jobs: [digest, digest] })).toThrow(
      /jobs\[1\]\.name: "notification-digest" is registered twice/,
    );
    expect(() => createConveyor({ jobs: [digest], lease: '1x' })).toThrow(/^lease: /);
    expect(() => createConveyor({ jobs: [digest], schema: 'Bad-Schema', databaseUrl: db.url })).toThrow(
      /schema/,
    );
    expect(() =>
      createConveyor({ jobs: [digest], queues: { emails: { retention: { completed: { count: -1 } } } } }),
    ).toThrow(/queues\.emails\.retention\.completed\.count/);
    const conveyor = db.open({ jobs: [digest], schema: 'bad' });
    expect(() => conveyor.worker({ concurrency: 0 })).toThrow(/worker\.concurrency/);
    expect(() => conveyor.worker({ queues: [] })).toThrow(/worker\.queues/);
  });

  it('reports an unreachable database with the target and no password', async () => {
    const conveyor = createConveyor({
      jobs: [digest],
      databaseUrl: 'postgres://root:s3cret@127.0.0.1:1/nowhere',
      migrate: 'verify',
    });
    const failure = conveyor.ping().then(
      () => null,
      (error: unknown) => error,
    );
    const error = (await failure) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(String(error.message)).not.toContain('s3cret');
    await conveyor.close();
  });
});
