/**
 * Embedded data folders for a test file: `fresh()` copies an empty, migrated folder made once per
 * file (PGlite's initdb takes seconds; a copy, milliseconds). Every folder is removed after the file.
 * DATABASE_URL is removed from this process's environment (and so from its children's).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createConveyor } from '../../src/index.ts';
import { testLogger } from '../support/silent-logger.ts';

export function useFolders(): { fresh(): Promise<string>; root(): string } {
  // The embedded database is what these tests are about: never fall back to a server.
  delete process.env.DATABASE_URL;
  let root: string | null = null;
  let template: Promise<string> | null = null;
  let count = 0;
  const base = (): string => {
    root ??= mkdtempSync(join(tmpdir(), 'conveyor-embedded-'));
    return root;
  };
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return {
    root: base,
    async fresh() {
      template ??= (async () => {
        const dir = join(base(), 'template');
        const conveyor = createConveyor({ jobs: [], dataDir: dir, logger: testLogger });
        await conveyor.migrate();
        await conveyor.close();
        return dir;
      })();
      const dir = join(base(), `folder-${++count}`);
      cpSync(await template, dir, { recursive: true });
      return dir;
    },
  };
}
