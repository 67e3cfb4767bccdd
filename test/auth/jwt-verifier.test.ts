/**
 * The JWT verifier on its own (no socket): HS256 secrets, RS256 and ES256 public keys, a JWKS URL
 * served by a local HTTP server, issuer and audience checks, the claim mapping, and option errors
 * that name the field. Every refusal is an InvalidTokenError with the message `Invalid token`.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidTokenError, JwtVerifier } from '../../src/auth/jwt-verifier.ts';
import { ValidationError } from '../../src/core/errors.ts';

const SECRET = 'a-test-secret-of-at-least-32-bytes-for-hs256';
const CLAIMS = { sub: 'u1', tenantId: 't1', role: 'admin' };

async function refusalOf(promise: Promise<unknown>): Promise<{ message: string; reason: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the token to be refused');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return { message: (error as InvalidTokenError).message, reason: (error as InvalidTokenError).reason };
}

describe('JwtVerifier', () => {
  let jwks: Server;
  let jwksUrl: string;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = createServer((_, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys }));
    });
    jwks.listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    jwks?.closeAllConnections();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('verifies an HS256 token and maps sub, tenantId and role', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = await new SignJWT(CLAIMS)
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(exp)
      .setAudience('web')
      .setIssuer('https://id')
      .sign(new TextEncoder().encode(SECRET));
    const verifier = new JwtVerifier({ secret: SECRET, audience: 'web', issuer: 'https://id' });
    expect(await verifier.verify(token)).toEqual({
      userId: 'u1',
      tenantId: 't1',
      role: 'admin',
      expiresAt: new Date(exp * 1000),
    });
    expect(await refusalOf(new JwtVerifier({ secret: SECRET, audience: 'api' }).verify(token))).toEqual({
      message: 'Invalid token',
      reason: 'claim aud',
    });
    expect(
      await refusalOf(new JwtVerifier({ secret: SECRET, issuer: 'https://other' }).verify(token)),
    ).toEqual({
      message: 'Invalid token',
      reason: 'claim iss',
    });
  });

  it('verifies RS256 and ES256 tokens with a PEM public key, refusing the other algorithm', async () => {
    const rsToken = await new SignJWT(CLAIMS).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    const esToken = await new SignJWT(CLAIMS).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey);
    const rs = new JwtVerifier({ publicKey: await exportSPKI(rsa.publicKey), algorithms: ['RS256'] });
    const es = new JwtVerifier({ publicKey: await exportSPKI(ec.publicKey), algorithms: ['ES256'] });
    expect((await rs.verify(rsToken)).tenantId).toBe('t1');
    expect((await es.verify(esToken)).userId).toBe('u1');
    expect((await refusalOf(rs.verify(esToken))).reason).toBe('algorithm');
    // An HS256 token "signed" with the RSA public key as its secret (the classic confusion attack).
    const confused = await new SignJWT(CLAIMS)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(await exportSPKI(rsa.publicKey)));
    expect((await refusalOf(rs.verify(confused))).message).toBe('Invalid token');
  });

  it('verifies with keys from a JWKS URL, by kid', async () => {
    const verifier = new JwtVerifier({ jwksUrl, algorithms: ['RS256', 'ES256'] });
    const rsToken = await new SignJWT(CLAIMS)
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .sign(rsa.privateKey);
    const esToken = await new SignJWT(CLAIMS)
      .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
      .sign(ec.privateKey);
    expect((await verifier.verify(rsToken)).userId).toBe('u1');
    expect((await verifier.verify(esToken)).userId).toBe('u1');
    const other = await generateKeyPair('RS256');
    const unknownKey = await new SignJWT(CLAIMS)
      .setProtectedHeader({ alg: 'RS256', kid: 'nope' })
      .sign(other.privateKey);
    expect(await refusalOf(verifier.verify(unknownKey))).toEqual({
      message: 'Invalid token',
      reason: 'unknown key',
    });
  });

  it('maps claims by name or by function, and refuses a token without user or tenant', async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    const named = new JwtVerifier({ secret: SECRET, claims: { userId: 'uid', tenantId: 'org', role: 'r' } });
    expect(await named.verify(await sign({ uid: 'u9', org: 'o9', r: 'viewer' }))).toMatchObject({
      userId: 'u9',
      tenantId: 'o9',
      role: 'viewer',
      expiresAt: null,
    });
    const computed = new JwtVerifier({
      secret: SECRET,
      claims: (claims) => ({ userId: claims.sub, tenantId: (claims.app as { tenant: string }).tenant }),
    });
    expect(await computed.verify(await sign({ sub: 'u1', app: { tenant: 'x' } }))).toMatchObject({
      tenantId: 'x',
      role: null,
    });
    expect((await refusalOf(computed.verify(await sign({ sub: 'u1' })))).reason).toBe('claim mapping threw');
    const plain = new JwtVerifier({ secret: SECRET });
    expect((await refusalOf(plain.verify(await sign({ sub: 'u1' })))).reason).toBe('no tenant claim');
    expect((await refusalOf(plain.verify(await sign({ tenantId: 't1' })))).reason).toBe('no user claim');
    expect((await refusalOf(plain.verify(''))).reason).toBe('missing');
  });

  it('refuses bad options with an error naming the field and the fix', () => {
    const fieldOf = (make: () => unknown): string => {
      try {
        make();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).field;
      }
      throw new Error('expected a ValidationError');
    };
    expect(fieldOf(() => new JwtVerifier({}))).toBe('auth');
    expect(fieldOf(() => new JwtVerifier({ secret: SECRET, jwksUrl: 'https://x' }))).toBe('auth');
    expect(fieldOf(() => new JwtVerifier({ secret: 'short' }))).toBe('auth.secret');
    expect(fieldOf(() => new JwtVerifier({ secret: SECRET, algorithms: ['RS256'] }))).toBe('auth.algorithms');
    expect(fieldOf(() => new JwtVerifier({ publicKey: 'PEM' }))).toBe('auth.algorithms');
    expect(fieldOf(() => new JwtVerifier({ jwksUrl: 'not a url' }))).toBe('auth.jwksUrl');
    expect(() => new JwtVerifier({ secret: 'short' })).toThrow(/openssl rand/);
  });
});
