/**
 * The disk holding an embedded folder fills up (a tmpfs of its own, mounted by this test; the
 * tests run as root): enqueues fail with an error naming the folder, in the process holding the
 * folder and in a client alike; nothing half-written remains; and once space is freed the same
 * processes carry on by themselves: new enqueues land, and every job already there completes.
 *
 * The fill stays within PGlite's current 16 MB WAL segment: a disk that fills while PGlite creates
 * the next segment hangs PGlite 0.5.16 in a busy loop (seen by hand). That process must be
 * killed; the next holder recovers the folder (docs/operations.md).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Conveyor, createConveyor, DatabaseTransientError, defineJob } from '../../src/index.ts';
import { EmbeddedDiskFullError } from '../../src/store/pglite/folder-errors.ts';
import { testLogger } from '../support/silent-logger.ts';
import { useFolders } from './folders.ts';

const folders = useFolders();
let mount: string | null = null;
const open: Conveyor[] = [];
afterAll(async () => {
  for (const conveyor of open) await conveyor.close().catch(() => {});
  if (mount) execFileSync('umount', ['--lazy', mount]);
});

const note = defineJob<{ text: string }>({
  name: 'note',
  queue: 'notes',
  handler: ({ payload }) => payload.text.length,
});

const freeBytes = (path: string): number => {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
};

describe('a full disk under the embedded folder', { timeout: 60_000 }, () => {
  it('fails enqueues clearly, corrupts nothing, and recovers by itself once space is freed', async () => {
    mount = join(folders.root(), 'small-disk');
    mkdirSync(mount, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mount]);
    const dir = join(mount, 'data');
    cpSync(await folders.fresh(), dir, { recursive: true });

    const holder = createConveyor({ jobs: [note], dataDir: dir, logger: testLogger });
    open.push(holder);
    const before = await Promise.all(
      Array.from({ length: 20 }, (_, n) => holder.enqueue(note, { text: `before ${n}` })),
    );
    const client = createConveyor({ jobs: [note], dataDir: dir, logger: testLogger });
    open.push(client);
    await client.ping();

    // Leave a few pages: the next table or index page the inserts need cannot be written.
    const ballast = join(mount, 'ballast');
    writeFileSync(ballast, Buffer.alloc(Math.max(0, freeBytes(mount) - 64 * 1024)));
    const text = 'x'.repeat(4_000);
    let full: unknown = null;
    const landed: string[] = [];
    for (let n = 0; n < 200 && full === null; n += 1) {
      const from = n % 2 === 0 ? holder : client;
      await from.enqueue(note, { text }).then(
        (job) => landed.push(job.id),
        (error: unknown) => {
          full = error;
        },
      );
    }
    expect(full).toBeInstanceOf(EmbeddedDiskFullError);
    expect(full).toBeInstanceOf(DatabaseTransientError); // writers retry it, as on a server
    expect((full as EmbeddedDiskFullError).reason).toBe('53100');
    expect((full as Error).message).toMatch(
      new RegExp(
        `^embedded database folder ${dir}: the disk is full \\(could not extend file .*No space left on device\\); nothing of this statement was written`,
      ),
    );
    // From the other process too, while the disk is full.
    const other = landed.length % 2 === 0 ? client : holder;
    await expect(other.enqueue(note, { text })).rejects.toThrow(/the disk is full/);

    rmSync(ballast);
    const after = await client.enqueue(note, { text: 'after' });
    const alsoAfter = await holder.enqueue(note, { text: 'after, too' });
    const all = [...before.map((j) => j.id), ...landed, after.id, alsoAfter.id];
    expect(new Set(all).size).toBe(all.length);

    const completed = new Set<string>();
    const allDone = new Promise<void>((resolve) =>
      holder.on('job:completed', ({ job }) => {
        completed.add(job.id);
        if (all.every((id) => completed.has(id))) resolve();
      }),
    );
    await holder.worker({ handleSignals: false }).start();
    await allDone;
    const stats = (await client.stats()).find((s) => s.queue === 'notes');
    // Exactly the enqueues that were acknowledged exist: the failed ones left nothing behind.
    expect(stats?.counts).toMatchObject({ ready: 0, active: 0, scheduled: 0, completed: all.length });
    await client.close();
    await holder.close();
  });
});
