import { createHash, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { config } from '../config';
import { unauthorized } from '../http/problem';
import { isUuid } from '../ids';
import type { AuthUser } from '../http/route';

export const ISSUER = 'paiecashfan-api';
export const AUDIENCE = 'paiecashfan-app';
export const ACCESS_TOKEN_TTL = 15 * 60;
const ALGORITHM = 'HS256';

// Imported once per secret: jose would otherwise import raw key bytes on every sign and verify.
const imported = new Map<string, Promise<webcrypto.CryptoKey>>();
const importSecret = (raw: string, name: string): Promise<webcrypto.CryptoKey> => {
  if (raw.length < 32) throw new Error(`${name} must be at least 32 characters`);
  let key = imported.get(raw);
  if (!key) {
    key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(raw), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    imported.set(raw, key);
  }
  return key;
};

const signingKey = (): Promise<webcrypto.CryptoKey> => importSecret(config.jwtSecret() ?? '', 'JWT_SECRET');

/**
 * The signing key, then those of JWT_PREVIOUS_SECRETS: after a rotation the
 * tokens signed before it stay valid for the rest of their 15 minutes, so
 * nobody is signed out.
 */
const verifyingKeys = (): Promise<webcrypto.CryptoKey>[] => {
  let previous: unknown;
  try {
    previous = JSON.parse(config.jwtPreviousSecrets() ?? '[]');
  } catch {
    // Reported below, naming the setting rather than the JSON parser's complaint.
  }
  if (!Array.isArray(previous) || !previous.every((s) => typeof s === 'string')) {
    throw new Error('JWT_PREVIOUS_SECRETS must be a JSON array of secrets');
  }
  return [signingKey(), ...previous.map((raw) => importSecret(raw, 'each of JWT_PREVIOUS_SECRETS'))];
};

/** `sessionId` (the `sid` claim) names the session, so that ending it voids the token at once (./revocation). */
export const signAccessToken = async (userId: string, sessionId?: string): Promise<string> =>
  new SignJWT(sessionId ? { sid: sessionId } : {})
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL}s`)
    .setJti(randomUUID())
    .sign(await signingKey());

const VERIFY_OPTIONS: JWTVerifyOptions = {
  algorithms: [ALGORITHM],
  issuer: ISSUER,
  audience: AUDIENCE,
  requiredClaims: ['sub', 'exp', 'iat'],
  // Ours live 15 minutes: a token claiming longer was not issued by this API.
  maxTokenAge: ACCESS_TOKEN_TTL + 5,
  clockTolerance: 5,
};

/** Only a signature that another key made moves on to the next key; any other fault is the token's. */
const verifyWithAny = async (token: string, [key, ...others]: Promise<webcrypto.CryptoKey>[], options = VERIFY_OPTIONS): Promise<JWTPayload> => {
  try {
    return (await jwtVerify(token, await key!, options)).payload;
  } catch (error) {
    if (others.length > 0 && error instanceof errors.JWSSignatureVerificationFailed) return verifyWithAny(token, others, options);
    throw error;
  }
};

/** A verified access token: whose, of which session, issued and expiring when (seconds since the epoch for `issuedAt`). */
export type AccessToken = { user: AuthUser; issuedAt: number; expiresAt: Date };

/**
 * Accepts only our own HS256 tokens: the algorithm is pinned (so `alg: none`
 * and keys of other kinds are refused), and issuer, audience and expiry are
 * required. Says nothing of whether its session has been ended since: see
 * `readLiveAccessToken` (./revocation).
 */
export const readAccessToken = async (token: string): Promise<AccessToken> => {
  const keys = verifyingKeys();
  try {
    const payload = await verifyWithAny(token, keys);
    if (!isUuid(payload.sub)) throw unauthorized('The access token is invalid.');
    // Tokens issued before sessions could be ended carry no `sid`.
    if (payload.sid !== undefined && !isUuid(payload.sid)) throw unauthorized('The access token is invalid.');
    const user: AuthUser = payload.sid === undefined ? { id: payload.sub } : { id: payload.sub, sessionId: payload.sid };
    return { user, issuedAt: payload.iat!, expiresAt: new Date(payload.exp! * 1000) };
  } catch (error) {
    if (error instanceof errors.JOSEError) {
      throw unauthorized(error instanceof errors.JWTExpired ? 'The access token has expired.' : 'The access token is invalid.');
    }
    throw error;
  }
};

/**
 * A short-lived grant of this API's own to a fan (a waiting room's pass):
 * HS256 with the same keys as access tokens, under an audience of its own,
 * so that neither is ever taken for the other. The same claims sign to the
 * same token, so a grant can be handed out again unchanged.
 */
export const signGrant = async (audience: string, subject: string, claims: Record<string, string>, expiresAt: Date): Promise<string> =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await signingKey());

/** A grant's claims, or undefined for one that is not ours, for `audience`, or still valid. */
export const readGrant = async (audience: string, token: string): Promise<JWTPayload | undefined> => {
  try {
    return await verifyWithAny(token, verifyingKeys(), { algorithms: [ALGORITHM], issuer: ISSUER, audience, requiredClaims: ['sub', 'exp'], clockTolerance: 0 });
  } catch (error) {
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
};

/**
 * Refresh tokens and the single-use tokens mailed to fans (password reset)
 * are opaque: 256 random bits, of which only the SHA-256 is stored.
 */
export const newOpaqueToken = (): { token: string; hash: Buffer } => {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
};

export const hashOpaqueToken = (token: string): Buffer => createHash('sha256').update(token).digest();
