import type { ContenderInfo } from './contenders/index.ts';
import { type RunOutcome, Session } from './session.ts';

/**
 * One session process per contender for the whole bench: started when first needed, reused by
 * every workload (each brings its own store), started again after one failed or was killed.
 */
export class SessionPool {
  private readonly sessions = new Map<string, Session>();

  /** The contender's live session, or why it could not start. */
  async get(c: ContenderInfo): Promise<Session | RunOutcome> {
    const current = this.sessions.get(c.key);
    if (current?.alive) return current;
    const session = new Session({ role: 'session', contender: c.key });
    this.sessions.set(c.key, session);
    const ready = await session.ready();
    return ready.ok ? session : ready;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
  }
}
