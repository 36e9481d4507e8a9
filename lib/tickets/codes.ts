import { CompactSign, compactVerify, createLocalJWKSet, errors, importJWK, type CryptoKey, type JWK } from 'jose';
import { config } from '../config';
import { qrSvg } from '../qr';

/** A code is minted for a 30-second step and accepted for that step and the one before. */
export const STEP_SECONDS = 30;

/** What a ticket's code carries: ticket, event, holder and the time step (short names keep the QR small). */
export type CodeClaims = { t: string; e: string; h: string; s: number };

type Keys = { raw: string; kid: string; signing: Promise<CryptoKey>; jwks: { keys: JWK[] }; verifier: ReturnType<typeof createLocalJWKSet> };
let keys: Keys | undefined;

/**
 * The signing key (an Ed25519 private JWK with its `kid`) and the public
 * keys a gate may verify with: the current one and those of
 * TICKET_VERIFY_KEYS, so that codes signed before a rotation still verify
 * while their step lasts.
 */
const ticketKeys = (): Keys => {
  const raw = config.ticketSigningKey();
  if (!raw) throw new Error('TICKET_SIGNING_KEY must be set to an Ed25519 private JWK with a kid');
  if (keys?.raw !== raw) {
    const jwk = JSON.parse(raw) as JWK & { kid?: string };
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.kid) throw new Error('TICKET_SIGNING_KEY is not an Ed25519 private JWK with a kid');
    const { d: _secret, ...pub } = jwk;
    const older = JSON.parse(config.ticketVerifyKeys() ?? '[]') as JWK[];
    const jwks = { keys: [pub, ...older].map(({ kid, kty, crv, x }) => ({ kid, kty, crv, x, alg: 'EdDSA', use: 'sig' })) };
    // Built once per key set: every gate scan verifies with it.
    keys = { raw, kid: jwk.kid, signing: importJWK(jwk, 'EdDSA') as Promise<CryptoKey>, jwks, verifier: createLocalJWKSet(jwks) };
  }
  return keys;
};

/** The public keys as a JWKS, for gates that verify offline. */
export const publicKeys = () => ticketKeys().jwks;

const stepAt = (ms: number) => Math.floor(ms / 1000 / STEP_SECONDS);

/** The ticket's code for the current step, its QR, and when a gate stops taking it. */
export const mintCode = async (claims: Omit<CodeClaims, 's'>, now = Date.now()) => {
  const { kid, signing } = ticketKeys();
  const step = stepAt(now);
  const code = await new CompactSign(new TextEncoder().encode(JSON.stringify({ ...claims, s: step } satisfies CodeClaims)))
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .sign(await signing);
  return { code, svg: qrSvg(code), expires_at: new Date((step + 2) * STEP_SECONDS * 1000).toISOString() };
};

export type CodeCheck = { ok: true; claims: CodeClaims } | { ok: false; reason: 'invalid_signature' | 'expired_code' };

/** Checks a code's signature against the published keys, and its step against the clock. */
export const readCode = async (code: string, now = Date.now()): Promise<CodeCheck> => {
  let claims: CodeClaims;
  try {
    const { payload } = await compactVerify(code, ticketKeys().verifier, { algorithms: ['EdDSA'] });
    claims = JSON.parse(new TextDecoder().decode(payload)) as CodeClaims;
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof SyntaxError) return { ok: false, reason: 'invalid_signature' };
    throw error;
  }
  const step = stepAt(now);
  if (typeof claims.s !== 'number' || claims.s > step || claims.s < step - 1) return { ok: false, reason: 'expired_code' };
  return { ok: true, claims };
};
