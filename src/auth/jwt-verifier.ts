/**
 * Access tokens (JWT) checked with `jose`: an HS256/384/512 shared secret, an RS/PS/ES public key
 * (PEM), or a JWKS URL (keys fetched, cached and refreshed by jose). Issuer and audience are
 * checked when configured; `exp` and `nbf` always are. The token's claims become an identity
 * `{ userId, tenantId, role }` through a configurable mapping (default `sub`, `tenantId`, `role`,
 * as the Arda gateway reads them).
 *
 * Invariant: `verify` either returns an identity with a non-empty userId and tenantId, or throws
 * an InvalidTokenError whose message is exactly `Invalid token` (the seed's wording; the reason
 * is on `reason`, for logs, and never contains the token). Unsigned tokens (`alg: none`) and
 * algorithms other than the configured key's are refused by jose before any claim is read.
 *
 * No transport here: the realtime gateway and the REST API both use it.
 */
import {
  type CryptoKey,
  createRemoteJWKSet,
  importSPKI,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { ConveyorError, ValidationError } from '../core/errors.ts';

/** Who a verified token speaks for. */
export interface TokenIdentity {
  userId: string;
  tenantId: string;
  role: string | null;
  /** When the token stops being valid (its `exp`); null when it has none. */
  expiresAt: Date | null;
}

/** Anything that turns a token into an identity (a JwtVerifier, or the application's own). */
export interface TokenVerifier {
  verify(token: string): Promise<TokenIdentity>;
}

/** Claim names to read, or a function of the verified payload. */
export type ClaimMapping =
  | { userId?: string; tenantId?: string; role?: string }
  | ((claims: JWTPayload) => { userId: unknown; tenantId: unknown; role?: unknown });

export interface JwtVerifierOptions {
  /** HS256/384/512 shared secret (at least 32 bytes). */
  secret?: string | Uint8Array;
  /** PEM (SPKI) public key for RS256/384/512, PS256/384/512 or ES256/384/512; needs `algorithms`. */
  publicKey?: string;
  /** URL of a JSON Web Key Set (the identity provider's `jwks_uri`). */
  jwksUrl?: string;
  /** Accepted algorithms (default: HS256 with a secret; RS256 with a public key or JWKS). */
  algorithms?: string[];
  issuer?: string | string[];
  audience?: string | string[];
  /** Claims → identity (default `{ userId: 'sub', tenantId: 'tenantId', role: 'role' }`). */
  claims?: ClaimMapping;
  /** Seconds of clock skew tolerated on `exp`/`nbf` (default 0). */
  clockTolerance?: number;
}

/** A token was missing, forged, expired or for someone else; the message is always `Invalid token`. */
export class InvalidTokenError extends ConveyorError {
  /** Why, for logs (never contains the token): e.g. `expired`, `signature`, `audience`, `claims`. */
  readonly reason: string;
  constructor(reason: string) {
    super('INVALID_TOKEN', 'Invalid token');
    this.reason = reason;
  }
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** jose error codes → short reasons for logs. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const claim = (error as { claim?: unknown } | null)?.claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return typeof claim === 'string' ? `claim ${claim}` : 'claims';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'unknown key';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JOSE_GENERIC':
      return 'key set unavailable';
    default:
      return 'malformed';
  }
}

function nonEmptyString(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export class JwtVerifier implements TokenVerifier {
  readonly #key: Promise<Uint8Array | CryptoKey> | JWTVerifyGetKey;
  readonly #algorithms: string[];
  readonly #options: JwtVerifierOptions;

  constructor(options: JwtVerifierOptions, field = 'auth') {
    const given = (['secret', 'publicKey', 'jwksUrl'] as const).filter((key) => options[key] !== undefined);
    if (given.length !== 1) {
      throw new ValidationError(
        field,
        `needs exactly one of secret (HS256), publicKey (PEM, RS/ES) or jwksUrl, got ${given.length === 0 ? 'none' : given.join(' and ')}`,
      );
    }
    this.#options = options;
    if (options.secret !== undefined) {
      const bytes =
        typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
      if (bytes.byteLength < 32) {
        throw new ValidationError(
          `${field}.secret`,
          `must be at least 32 bytes for HS256 (got ${bytes.byteLength}); generate one with \`openssl rand -base64 48\``,
        );
      }
      this.#algorithms = this.#checkAlgorithms(options.algorithms ?? ['HS256'], HMAC, field);
      this.#key = Promise.resolve(bytes);
    } else if (options.publicKey !== undefined) {
      if (options.algorithms?.length !== 1) {
        throw new ValidationError(
          `${field}.algorithms`,
          'a publicKey needs its one algorithm, e.g. algorithms: ["RS256"] or ["ES256"]',
        );
      }
      this.#algorithms = this.#checkAlgorithms(options.algorithms, ASYMMETRIC, field);
      const key = importSPKI(options.publicKey, this.#algorithms[0]!);
      // Reported on the first verify (a bad key fails every token); never unhandled meanwhile.
      key.catch(() => {});
      this.#key = key;
    } else {
      let url: URL;
      try {
        url = new URL(options.jwksUrl!);
      } catch {
        throw new ValidationError(
          `${field}.jwksUrl`,
          'must be an absolute URL, e.g. https://id.example.com/jwks',
        );
      }
      this.#algorithms = this.#checkAlgorithms(options.algorithms ?? ['RS256'], ASYMMETRIC, field);
      this.#key = createRemoteJWKSet(url);
    }
  }

  #checkAlgorithms(algorithms: string[], allowed: string[], field: string): string[] {
    const wrong = algorithms.filter((name) => !allowed.includes(name));
    if (algorithms.length === 0 || wrong.length > 0) {
      throw new ValidationError(
        `${field}.algorithms`,
        `${wrong.length > 0 ? `${wrong.join(', ')} cannot be used with this key` : 'is empty'}; use ${allowed.join(', ')}`,
      );
    }
    return algorithms;
  }

  async verify(token: string): Promise<TokenIdentity> {
    if (typeof token !== 'string' || token.length === 0) throw new InvalidTokenError('missing');
    let claims: JWTPayload;
    try {
      const key = this.#key;
      const options = {
        algorithms: this.#algorithms,
        ...(this.#options.issuer !== undefined ? { issuer: this.#options.issuer } : {}),
        ...(this.#options.audience !== undefined ? { audience: this.#options.audience } : {}),
        ...(this.#options.clockTolerance !== undefined
          ? { clockTolerance: this.#options.clockTolerance }
          : {}),
      };
      const result =
        typeof key === 'function'
          ? await jwtVerify(token, key, options)
          : await jwtVerify(token, await key, options);
      claims = result.payload;
    } catch (error) {
      throw new InvalidTokenError(reasonOf(error));
    }
    return this.#identity(claims);
  }

  #identity(claims: JWTPayload): TokenIdentity {
    const mapping = this.#options.claims ?? {};
    let raw: { userId: unknown; tenantId: unknown; role?: unknown };
    if (typeof mapping === 'function') {
      try {
        raw = mapping(claims);
      } catch {
        throw new InvalidTokenError('claim mapping threw');
      }
    } else {
      raw = {
        userId: claims[mapping.userId ?? 'sub'],
        tenantId: claims[mapping.tenantId ?? 'tenantId'],
        role: claims[mapping.role ?? 'role'],
      };
    }
    const userId = nonEmptyString(raw?.userId);
    const tenantId = nonEmptyString(raw?.tenantId);
    if (userId === null) throw new InvalidTokenError('no user claim');
    if (tenantId === null) throw new InvalidTokenError('no tenant claim');
    return {
      userId,
      tenantId,
      role: nonEmptyString(raw.role),
      expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null,
    };
  }
}

/** A verifier from options, or the application's own verifier as it is. */
export function tokenVerifier(auth: JwtVerifierOptions | TokenVerifier, field = 'auth'): TokenVerifier {
  if (typeof (auth as TokenVerifier).verify === 'function') return auth as TokenVerifier;
  return new JwtVerifier(auth as JwtVerifierOptions, field);
}
