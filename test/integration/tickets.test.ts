/**
 * Match tickets through their handlers: events with their seats left, the
 * purchase (seats, payment and tickets in one movement), and the fan's tickets.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as getEvent } from '../../functions/tickets/event-get';
import { handler as listEvents } from '../../functions/tickets/events-list';
import { handler as ticketCode } from '../../functions/tickets/code';
import { handler as getTicket } from '../../functions/tickets/get';
import { handler as ticketKeys } from '../../functions/tickets/keys';
import { handler as metadata } from '../../functions/tickets/metadata';
import { handler as mine } from '../../functions/tickets/mine';
import { compactVerify, createLocalJWKSet } from 'jose';
import { db } from '../../lib/db';
import { mintCode, readCode, STEP_SECONDS } from '../../lib/tickets/codes';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { available, buy, newEvent, scan, steward } from '../support/tickets';
import { balanceOf, deposit, key } from '../support/wallet';

describe('events', () => {
  it('lists upcoming matches by date with their seats left, filtered and paged', async () => {
    const all = await invoke(listEvents, { path: '/api/tickets/events', query: { club: 'AS_MONACO' } });
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThanOrEqual(2);
    expect(all.body.items[0]).toMatchObject({ id: expect.any(String), club: 'AS_MONACO', seats_available: expect.any(Number), price_from: expect.any(Number), hot: expect.any(Boolean) });
    const dates = all.body.items.map((e: { date: string }) => e.date);
    expect([...dates].sort()).toEqual(dates);
    const first = await invoke(listEvents, { path: '/api/tickets/events', query: { club: 'AS_MONACO', limit: '1' } });
    const second = await invoke(listEvents, { path: '/api/tickets/events', query: { club: 'AS_MONACO', limit: '1', cursor: first.body.next_cursor } });
    expect([first.body.items[0].id, second.body.items[0].id]).toEqual(all.body.items.slice(0, 2).map((e: { id: string }) => e.id));
    const ligue1 = await invoke(listEvents, { path: '/api/tickets/events', query: { competition: 'ligue 1' } });
    expect(ligue1.body.items.every((e: { competition: string }) => e.competition === 'Ligue 1')).toBe(true);
    expect((await invoke(listEvents, { path: '/api/tickets/events', query: { cursor: 'no-such-event' } })).status).toBe(400);
  });

  it('shows one match with its categories, and 404 for an unknown one', async () => {
    const event = await invoke(getEvent, { path: '/api/tickets/events/asm-psg', params: { id: 'asm-psg' } });
    expect(event.body.categories.map((c: { category: string }) => c.category)).toEqual(['tribune_nord', 'tribune_honneur', 'vip']);
    expect(event.body.seats_available).toBe(event.body.categories.reduce((n: number, c: { available: number }) => n + c.available, 0));
    expect((await invoke(getEvent, { path: '/api/tickets/events/nope', params: { id: 'nope' } })).status).toBe(404);
  });
});

describe('purchase', () => {
  it('takes the seats, debits the wallet and issues collectible tickets; a replay issues none', async () => {
    const fan = await newFan();
    await deposit(fan, 10_000);
    const event = await newEvent(10, 2500);
    const listed = async () =>
      (await invoke(listEvents, { path: '/api/tickets/events', query: { club: 'OGC_NICE', limit: '100' } })).body.items.find((e: { id: string }) => e.id === event);
    expect((await listed()).seats_available).toBe(10);
    const k = key();
    const bought = await buy(fan, event, 2, 'tribune', k);
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ total: 5000, currency: 'EUR', display: '50.00' });
    expect(bought.body.tickets).toHaveLength(2);
    expect(bought.body.tickets[0]).toMatchObject({
      event: { id: event, venue: 'Allianz Riviera' },
      category: 'tribune',
      price: 2500,
      status: 'valid',
      nft: true,
      blockchain: { standard: 'ERC-721', token_id: expect.stringMatching(/^\d+$/), metadata_url: `/api/tickets/${bought.body.tickets[0].id}/metadata` },
    });
    expect((await buy(fan, event, 2, 'tribune', k)).raw).toBe(bought.raw);
    expect(await balanceOf(fan)).toBe(5000);
    expect(await available(event)).toBe(8);
    // The cached list shows the seats taken at once.
    expect((await listed()).seats_available).toBe(8);
  });

  it('refuses sold out (409), a short wallet and a past match (422), a bad quantity (400), leaving everything as it was', async () => {
    const fan = await newFan();
    await deposit(fan, 3000);
    const small = await newEvent(1, 1000);
    const soldOut = await buy(fan, small, 2);
    expect(soldOut.status).toBe(409);
    expect(soldOut.body.type).toBe('/problems/sold-out');
    const pricey = await newEvent(10, 5000);
    expect((await buy(fan, pricey)).body.type).toBe('/problems/insufficient-funds');
    const past = await newEvent(10, 1000, -1);
    expect((await buy(fan, past)).body.type).toBe('/problems/event-past');
    expect((await buy(fan, pricey, 7)).status).toBe(400);
    expect((await buy(fan, pricey, 1, 'no_such_category')).status).toBe(404);
    expect(await balanceOf(fan)).toBe(3000);
    expect([await available(small), await available(pricey), await available(past)]).toEqual([1, 10, 10]);
  });

  it('200 buyers at once for 100 seats: exactly 100 tickets and 100 debits, refused buyers untouched', async () => {
    const event = await newEvent(100, 1500);
    const buyers: Fan[] = [];
    while (buyers.length < 200) {
      buyers.push(...(await Promise.all(Array.from({ length: 20 }, async () => {
        const fan = await newFan();
        await deposit(fan, 2000);
        return fan;
      }))));
    }
    const answers = await Promise.all(buyers.map((fan) => buy(fan, event)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(100);
    expect(answers.filter((a) => a.status === 409 && a.body.type === '/problems/sold-out')).toHaveLength(100);
    expect(await available(event)).toBe(0);
    const ids = buyers.map((b) => b.id);
    const [books] = await db()<{ tickets: number; debited: number; untouched: number }[]>`
      select
        (select count(*)::int from tickets where event_id = ${event}) as tickets,
        (select count(*)::int from wallets where user_id = any(${ids}::uuid[]) and balance = 500) as debited,
        (select count(*)::int from wallets where user_id = any(${ids}::uuid[]) and balance = 2000) as untouched`;
    expect(books).toEqual({ tickets: 100, debited: 100, untouched: 100 });
  }, 120_000);
});

describe("the fan's tickets", () => {
  it('lists them newest first and shows each to its holder only', async () => {
    const [ana, eve] = [await newFan(), await newFan()];
    await deposit(ana, 10_000);
    const event = await newEvent(10, 1000);
    const first = (await buy(ana, event, 1)).body.tickets[0];
    const second = (await buy(ana, event, 1)).body.tickets[0];
    const page1 = await invoke(mine, { path: '/api/tickets/mine', token: ana.token, query: { limit: '1' } });
    const page2 = await invoke(mine, { path: '/api/tickets/mine', token: ana.token, query: { limit: '1', cursor: page1.body.next_cursor } });
    expect([page1.body.items[0].id, page2.body.items[0].id]).toEqual([second.id, first.id]);
    expect((await invoke(getTicket, { path: `/api/tickets/${first.id}`, token: ana.token, params: { id: first.id } })).body.id).toBe(first.id);
    expect((await invoke(getTicket, { path: `/api/tickets/${first.id}`, token: eve.token, params: { id: first.id } })).status).toBe(404);
    expect((await invoke(mine, { path: '/api/tickets/mine', token: eve.token })).body.items).toEqual([]);
  });

  it('publish ERC-721 metadata for anyone, naming the match but not the holder', async () => {
    const fan = await newFan({ name: 'Private Holder' });
    await deposit(fan, 5000);
    const ticket = (await buy(fan, await newEvent(10, 1000))).body.tickets[0];
    const meta = await invoke(metadata, { path: ticket.blockchain.metadata_url, params: { id: ticket.id } });
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({ name: expect.stringContaining('OGC Nice vs Test FC'), image: expect.stringMatching(/^data:image\/svg\+xml;base64,/) });
    expect(meta.body.attributes).toEqual(expect.arrayContaining([
      { trait_type: 'venue', value: 'Allianz Riviera' },
      { trait_type: 'category', value: 'tribune' },
      { trait_type: 'checked_in', value: false },
    ]));
    expect(meta.raw).not.toContain('Private Holder');
    expect((await invoke(metadata, { path: '/api/tickets/x/metadata', params: { id: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
  });
});

describe('entry codes', () => {
  it("are Ed25519 JWS of ticket, event, holder and step, verifiable with the published keys, for the holder only", async () => {
    const [ana, eve] = [await newFan(), await newFan()];
    await deposit(ana, 5000);
    const event = await newEvent(10, 1000);
    const ticket = (await buy(ana, event)).body.tickets[0];
    const issued = await invoke(ticketCode, { path: `/api/tickets/${ticket.id}/qr`, token: ana.token, params: { id: ticket.id } });
    expect(issued.status).toBe(200);
    expect(issued.body.svg).toMatch(/^<svg/);
    const ttl = Date.parse(issued.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(STEP_SECONDS * 1000 - 1000);
    expect(ttl).toBeLessThanOrEqual(2 * STEP_SECONDS * 1000);
    const jwks = (await invoke(ticketKeys, { path: '/api/tickets/keys' })).body;
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String) });
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    // A gate can check a code offline with the JWKS alone.
    const { payload, protectedHeader } = await compactVerify(issued.body.code, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
    expect(protectedHeader.kid).toBe(jwks.keys[0].kid);
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ t: ticket.id, e: event, h: ana.id });
    expect((await invoke(ticketCode, { path: `/api/tickets/${ticket.id}/qr`, token: eve.token, params: { id: ticket.id } })).status).toBe(404);
  });

  it('are taken for their step and the one before, and refused once tampered with or older', async () => {
    const fan = await newFan();
    await deposit(fan, 5000);
    const ticket = (await buy(fan, await newEvent(10, 1000))).body.tickets[0];
    const { code } = (await invoke(ticketCode, { path: `/api/tickets/${ticket.id}/qr`, token: fan.token, params: { id: ticket.id } })).body;
    expect(await readCode(code)).toMatchObject({ ok: true, claims: { t: ticket.id } });
    expect((await readCode(code, Date.now() + STEP_SECONDS * 1000)).ok).toBe(true);
    expect(await readCode(code, Date.now() + 2 * STEP_SECONDS * 1000 + 1000)).toEqual({ ok: false, reason: 'expired_code' });
    const [header, payload, signature] = code.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), h: randomBytes(8).toString('hex') })).toString('base64url');
    expect(await readCode(`${header}.${forged}.${signature}`)).toEqual({ ok: false, reason: 'invalid_signature' });
    expect(await readCode('garbage')).toEqual({ ok: false, reason: 'invalid_signature' });
  });
});

describe('gate check-in', () => {
  const holding = async () => {
    const fan = await newFan({ name: 'Gate Fan' });
    await deposit(fan, 5000);
    const event = await newEvent(10, 1000);
    const ticket = (await buy(fan, event)).body.tickets[0];
    const { code } = await mintCode({ t: ticket.id, e: event, h: fan.id });
    return { fan, event, ticket, code };
  };

  it('admits a ticket exactly once, even when ten gates scan it at the same instant', async () => {
    const gate = await steward('OGC_NICE');
    const { event, ticket, code } = await holding();
    const answers = await Promise.all(Array.from({ length: 10 }, () => scan(gate.token, code, event)));
    const admitted = answers.filter((a) => a.body.result === 'admitted');
    expect(admitted).toHaveLength(1);
    expect(admitted[0]!.body).toMatchObject({ ticket: ticket.id, category: 'tribune', holder: { name: 'Gate Fan' } });
    expect(answers.filter((a) => a.body.reason === 'already_checked_in')).toHaveLength(9);
    const again = await scan(gate.token, code, event);
    expect(again.body).toMatchObject({ result: 'refused', reason: 'already_checked_in', checked_in_at: admitted[0]!.body.checked_in_at });
  });

  it('refuses old, tampered, misdirected, transferred and cancelled tickets with the reason', async () => {
    const gate = await steward('OGC_NICE');
    const old = await holding();
    const stale = await mintCode({ t: old.ticket.id, e: old.event, h: old.fan.id }, Date.now() - 3 * STEP_SECONDS * 1000);
    expect((await scan(gate.token, stale.code, old.event)).body).toEqual({ result: 'refused', reason: 'expired_code' });
    expect((await scan(gate.token, `${old.code.slice(0, -4)}AAAA`, old.event)).body).toEqual({ result: 'refused', reason: 'invalid_signature' });
    expect((await scan(gate.token, old.code, await newEvent(10))).body).toEqual({ result: 'refused', reason: 'wrong_event' });
    const moved = await holding();
    await db()`update tickets set user_id = ${(await newFan()).id} where id = ${moved.ticket.id}`;
    expect((await scan(gate.token, moved.code, moved.event)).body).toEqual({ result: 'refused', reason: 'transferred' });
    const refunded = await holding();
    await db()`update tickets set status = 'refunded' where id = ${refunded.ticket.id}`;
    expect((await scan(gate.token, refunded.code, refunded.event)).body).toEqual({ result: 'refused', reason: 'canceled' });
    // None of them was admitted meanwhile.
    expect((await scan(gate.token, old.code, old.event)).body.result).toBe('admitted');
  });

  it('is for stewards of the match\'s club only: 403 for fans and for other clubs\' stewards', async () => {
    const { fan, event, code } = await holding();
    for (const token of [fan.token, (await steward('PSG')).token]) {
      const res = await scan(token, code, event);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toBe('application/problem+json');
    }
    expect((await scan(fan.token, 'garbage', event)).status).toBe(403);
  });
});
