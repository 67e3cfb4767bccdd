/** Access tokens for the tests, signed with jose as an identity provider would. */
import { SignJWT } from 'jose';

export const SECRET = 'a-test-secret-of-at-least-32-bytes-for-hs256';
export const AUDIENCE = 'conveyor-test';
export const ISSUER = 'https://id.test';

export interface TokenClaims {
  sub?: string;
  tenantId?: string;
  role?: string;
}

/** An HS256 token; `expiresIn` as jose takes it ('1h', '2s') or an absolute `exp` in seconds. */
export async function signToken(
  claims: TokenClaims,
  options: { secret?: string; audience?: string; issuer?: string; exp?: number | string } = {},
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setExpirationTime(options.exp ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** An unsecured JWT (`alg: none`) with the given claims, as an attacker would forge it. */
export function unsignedToken(claims: TokenClaims): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...claims, iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600 })}.`;
}
