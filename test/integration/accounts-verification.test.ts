/**
 * Email verification (issue 27): the link mailed on registering, read here
 * from the outbox table as a developer would; resending it; changing one's
 * email, which stays pending until the new address is verified; and mail
 * through Amazon SES, the SDK pointed at a stand-in.
 */
import { describe, expect, it, vi } from 'vitest';
import { handler as login } from '../../functions/auth/login';
import { handler as me } from '../../functions/auth/me';
import { handler as register } from '../../functions/auth/register';
import { handler as verifyEmail } from '../../functions/auth/verify-email';
import { handler as resend } from '../../functions/auth/verify-email-resend';
import { handler as updateMe } from '../../functions/users/update-me';
import { hashOpaqueToken } from '../../lib/auth/tokens';
import { db } from '../../lib/db';
import { logger } from '../../lib/log';
import { mailProvider } from '../../lib/mail';
import { newFan, uniqueEmail, type Fan } from '../support/fans';
import { invoke, randomIp } from '../support/http';
import { CREDENTIALS, withSes } from '../support/ses';

type Kept = { subject: string; text: string };

/** The messages kept in the outbox for an address, oldest first. */
const outbox = async (to: string): Promise<Kept[]> =>
  db()<Kept[]>`select subject, text from outbox where to_address = ${to} order by created_at, id`;

const LINK = /^http:\/\/localhost:3000\/verify-email\?token=([\w-]{43})$/m;

/** The token of the latest verification link mailed to an address. */
const latestToken = async (to: string): Promise<string> => {
  const links = (await outbox(to)).map((m) => LINK.exec(m.text)?.[1]).filter((t): t is string => t !== undefined);
  expect(links.length, `a verification link mailed to ${to}`).toBeGreaterThan(0);
  return links.at(-1)!;
};

/** Spends a link's token, as nobody or as a signed-in fan (invoke's `token` is the bearer). */
const verify = (token: string, signedIn?: Fan) =>
  invoke(verifyEmail, { path: '/api/auth/verify-email', body: { token }, ...(signedIn ? { token: signedIn.token } : {}) });
const resendFor = (fan: Fan) => invoke(resend, { path: '/api/auth/verify-email/resend', token: fan.token });
const meOf = async (fan: Fan) => (await invoke(me, { path: '/api/auth/me', token: fan.token })).body;
const patchMe = (fan: Fan, body: Record<string, unknown>) => invoke(updateMe, { method: 'PATCH', path: '/api/users/me', token: fan.token, body });

const expectProblem = (res: { status: number; body: { type: string } }, status: number, type: string) => {
  expect(res.status).toBe(status);
  expect(res.body.type).toBe(`/problems/${type}`);
};

describe('registering', () => {
  it('mails a link whose token verifies the address: me then shows email_verified', async () => {
    const fan = await newFan();
    expect((await meOf(fan)).email_verified).toBe(false);
    const [mail] = await outbox(fan.email);
    expect(mail!.subject).toBe('Confirm your PaieCashFan email');
    const verified = await verify(await latestToken(fan.email));
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ id: fan.id, email: fan.email, email_verified: true });
    // Read after a first `me` cached the fan unverified: the verification cleared it.
    expect((await meOf(fan)).email_verified).toBe(true);
    const [stored] = await db()`select token_hash, purpose, email from email_tokens where user_id = ${fan.id}`;
    expect(stored).toMatchObject({ purpose: 'verify-email', email: fan.email });
    // Only the token's hash is kept.
    expect(stored!.token_hash).toEqual(hashOpaqueToken(await latestToken(fan.email)));
  });

  it('still answers at once with tokens', async () => {
    const email = uniqueEmail();
    const res = await invoke(register, { path: '/api/auth/register', body: { email, password: 'long enough pw', name: 'Ana' }, ip: randomIp() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ user: { email, email_verified: false }, token_type: 'Bearer' });
    expect(res.body.access_token).toBeTruthy();
  });
});

describe('a verification token', () => {
  it('is spent once: a second use is 410 token-used', async () => {
    const fan = await newFan();
    const token = await latestToken(fan.email);
    expect((await verify(token)).status).toBe(200);
    expectProblem(await verify(token), 410, 'token-used');
  });

  it('lasts 24 hours: an expired one is 410 token-expired, and verifies nothing', async () => {
    const fan = await newFan();
    const token = await latestToken(fan.email);
    await db()`update email_tokens set expires_at = now() - interval '1 second' where token_hash = ${hashOpaqueToken(token)}`;
    expectProblem(await verify(token), 410, 'token-expired');
    expect((await meOf(fan)).email_verified).toBe(false);
  });

  it("of another fan is refused to a signed-in fan (403), and verifies nothing; the link alone still works", async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const anas = await latestToken(ana.email);
    expectProblem(await verify(anas, bob), 403, 'token-of-another-account');
    expect((await meOf(ana)).email_verified).toBe(false);
    expect((await meOf(bob)).email_verified).toBe(false);
    expect((await verify(anas, ana)).status).toBe(200);
  });

  it('of another purpose (a password reset) is 400 wrong-token-purpose; an unknown one 400 invalid-token', async () => {
    const fan = await newFan();
    const reset = 'a-reset-token-of-another-purpose-0123456789';
    await db()`
      insert into email_tokens (user_id, purpose, token_hash, email, expires_at)
      values (${fan.id}, 'password-reset', ${hashOpaqueToken(reset)}, ${fan.email}, now() + interval '1 hour')`;
    expectProblem(await verify(reset), 400, 'wrong-token-purpose');
    expectProblem(await verify('no-such-token'), 400, 'invalid-token');
    expect((await meOf(fan)).email_verified).toBe(false);
  });
});

describe('resending the link', () => {
  it('mails a new one that voids the old (410 token-superseded); once verified, 409', async () => {
    const fan = await newFan();
    const first = await latestToken(fan.email);
    const res = await resendFor(fan);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ sent_to: fan.email });
    const second = await latestToken(fan.email);
    expect(second).not.toBe(first);
    expectProblem(await verify(first), 410, 'token-superseded');
    expect((await verify(second)).status).toBe(200);
    expectProblem(await resendFor(fan), 409, 'email-already-verified');
  });

  it('is limited to 3 an hour per fan, with Retry-After', async () => {
    const fan = await newFan();
    for (let i = 0; i < 3; i++) expect((await resendFor(fan)).status).toBe(202);
    const limited = await resendFor(fan);
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await outbox(fan.email)).toHaveLength(4);
    // Another fan's quota is their own.
    expect((await resendFor(await newFan())).status).toBe(202);
  });

  it('requires a token', async () => {
    expect((await invoke(resend, { path: '/api/auth/verify-email/resend' })).status).toBe(401);
  });
});

describe('changing one’s email', () => {
  it('needs the password: without it 400, a wrong one 403, and 5 wrong ones in 15 minutes lock it (429)', async () => {
    const fan = await newFan();
    const email = uniqueEmail('new');
    const missing = await patchMe(fan, { email });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ path: 'body.password', message: 'Send your password to change your email' }]);
    for (let i = 0; i < 5; i++) expectProblem(await patchMe(fan, { email, password: `wrong ${i}` }), 403, 'wrong-password');
    expectProblem(await patchMe(fan, { email, password: fan.password }), 429, 'rate-limited');
    expect(await outbox(email)).toHaveLength(0);
    expect((await meOf(fan)).email).toBe(fan.email);
  });

  it('keeps the old address until the new one is verified: a link to the new, a notice to the old', async () => {
    const fan = await newFan();
    expect((await verify(await latestToken(fan.email))).status).toBe(200);
    expect((await meOf(fan)).email_verified).toBe(true);
    const email = uniqueEmail('moved');
    const changed = await patchMe(fan, { email: `  ${email.toUpperCase()} `, password: fan.password, name: 'Moved' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ email: fan.email, email_verified: true, pending_email: email, name: 'Moved' });

    const [link] = await outbox(email);
    expect(link!.subject).toBe('Confirm your new PaieCashFan email');
    const notice = (await outbox(fan.email)).at(-1)!;
    expect(notice.subject).toBe('Your PaieCashFan email is being changed');
    expect(notice.text).toContain(`being changed to ${email}`);
    expect(notice.text).toMatch(/If this wasn't you, reset your password now: http:\/\/localhost:3000\/reset-password/);

    // Until then the old address is the fan's, and signs in.
    expect(await meOf(fan)).toMatchObject({ email: fan.email, email_verified: true });
    expect((await invoke(login, { path: '/api/auth/login', body: { email, password: fan.password } })).status).toBe(401);

    const verified = await verify(await latestToken(email));
    expect(verified.body).toMatchObject({ email, email_verified: true });
    expect(await meOf(fan)).toMatchObject({ email, email_verified: true, name: 'Moved' });
    expect((await invoke(login, { path: '/api/auth/login', body: { email, password: fan.password } })).status).toBe(200);
    expect((await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password } })).status).toBe(401);
  });

  it('to an address another account holds is 409, saying nothing of whose', async () => {
    const [fan, holder] = [await newFan(), await newFan()];
    const taken = await patchMe(fan, { email: holder.email, password: fan.password });
    expectProblem(taken, 409, 'email-taken');
    expect(taken.body.detail).toBe('An account with this email already exists.');
    expect(JSON.stringify(taken.body)).not.toContain(holder.id);
    expect(await outbox(holder.email)).toHaveLength(1);
  });

  it('is 409 at verification if another account took the address meanwhile, and the fan keeps theirs', async () => {
    const fan = await newFan();
    const email = uniqueEmail('contested');
    expect((await patchMe(fan, { email, password: fan.password })).status).toBe(200);
    const token = await latestToken(email);
    const res = await invoke(register, { path: '/api/auth/register', body: { email, password: 'long enough pw', name: 'Quick' }, ip: randomIp() });
    expect(res.status).toBe(201);
    expectProblem(await verify(token), 409, 'email-taken');
    expect((await meOf(fan)).email).toBe(fan.email);
  });

  it('a second change voids the first one’s link; a resend goes to the pending address', async () => {
    const fan = await newFan();
    const [first, second] = [uniqueEmail('first'), uniqueEmail('second')];
    expect((await patchMe(fan, { email: first, password: fan.password })).status).toBe(200);
    const firstToken = await latestToken(first);
    expect((await patchMe(fan, { email: second, password: fan.password })).status).toBe(200);
    expectProblem(await verify(firstToken), 410, 'token-superseded');
    const resent = await resendFor(fan);
    expect(resent.body).toEqual({ sent_to: second });
    expect(await outbox(second)).toHaveLength(2);
    expect((await verify(await latestToken(second))).body).toMatchObject({ email: second, email_verified: true });
  });

  it('to the same address changes nothing and mails nothing', async () => {
    const fan = await newFan();
    const res = await patchMe(fan, { email: fan.email, password: fan.password });
    expect(res.status).toBe(200);
    expect(res.body.pending_email).toBeUndefined();
    expect(await outbox(fan.email)).toHaveLength(1);
  });
});

describe('mail through Amazon SES', () => {
  it('sends the verification link with the SDK, signed (SigV4, ses, the region) to SES v2 SendEmail, plain text from MAIL_FROM', async () => {
    await withSes(async (ses) => {
      const fan = await newFan();
      expect(ses.requests).toEqual([{ method: 'POST', path: '/v2/email/outbound-emails', signature: 'ok' }]);
      const [sent] = ses.sent;
      expect(sent).toMatchObject({ from: 'PaieCashFan <no-reply@paiecashfan.test>', to: [fan.email], subject: 'Confirm your PaieCashFan email' });
      expect(sent!.scope).toMatch(new RegExp(`^${CREDENTIALS.accessKeyId}/\\d{8}/${CREDENTIALS.region}/ses/aws4_request$`));
      expect(sent!.body.Content.Simple.Body).toEqual({ Text: { Data: sent!.text, Charset: 'UTF-8' } });
      // Nothing kept in the outbox: SES delivered it.
      expect(await outbox(fan.email)).toHaveLength(0);
      const token = LINK.exec(sent!.text)![1]!;
      expect((await verify(token)).body.email_verified).toBe(true);
    });
  });

  it('is checked by a stand-in that refuses a wrong signature (the check proves something)', async () => {
    await withSes(async (ses) => {
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-the-secret-the-stand-in-knows');
      await newFan();
      expect(ses.requests.map((r) => r.signature)).toContain('signature does not match');
      expect(ses.sent).toHaveLength(0);
    });
  });

  it('failing, fails no registration (logged; the fan asks again), and a resend answers 503', async () => {
    await withSes(async (ses) => {
      const logged = vi.spyOn(logger, 'error');
      // The SDK tries twice.
      ses.failNext(2);
      const fan = await newFan();
      expect(ses.sent).toHaveLength(0);
      expect(logged).toHaveBeenCalledWith('mail not sent', expect.objectContaining({ user_id: fan.id, subject: 'Confirm your PaieCashFan email' }));
      // Never the link: whoever reads the logs must not be able to verify the address.
      expect(JSON.stringify(logged.mock.calls)).not.toContain('token=');
      logged.mockRestore();
      ses.failNext(2);
      expectProblem(await resendFor(fan), 503, 'service-unavailable');
      const again = await resendFor(fan);
      expect(again.status).toBe(202);
      expect(ses.sent.map((m) => m.to)).toEqual([[fan.email]]);
      expect((await verify(LINK.exec(ses.sent[0]!.text)![1]!)).status).toBe(200);
    });
  });
});

describe('the mail provider', () => {
  it('is refused on a deployed stage when it is the outbox, and SES needs MAIL_FROM', () => {
    vi.stubEnv('STAGE', 'prod');
    vi.stubEnv('MAIL_PROVIDER', 'outbox');
    expect(() => mailProvider()).toThrow(/stage prod must set ses/);
    vi.stubEnv('MAIL_PROVIDER', 'ses');
    vi.stubEnv('MAIL_FROM', '');
    expect(() => mailProvider()).toThrow(/MAIL_PROVIDER=ses needs MAIL_FROM/);
    vi.stubEnv('MAIL_FROM', 'no-reply@paiecashfan.test');
    expect(mailProvider().name).toBe('ses');
    vi.unstubAllEnvs();
  });
});
