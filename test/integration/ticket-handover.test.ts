/**
 * Tickets changing hands through their handlers: given to another fan, and
 * resold at no more than face value, the buyer paying the seller and the
 * ticket moving in one movement; the gate follows the holder.
 */
import { describe, expect, it } from 'vitest';
import { handler as ticketCode } from '../../functions/tickets/code';
import { handler as getTicket } from '../../functions/tickets/get';
import { handler as resaleBuy } from '../../functions/tickets/resale-buy';
import { handler as resaleList } from '../../functions/tickets/resale-list';
import { handler as resaleOffer } from '../../functions/tickets/resale-offer';
import { handler as resaleWithdraw } from '../../functions/tickets/resale-withdraw';
import { handler as transferHandler } from '../../functions/tickets/transfer';
import { handler as notifications } from '../../functions/notifications/list';
import { db } from '../../lib/db';
import { expectProblem } from '../support/assertions';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';
import { buy, newEvent, scan, steward } from '../support/tickets';
import { balanceOf, deposit, key } from '../support/wallet';

const give = (fan: Fan, ticket: string, to: string, idempotencyKey = key()) =>
  invoke(transferHandler, { path: `/api/tickets/${ticket}/transfer`, token: fan.token, params: { id: ticket }, headers: { 'idempotency-key': idempotencyKey }, body: { to } });
const show = (fan: Fan, ticket: string) => invoke(getTicket, { path: `/api/tickets/${ticket}`, token: fan.token, params: { id: ticket } });
const codeOf = async (fan: Fan, ticket: string) =>
  (await invoke(ticketCode, { path: `/api/tickets/${ticket}/qr`, token: fan.token, params: { id: ticket } })).body.code as string;
const list = (fan: Fan, ticket: string, price: number) =>
  invoke(resaleOffer, { path: `/api/tickets/${ticket}/resale`, token: fan.token, params: { id: ticket }, body: { price } });
const offers = (event_id: string, query: Record<string, string> = {}) =>
  invoke(resaleList, { path: '/api/tickets/resale', query: { event_id, ...query } });
const purchase = (fan: Fan, offer: string, idempotencyKey = key()) =>
  invoke(resaleBuy, { path: `/api/tickets/resale/${offer}/buy`, method: 'POST', token: fan.token, params: { id: offer }, headers: { 'idempotency-key': idempotencyKey } });
const withdraw = (fan: Fan, offer: string) =>
  invoke(resaleWithdraw, { path: `/api/tickets/resale/${offer}`, method: 'DELETE', token: fan.token, params: { id: offer } });

/** A fan with `funds` holding one ticket, at `price`, of a match of the test's own. */
const holder = async (name: string, price = 3000, funds = 5000) => {
  const fan = await newFan({ name });
  await deposit(fan, funds);
  const event = await newEvent(10, price);
  const ticket = (await buy(fan, event)).body.tickets[0] as { id: string };
  return { fan, event, ticket: ticket.id };
};

const funded = async (amount: number, name?: string) => {
  const fan = await newFan(name ? { name } : {});
  if (amount > 0) await deposit(fan, amount);
  return fan;
};

/** Each of these fans' wallets equals the sum of its entries, and each of the transfers that touched them sums to zero. */
const booksBalance = async (fans: Fan[]) => {
  const ids = fans.map((f) => f.id);
  const [books] = await db()<{ drifted: number; unbalanced: number }[]>`
    select
      (select count(*)::int from wallets w
        where w.user_id = any(${ids}::uuid[]) and w.balance <> (select coalesce(sum(amount), 0) from transactions where wallet_id = w.id)) as drifted,
      (select count(*)::int from (
        select transfer_id from transactions where transfer_id in (select transfer_id from transactions where user_id = any(${ids}::uuid[]))
        group by transfer_id having sum(amount) <> 0) unbalanced) as unbalanced`;
  expect(books).toEqual({ drifted: 0, unbalanced: 0 });
};

describe('giving a ticket to another fan', () => {
  it("moves it to them: the giver's codes are refused at the gate, the new holder's admitted, the history kept", async () => {
    const { fan: ana, event, ticket } = await holder('Ana Giver');
    const eve = await funded(0, 'Eve Taker');
    const anasCode = await codeOf(ana, ticket);
    const k = key();
    const given = await give(ana, ticket, eve.email.toUpperCase(), k);
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({ ticket: { id: ticket, status: 'valid' }, to: { id: eve.id, name: 'Eve Taker' }, transferred_at: expect.any(String) });
    // A retry after a lost answer is the same answer, not "no such ticket of yours".
    expect((await give(ana, ticket, eve.email, k)).raw).toBe(given.raw);

    expect((await show(ana, ticket)).status).toBe(404);
    expect((await invoke(ticketCode, { path: `/api/tickets/${ticket}/qr`, token: ana.token, params: { id: ticket } })).status).toBe(404);
    const held = await show(eve, ticket);
    expect(held.body.history).toEqual([
      { kind: 'purchase', from: null, to: 'Ana Giver', price: 3000, at: expect.any(String) },
      { kind: 'transfer', from: 'Ana Giver', to: 'Eve Taker', price: null, at: given.body.transferred_at },
    ]);
    expect(held.body.resale).toBeNull();
    const told = await invoke(notifications, { path: '/api/notifications', token: eve.token });
    expect(told.body.items[0]).toMatchObject({ kind: 'ticket-received', payload: { ticket_id: ticket, from: 'Ana Giver' } });

    const gate = await steward('OGC_NICE');
    expect((await scan(gate.token, anasCode, event)).body).toEqual({ result: 'refused', reason: 'transferred' });
    expect((await scan(gate.token, await codeOf(eve, ticket), event)).body).toMatchObject({ result: 'admitted', holder: { id: eve.id } });
    // Checked in: it stays with its holder.
    expectProblem(await give(eve, ticket, ana.id), 409, '/problems/ticket-checked-in');
  });

  it('refuses yourself (422), an unknown fan or a ticket not yours (404) and a bad body (400), moving nothing', async () => {
    const { fan: ana, ticket } = await holder('Ana');
    const eve = await funded(0);
    expectProblem(await give(ana, ticket, ana.email), 422, '/problems/self-handover');
    expectProblem(await give(ana, ticket, 'nobody@example.test'), 404);
    expectProblem(await give(eve, ticket, ana.id), 404);
    expectProblem(await invoke(transferHandler, { path: `/api/tickets/${ticket}/transfer`, token: ana.token, params: { id: ticket }, headers: { 'idempotency-key': key() }, body: { to: 7 } }), 400);
    expectProblem(await invoke(transferHandler, { path: `/api/tickets/${ticket}/transfer`, token: ana.token, params: { id: ticket }, body: { to: eve.id } }), 400);
    expect((await show(ana, ticket)).body.history).toHaveLength(1);
  });

  it('gives a ticket to one fan only when ten transfers of it race', async () => {
    const { fan: ana, ticket } = await holder('Ana');
    const takers = await Promise.all(Array.from({ length: 10 }, () => funded(0)));
    const answers = await Promise.all(takers.map((t) => give(ana, ticket, t.id)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 404)).toHaveLength(9);
    const winner = takers[answers.findIndex((a) => a.status === 200)]!;
    const [row] = await db()<{ user_id: string; handovers: number }[]>`
      select user_id, (select count(*)::int from ticket_handovers where ticket_id = ${ticket}) as handovers from tickets where id = ${ticket}`;
    expect(row).toEqual({ user_id: winner.id, handovers: 1 });
  });
});

describe('fair resale', () => {
  it('lists a ticket at no more than face value, once, and keeps a listed ticket from the gate and from gifts', async () => {
    const { fan: ana, event, ticket } = await holder('Ana Seller', 3000);
    const above = await list(ana, ticket, 3001);
    expectProblem(above, 422, '/problems/above-face-value');
    expect(above.body.face_value).toBe(3000);
    const listed = await list(ana, ticket, 2500);
    expect(listed.status).toBe(201);
    expect(listed.body).toMatchObject({ ticket_id: ticket, event: { id: event }, category: 'tribune', face_value: 3000, price: 2500, display: '25.00', status: 'listed' });
    const again = await list(ana, ticket, 2000);
    expectProblem(again, 409, '/problems/ticket-listed');
    expect(again.body.offer_id).toBe(listed.body.id);
    expect((await show(ana, ticket)).body.resale).toEqual({ offer_id: listed.body.id, price: 2500 });

    expectProblem(await give(ana, ticket, (await funded(0)).id), 409, '/problems/ticket-listed');
    const gate = await steward('OGC_NICE');
    expect((await scan(gate.token, await codeOf(ana, ticket), event)).body).toEqual({ result: 'refused', reason: 'listed_for_resale' });
    expectProblem(await list(await funded(0), ticket, 1000), 404);
    expectProblem(await list(ana, ticket, 0), 400);
  });

  it('lists the open offers of a match cheapest first, in pages, for anyone', async () => {
    const event = await newEvent(10, 4000);
    const prices = [3500, 1200, 4000, 2000];
    for (const price of prices) {
      const fan = await funded(5000);
      const [ticket] = (await buy(fan, event)).body.tickets;
      expect((await list(fan, ticket.id, price)).status).toBe(201);
    }
    const all = await offers(event);
    expect(all.status).toBe(200);
    expect(all.body.items.map((o: { price: number }) => o.price)).toEqual([...prices].sort((a, b) => a - b));
    const first = await offers(event, { limit: '3' });
    const rest = await offers(event, { limit: '3', cursor: first.body.next_cursor });
    expect([...first.body.items, ...rest.body.items].map((o: { id: string }) => o.id)).toEqual(all.body.items.map((o: { id: string }) => o.id));
    expect(rest.body.next_cursor).toBeNull();
    expect((await offers(await newEvent(1))).body.items).toEqual([]);
    expect((await invoke(resaleList, { path: '/api/tickets/resale', query: {} })).status).toBe(400);
  });

  it('sells to one of twenty buyers racing for one offer: the seller paid once, the ticket theirs, the others untouched', async () => {
    const { fan: seller, event, ticket } = await holder('Sam Seller', 3000, 3000);
    const sellersCode = await codeOf(seller, ticket);
    const offer = (await list(seller, ticket, 2800)).body.id as string;
    const buyers = await Promise.all(Array.from({ length: 20 }, () => funded(5000)));
    const keys = buyers.map(() => key());
    const answers = await Promise.all(buyers.map((b, i) => purchase(b, offer, keys[i])));
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(1);
    for (const lost of answers.filter((a) => a.status !== 201)) expectProblem(lost, 409, '/problems/offer-gone');
    const i = answers.findIndex((a) => a.status === 201);
    const winner = buyers[i]!;
    expect(won[0]!.body).toMatchObject({ ticket: { id: ticket, status: 'valid' }, offer_id: offer, price: 2800, display: '28.00' });
    // The winner's retry is replayed; nothing moves twice.
    expect((await purchase(winner, offer, keys[i])).raw).toBe(won[0]!.raw);

    expect(await balanceOf(seller)).toBe(2800);
    expect(await Promise.all(buyers.map(balanceOf))).toEqual(buyers.map((b) => (b === winner ? 2200 : 5000)));
    await booksBalance([seller, ...buyers]);
    const held = await show(winner, ticket);
    expect(held.body.history.map((h: { kind: string; price: number | null }) => [h.kind, h.price])).toEqual([['purchase', 3000], ['resale', 2800]]);
    expect((await show(seller, ticket)).status).toBe(404);
    expect((await offers(event)).body.items).toEqual([]);
    const told = await invoke(notifications, { path: '/api/notifications', token: seller.token });
    expect(told.body.items[0]).toMatchObject({ kind: 'ticket-resold', payload: { ticket_id: ticket, price: 2800 } });

    const gate = await steward('OGC_NICE');
    expect((await scan(gate.token, sellersCode, event)).body).toEqual({ result: 'refused', reason: 'transferred' });
    expect((await scan(gate.token, await codeOf(winner, ticket), event)).body.result).toBe('admitted');
  }, 60_000);

  it('refuses a short wallet and your own offer (422), an unknown offer (404), moving nothing', async () => {
    const { fan: seller, ticket } = await holder('Sam', 3000, 3000);
    const offer = (await list(seller, ticket, 3000)).body.id as string;
    const poor = await funded(2999);
    expectProblem(await purchase(poor, offer), 422, '/problems/insufficient-funds');
    expectProblem(await purchase(seller, offer), 422, '/problems/own-offer');
    expectProblem(await purchase(poor, '00000000-0000-4000-8000-000000000000'), 404);
    expect([await balanceOf(poor), await balanceOf(seller)]).toEqual([2999, 0]);
    expect((await show(seller, ticket)).body.resale).toEqual({ offer_id: offer, price: 3000 });
  });

  it('withdraws an offer (again answers the same), after which it cannot be bought and the ticket can be given again', async () => {
    const { fan: seller, ticket } = await holder('Sam');
    const offer = (await list(seller, ticket, 1000)).body.id as string;
    const buyer = await funded(5000);
    expectProblem(await withdraw(buyer, offer), 404);
    const withdrawn = await withdraw(seller, offer);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ id: offer, status: 'withdrawn' });
    expect((await withdraw(seller, offer)).body).toEqual(withdrawn.body);
    expectProblem(await purchase(buyer, offer), 409, '/problems/offer-gone');
    expect(await balanceOf(buyer)).toBe(5000);
    expect((await give(seller, ticket, buyer.id)).status).toBe(200);
  });

  it('settles a withdrawal racing purchases one way only: sold or withdrawn, never both', async () => {
    for (let round = 0; round < 5; round++) {
      const { fan: seller, ticket } = await holder('Sam', 2000, 2000);
      const offer = (await list(seller, ticket, 2000)).body.id as string;
      const buyers = await Promise.all(Array.from({ length: 4 }, () => funded(2000)));
      const [pulled, ...bought] = await Promise.all([withdraw(seller, offer), ...buyers.map((b) => purchase(b, offer))]);
      const sold = bought.filter((a) => a.status === 201).length;
      if (pulled.status === 200) {
        expect(sold).toBe(0);
        expect(await balanceOf(seller)).toBe(0);
      } else {
        expectProblem(pulled, 409, '/problems/offer-sold');
        expect(sold).toBe(1);
        expect(await balanceOf(seller)).toBe(2000);
      }
      await booksBalance([seller, ...buyers]);
    }
  }, 60_000);

  it('does not sell an offer whose ticket an operator cancelled meanwhile', async () => {
    const { fan: seller, ticket } = await holder('Sam', 2000, 2000);
    const offer = (await list(seller, ticket, 2000)).body.id as string;
    await db()`update tickets set status = 'cancelled' where id = ${ticket}`;
    const buyer = await funded(5000);
    expectProblem(await purchase(buyer, offer), 409, '/problems/offer-gone');
    expect([await balanceOf(buyer), await balanceOf(seller)]).toEqual([5000, 0]);
  });

  it('refuses to list or sell for a match already played', async () => {
    const { fan: seller, event, ticket } = await holder('Sam');
    const offer = (await list(seller, ticket, 1000)).body.id as string;
    await db()`update events set date = now() - interval '1 hour' where id = ${event}`;
    expectProblem(await purchase(await funded(5000), offer), 422, '/problems/event-past');
    await withdraw(seller, offer);
    expectProblem(await list(seller, ticket, 1000), 422, '/problems/event-past');
    expect((await offers(event)).body.items).toEqual([]);
  });
});
