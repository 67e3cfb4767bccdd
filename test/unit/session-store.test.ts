/** Dashboard sessions in memory: absolute and idle expiry, the size bound, single-use login codes. */
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/api/session-store.ts';

const principal = { id: 'key:0123456789abcdef', role: 'operator' as const, tenantId: 'acme' };

describe('SessionStore', () => {
  it('ends a session at its absolute expiry even when used, and after the idle timeout', () => {
    const store = new SessionStore({ ttlMs: 10_000, idleMs: 4_000 });
    const { id, session } = store.create(principal, 'cvk_x', 0);
    expect(session.csrfToken).toMatch(/^[\w-]{43}$/);
    expect(id).not.toBe(session.csrfToken);
    for (const at of [3_000, 6_000, 9_000]) expect(store.get(id, at)?.principal).toEqual(principal);
    expect(store.get(id, 10_000)).toBeNull();

    const idle = store.create(principal, null, 0).id;
    expect(store.get(idle, 3_999)).not.toBeNull();
    expect(store.get(idle, 7_999)).toBeNull();
    expect(store.get('not-a-session', 0)).toBeNull();
  });

  it('keeps at most maxSessions, dropping the oldest', () => {
    const store = new SessionStore({ maxSessions: 2 });
    const ids = [0, 1, 2].map((i) => store.create(principal, null, i).id);
    expect(store.get(ids[0]!, 3)).toBeNull();
    expect(store.get(ids[1]!, 3)).not.toBeNull();
    expect(store.get(ids[2]!, 3)).not.toBeNull();
  });

  it('redeems a login code once, before it expires', () => {
    const store = new SessionStore();
    const code = store.loginCode('admin', null, 1_000, 0);
    expect(store.redeem(code, 500)).toMatchObject({ role: 'admin', tenantId: null });
    expect(store.redeem(code, 600)).toBeNull();
    const late = store.loginCode('viewer', 'acme', 1_000, 0);
    expect(store.redeem(late, 1_000)).toBeNull();
  });
});
