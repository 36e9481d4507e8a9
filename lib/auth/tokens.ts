import { createHash, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { config } from '../config';
import { unauthorized } from '../http/problem';
import { isUuid } from '../ids';
import type { AuthUser } from '../http/route';

export const ISSUER = 'paiecashfan-api';
export const AUDIENCE = 'paiecashfan-app';
export const ACCESS_TOKEN_TTL = 15 * 60;
const ALGORITHM = 'HS256';

// Imported once per secret: jose would otherwise import raw key bytes on every sign and verify.
let secret: { raw: string; key: Promise<webcrypto.CryptoKey> } | undefined;
const key = (): Promise<webcrypto.CryptoKey> => {
  const raw = config.jwtSecret();
  if (!raw || raw.length < 32) throw new Error('JWT_SECRET must be set to at least 32 characters');
  if (secret?.raw !== raw) {
    const bytes = new TextEncoder().encode(raw);
    secret = { raw, key: webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']) };
  }
  return secret.key;
};

export const signAccessToken = async (userId: string): Promise<string> =>
  new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL}s`)
    .setJti(randomUUID())
    .sign(await key());

/**
 * Accepts only our own HS256 tokens: the algorithm is pinned (so `alg: none`
 * and keys of other kinds are refused), and issuer, audience and expiry are
 * required.
 */
export const verifyAccessToken = async (token: string): Promise<AuthUser> => {
  const secretKey = await key();
  try {
    const { payload } = await jwtVerify(token, secretKey, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat'],
      // Ours live 15 minutes: a token claiming longer was not issued by this API.
      maxTokenAge: ACCESS_TOKEN_TTL + 5,
      clockTolerance: 5,
    });
    if (!isUuid(payload.sub)) throw unauthorized('The access token is invalid.');
    return { id: payload.sub };
  } catch (error) {
    if (error instanceof errors.JOSEError) {
      throw unauthorized(error instanceof errors.JWTExpired ? 'The access token has expired.' : 'The access token is invalid.');
    }
    throw error;
  }
};

/** Refresh tokens are opaque; only their SHA-256 is stored. */
export const newRefreshToken = (): { token: string; hash: Buffer } => {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
};

export const hashRefreshToken = (token: string): Buffer => createHash('sha256').update(token).digest();
