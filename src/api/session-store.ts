/**
 * Dashboard sessions: a browser logs in once with an API key (or a one-time login code) and then
 * carries a random session id in an HttpOnly cookie instead of the key.
 *
 * Design note. Sessions live in memory, per handler (one server process): a restart logs everyone
 * out, and behind a load balancer the session must stick to its process (or log in per process).
 * That is the price of keeping no session table; it is written in docs/dashboard.md.
 * - The id is 32 random bytes (base64url); the map is keyed by its SHA-256, so a heap dump holds
 *   no usable cookie value. A session has an absolute expiry (default 12 h) and an idle expiry
 *   (default 1 h), and at most `maxSessions` live at once (the oldest is dropped first).
 * - Each session has its own CSRF token (another 32 random bytes), returned to the page at login
 *   and from `GET /session`; a mutating request authenticated by the cookie must echo it in
 *   `X-CSRF-Token` (compared in constant time).
 * - A session keeps the credential it came from: the API key or JWT is verified again on each
 *   request, so revoking the key (or the JWT expiring) ends its sessions at once. A session from a
 *   one-time code holds only its principal.
 * - One-time login codes (the demo's login link) are single use and expire (default 15 min).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiRole, Principal } from './principal.ts';

export interface SessionOptions {
  /** Absolute lifetime of a session, in ms (default 12 h). */
  ttlMs?: number;
  /** A session unused this long ends, in ms (default 1 h). */
  idleMs?: number;
  /** Sessions kept at once (default 10,000; the oldest is dropped past it). */
  maxSessions?: number;
}

export interface Session {
  principal: Principal;
  /** The credential to verify again on each request; null for a session from a one-time code. */
  credential: string | null;
  csrfToken: string;
  expiresAt: number;
  lastUsedAt: number;
}

interface LoginCode {
  principal: Principal;
  expiresAt: number;
}

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url');

/** Constant-time equality of two strings (by their SHA-256, so lengths do not leak either). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest(),
  );
}

export class SessionStore {
  readonly ttlMs: number;
  readonly #idleMs: number;
  readonly #maxSessions: number;
  readonly #sessions = new Map<string, Session>();
  readonly #codes = new Map<string, LoginCode>();

  constructor(options: SessionOptions = {}) {
    this.ttlMs = options.ttlMs ?? 12 * 3_600_000;
    this.#idleMs = options.idleMs ?? 3_600_000;
    this.#maxSessions = options.maxSessions ?? 10_000;
  }

  /** Starts a session; returns its id (the cookie value) and the session. */
  create(
    principal: Principal,
    credential: string | null,
    now = Date.now(),
  ): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const session: Session = {
      principal,
      credential,
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: now + this.ttlMs,
      lastUsedAt: now,
    };
    this.#sessions.set(digest(id), session);
    if (this.#sessions.size > this.#maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    return { id, session };
  }

  /** The live session of a cookie value, or null (unknown, expired or idle too long). */
  get(id: string, now = Date.now()): Session | null {
    const key = digest(id);
    const session = this.#sessions.get(key);
    if (!session) return null;
    if (now >= session.expiresAt || now - session.lastUsedAt >= this.#idleMs) {
      this.#sessions.delete(key);
      return null;
    }
    session.lastUsedAt = now;
    return session;
  }

  delete(id: string): void {
    this.#sessions.delete(digest(id));
  }

  /**
   * A one-time login code for `role` (and `tenantId`, null: every tenant), valid once for `ttlMs`
   * (default 15 min). The demo prints it as a login link.
   */
  loginCode(role: ApiRole, tenantId: string | null = null, ttlMs = 15 * 60_000, now = Date.now()): string {
    for (const [key, code] of this.#codes) if (now >= code.expiresAt) this.#codes.delete(key);
    const code = randomBytes(24).toString('base64url');
    const principal: Principal = { id: `login-code:${digest(code).slice(0, 12)}`, role, tenantId };
    this.#codes.set(digest(code), { principal, expiresAt: now + ttlMs });
    return code;
  }

  /** Spends a one-time code: its principal, or null when unknown, used or expired. */
  redeem(code: string, now = Date.now()): Principal | null {
    const key = digest(code);
    const entry = this.#codes.get(key);
    this.#codes.delete(key);
    if (!entry || now >= entry.expiresAt) return null;
    return entry.principal;
  }
}
