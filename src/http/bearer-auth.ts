/**
 * Shared secrets over HTTP: `Authorization: Bearer <secret>`, checked in constant time.
 *
 * Both sides are hashed with SHA-256 to 32 bytes and compared with crypto.timingSafeEqual, so the
 * time spent depends neither on the length of the given secret nor on how many leading characters
 * match. Every configured secret (several during a rotation) is compared, without stopping at a
 * match. Secrets are checked when the handler is built: one no header can carry (a space, or a
 * character outside printable ASCII) is refused then, since every request would get 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ValidationError } from '../core/errors.ts';
import { problem, problemResponse } from './problem-response.ts';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time secret check over fixed-length digests; true if `given` equals any of `expected`. */
export function secretMatches(given: string, expected: readonly string[]): boolean {
  const givenDigest = digest(given);
  let matched = false;
  for (const secret of expected) {
    // No short-circuit: every secret is compared whatever the earlier results.
    matched = timingSafeEqual(givenDigest, digest(secret)) || matched;
  }
  return matched;
}

/** The token of an `Authorization: Bearer <token>` header ('' when absent or another scheme). */
export function bearerToken(header: string | null | undefined): string {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? '';
}

/** Printable ASCII without spaces: what a bearer token in an HTTP header carries the same way everywhere. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * The secrets of a `secret` option (one, or several during a rotation), refused unless each has at
 * least 16 characters an Authorization header can carry: a header carries bytes, so a character
 * beyond Latin-1 (`✓`) cannot be sent at all, one beyond ASCII (`é`) arrives as different
 * characters from a UTF-8 client, and a space ends the token. The error names the option and the
 * position of the character, never the secret.
 */
export function bearerSecrets(secret: string | readonly string[], option = 'secret'): string[] {
  const secrets = typeof secret === 'string' ? [secret] : [...secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 16)) {
    throw new ValidationError(option, 'needs at least 16 characters (e.g. `openssl rand -hex 32`)');
  }
  for (const [index, value] of secrets.entries()) {
    if (HEADER_SAFE.test(value)) continue;
    const position = [...value].findIndex((char) => !HEADER_SAFE.test(char));
    throw new ValidationError(
      secrets.length > 1 ? `${option}[${index}]` : option,
      `has a space or a character outside printable ASCII (character ${position + 1}), which an ` +
        'Authorization header cannot carry: every request would get 401. Use letters, digits and ' +
        'punctuation only, e.g. `openssl rand -hex 32`',
    );
  }
  return secrets;
}

/** The 401 answer: a problem with `WWW-Authenticate: Bearer`. */
export function unauthorized(): Response {
  return problemResponse(problem(401, 'UNAUTHORIZED', 'missing or wrong bearer secret'), {
    'www-authenticate': 'Bearer',
  });
}

/**
 * Middleware for a route group: requests without one of `secrets` as their bearer token get 401
 * before any handler runs. Give it the output of `bearerSecrets`.
 */
export function requireBearer(secrets: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    if (!secretMatches(bearerToken(c.req.header('authorization')), secrets)) return unauthorized();
    await next();
  };
}
