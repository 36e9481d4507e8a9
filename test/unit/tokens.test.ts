import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readAccessToken, signAccessToken } from '../../lib/auth/tokens';

/** The fan a token names, by its signature alone (whether its session was ended is lib/auth/revocation's). */
const verifyAccessToken = async (token: string) => (await readAccessToken(token)).user;

const newSecret = () => randomBytes(32).toString('base64url');

/** The deployed settings after `serverless deploy` with these values. */
const deployWith = (secret: string, previous?: string[]) => {
  vi.stubEnv('JWT_SECRET', secret);
  vi.stubEnv('JWT_PREVIOUS_SECRETS', previous === undefined ? '' : JSON.stringify(previous));
};

const refused = (token: string) => expect(verifyAccessToken(token)).rejects.toMatchObject({ status: 401, detail: 'The access token is invalid.' });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('rotating JWT_SECRET', () => {
  it('keeps tokens signed before the rotation valid while the old secret is in JWT_PREVIOUS_SECRETS, and only then', async () => {
    const [old, current] = [newSecret(), newSecret()];
    const fan = randomUUID();
    deployWith(old);
    const before = await signAccessToken(fan);

    deployWith(current, [old]);
    expect(await verifyAccessToken(before)).toEqual({ id: fan });
    const after = await signAccessToken(fan);
    expect(await verifyAccessToken(after)).toEqual({ id: fan });

    // Tokens are now signed with the new secret alone: the old one no longer verifies them.
    deployWith(old);
    await refused(after);

    // Once the previous secret is dropped (15 minutes later), what it signed is refused.
    deployWith(current);
    await refused(before);
    expect(await verifyAccessToken(after)).toEqual({ id: fan });
  });

  it('still tells an expired token from a forged one when it was signed with a previous secret', async () => {
    const [old, current] = [newSecret(), newSecret()];
    deployWith(old);
    vi.useFakeTimers({ now: Date.now() - 60 * 60 * 1000, toFake: ['Date'] });
    const stale = await signAccessToken(randomUUID());
    vi.useRealTimers();
    deployWith(current, [old]);
    await expect(verifyAccessToken(stale)).rejects.toMatchObject({ status: 401, detail: 'The access token has expired.' });
    deployWith(current, [newSecret()]);
    await refused(stale);
  });

  it.each([
    ['not JSON', 'old-secret-that-is-long-enough-0123456789'],
    ['not a list of strings', '{"secret":"old-secret-that-is-long-enough-0123456789"}'],
    ['holding a short secret', '["too-short"]'],
  ])('refuses to run with JWT_PREVIOUS_SECRETS %s', async (_, value) => {
    deployWith(newSecret());
    const token = await signAccessToken(randomUUID());
    vi.stubEnv('JWT_PREVIOUS_SECRETS', value);
    await expect(verifyAccessToken(token)).rejects.toThrow(/JWT_PREVIOUS_SECRETS/);
  });
});
