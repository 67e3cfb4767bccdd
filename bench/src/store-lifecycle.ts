import { cp } from 'node:fs/promises';
import type { ContenderInfo } from './contenders/index.ts';
import { Session } from './session.ts';
import { SIZES } from './sizes.ts';
import { databaseName, dropDatabase, flushRedis, freshDatabase, freshDir, REDIS } from './stores.ts';

const TMP = new URL('../.tmp/', import.meta.url);

/** Where one contender keeps its jobs for one workload. */
export interface StoreRef {
  pgUrl: string;
  dataDir: string;
}

const templates = new Map<string, Promise<string>>();

/**
 * An empty, migrated PGlite data dir, made once per bench process: creating one from scratch takes
 * PGlite about 3 s (initdb), copying it a few ms. Made fresh each time the bench starts, so it
 * always has the current dist/'s schema.
 */
function pgliteTemplate(info: ContenderInfo): Promise<string> {
  let made = templates.get(info.key);
  if (!made) {
    made = (async () => {
      const dir = new URL(`template-${info.key}`, TMP).pathname;
      await freshDir(dir);
      const init = new Session({
        role: 'init-store',
        contender: info.key,
        scenario: 'init-store',
        target: { pgUrl: 'postgres://unused', redis: REDIS, dataDir: dir },
        sizes: SIZES.quick, // not read by init-store
      });
      const outcome = await init.ready();
      if (!outcome.ok) throw new Error(`creating the ${info.key} template failed: ${outcome.error}`);
      await init.close();
      return dir;
    })();
    templates.set(info.key, made);
  }
  return made;
}

/** A fresh, empty store for `info` in workload `scenario` (replacing whatever a previous run left). */
export async function createStore(info: ContenderInfo, scenario: string): Promise<StoreRef> {
  const dataDir = new URL(`${info.key}-${scenario}`, TMP).pathname;
  if (info.backend === 'postgres')
    return { pgUrl: await freshDatabase(databaseName(info.key, scenario)), dataDir };
  if (info.backend === 'redis') {
    await flushRedis();
    return { pgUrl: 'postgres://unused', dataDir };
  }
  await freshDir(dataDir);
  await cp(await pgliteTemplate(info), dataDir, { recursive: true });
  return { pgUrl: 'postgres://unused', dataDir };
}

export async function removeStore(info: ContenderInfo, scenario: string): Promise<void> {
  if (info.backend === 'postgres') await dropDatabase(databaseName(info.key, scenario));
  else if (info.backend === 'redis') await flushRedis();
  else await freshDir(new URL(`${info.key}-${scenario}`, TMP).pathname);
}

/** Removes the PGlite templates this process made. */
export async function removeTemplates(): Promise<void> {
  for (const key of templates.keys()) await freshDir(new URL(`template-${key}`, TMP).pathname);
  templates.clear();
}
