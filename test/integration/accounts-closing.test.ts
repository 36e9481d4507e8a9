/**
 * Taking one's data and closing one's account (issue 27, items 5 and 6):
 * the export holds the fan's own data and nothing more of another fan than
 * they saw; closing is refused while anything ties the fan to the service,
 * then erases the person and keeps a tombstone that the ledger, orders and
 * other fans' conversations still point at.
 */
import { describe, expect, it } from 'vitest';
import { handler as login } from '../../functions/auth/login';
import { handler as me } from '../../functions/auth/me';
import { handler as refresh } from '../../functions/auth/refresh';
import { handler as walletBalance } from '../../functions/wallet/balance';
import { handler as register } from '../../functions/auth/register';
import { handler as postCreate } from '../../functions/feed/post-create';
import { handler as addToCart } from '../../functions/shop/cart-add';
import { handler as checkoutHandler } from '../../functions/shop/checkout';
import { handler as startConversation } from '../../functions/social/conversation-create';
import { handler as conversationsList } from '../../functions/social/conversations-list';
import { handler as messagePost } from '../../functions/social/message-post';
import { handler as messagesList } from '../../functions/social/messages-list';
import { handler as resaleOffer } from '../../functions/tickets/resale-offer';
import { handler as resaleWithdraw } from '../../functions/tickets/resale-withdraw';
import { handler as ticketTransfer } from '../../functions/tickets/transfer';
import { handler as closeHandler } from '../../functions/users/close';
import { handler as exportHandler } from '../../functions/users/export';
import { db } from '../../lib/db';
import { expectProblem } from '../support/assertions';
import { newFan, uniqueEmail, type Fan } from '../support/fans';
import { invoke, randomIp } from '../support/http';
import { buy, newEvent } from '../support/tickets';
import { balanceOf, deposit, key, send } from '../support/wallet';

const exportOf = (fan: Fan) => invoke(exportHandler, { path: '/api/users/me/export', token: fan.token });
const close = (fan: Fan, password = fan.password) =>
  invoke(closeHandler, { method: 'DELETE', path: '/api/users/me', token: fan.token, body: { password } });
const reasonsOf = (res: { body: { reasons?: { reason: string }[] } }) => res.body.reasons?.map((r) => r.reason);

const talk = async (from: Fan, to: Fan) => {
  const started = await invoke(startConversation, { path: '/api/social/conversations', token: from.token, body: { participants: [to.email] } });
  expect(started.status).toBe(201);
  return started.body.id as string;
};
const say = async (fan: Fan, conversation: string, message: string) =>
  expect(
    (await invoke(messagePost, { path: `/api/social/conversations/${conversation}/messages`, token: fan.token, params: { id: conversation }, body: { message } })).status,
  ).toBe(201);
const messagesIn = (fan: Fan, conversation: string) =>
  invoke(messagesList, { path: `/api/social/conversations/${conversation}/messages`, token: fan.token, params: { id: conversation } });

/** A fan with a past: money in and out, tickets, an order, a conversation, a post and a payment to `other` with a note. */
const fanWithAPast = async (other: Fan) => {
  const fan = await newFan({ name: 'Claire Closing', club_id: 'OGC_NICE' });
  expect((await deposit(fan, 10_000)).status).toBe(201);
  const event = await newEvent(10, 2000);
  const tickets = ((await buy(fan, event, 2)).body.tickets as { id: string }[]).map((t) => t.id);
  expect((await invoke(addToCart, { path: '/api/shop/cart', token: fan.token, body: { product_id: 'asm-scarf', quantity: 1 } })).status).toBe(200);
  const order = await invoke(checkoutHandler, { path: '/api/shop/checkout', method: 'POST', token: fan.token, headers: { 'idempotency-key': key() } });
  expect(order.status).toBe(201);
  const conversation = await talk(fan, other);
  await say(fan, conversation, 'Claire: meet at gate 4 before the match');
  await say(other, conversation, 'Bob: my flat is at 12 rue Secrète');
  expect((await invoke(postCreate, { path: '/api/social/posts', token: fan.token, body: { text: 'Allez Nice, from Claire' } })).status).toBe(201);
  expect((await send(fan, other.id, 500, key(), 'for the beers, Claire')).status).toBe(201);
  return { fan, event, tickets, order: order.body.id as string, conversation };
};

describe('data export', () => {
  it("holds the fan's own data and of another fan only what they saw", async () => {
    const bob = await newFan({ name: 'Bob Stays', club_id: 'OGC_NICE' });
    const { fan, tickets, order, conversation } = await fanWithAPast(bob);

    const res = await exportOf(fan);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="paiecashfan-export-\d{4}-\d{2}-\d{2}\.json"$/);
    const data = res.body;
    expect(data.profile).toMatchObject({ id: fan.id, email: fan.email, name: 'Claire Closing', club_id: 'OGC_NICE' });
    expect(data.orders.map((o: { id: string }) => o.id)).toEqual([order]);
    expect(data.tickets.map((t: { id: string }) => t.id).sort()).toEqual([...tickets].sort());
    expect(data.messages).toEqual([expect.objectContaining({ conversation_id: conversation, message: 'Claire: meet at gate 4 before the match' })]);
    expect(data.posts.map((p: { text: string }) => p.text)).toEqual(['Allez Nice, from Claire']);
    expect(data.deposits).toHaveLength(1);
    expect(data.wallet).toMatchObject({ balance: 10_000 - 4000 - 2499 - 500 });
    // The ledger's payment to Bob names him as Claire saw him, and the note is hers.
    expect(data.ledger).toContainEqual(expect.objectContaining({ type: 'send', amount: -500, counterparty: { id: bob.id, name: 'Bob Stays' }, metadata: { note: 'for the beers, Claire' } }));
    expect(data.sessions).toHaveLength(1);
    expect(Object.keys(data.sessions[0]).sort()).toEqual(['created_at', 'expires_at', 'family_id', 'id', 'revoked_at', 'spent_at']);
    // Nothing of Bob beyond his id and name.
    expect(res.raw).not.toContain(bob.email);
    expect(res.raw).not.toContain('12 rue Secrète');
  });

  it('is limited to 5 an hour per fan', async () => {
    const fan = await newFan();
    for (let i = 0; i < 5; i++) expect((await exportOf(fan)).status).toBe(200);
    const limited = await exportOf(fan);
    expectProblem(limited, 429, '/problems/rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('closing an account', () => {
  it('asks for the password, and counts the wrong ones', async () => {
    const fan = await newFan();
    for (let i = 0; i < 5; i++) expectProblem(await close(fan, 'not my password'), 403, '/problems/wrong-password');
    expectProblem(await close(fan), 429, '/problems/rate-limited');
    expect((await invoke(me, { path: '/api/auth/me', token: fan.token })).status).toBe(200);
  });

  it('is refused while money, tickets to come, an open offer or a dispute remain, then erases the person and keeps the tombstone', async () => {
    const bob = await newFan({ name: 'Bob Stays', club_id: 'OGC_NICE' });
    const { fan, event, tickets, order, conversation } = await fanWithAPast(bob);
    const [first, second] = tickets as [string, string];

    // Money in the wallet, named with its balance; and the tickets to come.
    const rich = await close(fan);
    expectProblem(rich, 409, '/problems/account-in-use');
    expect(reasonsOf(rich)).toEqual(['wallet-balance', 'upcoming-tickets']);
    expect(rich.body.reasons[0]).toMatchObject({ balance: 3001, display: '30.01' });
    expect(rich.body.reasons[1]).toMatchObject({ tickets: 2 });
    expect(rich.body.detail).toContain('30.01 EUR');

    expect((await send(fan, bob.email, await balanceOf(fan))).status).toBe(201);
    expect(reasonsOf(await close(fan))).toEqual(['upcoming-tickets']);

    // One ticket given away, the other offered for resale.
    const given = await invoke(ticketTransfer, { path: `/api/tickets/${first}/transfer`, token: fan.token, params: { id: first }, headers: { 'idempotency-key': key() }, body: { to: bob.email } });
    expect(given.status).toBe(200);
    const offer = await invoke(resaleOffer, { path: `/api/tickets/${second}/resale`, token: fan.token, params: { id: second }, body: { price: 1500 } });
    expect(offer.status).toBe(201);
    const listed = await close(fan);
    expect(reasonsOf(listed)).toEqual(['upcoming-tickets', 'open-resale-offers']);
    expect(listed.body.reasons[0]).toMatchObject({ tickets: 1 });
    expect((await invoke(resaleWithdraw, { method: 'DELETE', path: `/api/tickets/resale/${offer.body.id}`, token: fan.token, params: { id: offer.body.id } })).status).toBe(200);

    // The match is played: a ticket for it ties no one any more, and stays.
    await db()`update events set date = now() - interval '1 day' where id = ${event}`;

    // A card top-up disputed, as the provider's webhook leaves it: open, and the wallet frozen.
    const [{ id: depositId }] = (await db()`select id from deposits where user_id = ${fan.id}`) as unknown as [{ id: string }];
    await db()`insert into disputes (id, deposit_id, user_id, amount, taken_back, owed, status) values (${`dp_${key()}`}, ${depositId}, ${fan.id}, 10000, 0, 10000, 'open')`;
    await db()`update wallets set frozen = true where user_id = ${fan.id}`;
    const disputed = await close(fan);
    expect(reasonsOf(disputed)).toEqual(['unsettled-disputes']);
    expect(disputed.body.reasons[0]).toMatchObject({ open_disputes: 1, owed: 10000, display_owed: '100.00' });
    await db()`update disputes set status = 'won', owed = 0, closed_at = now() where user_id = ${fan.id}`;
    await db()`select wallet_refreeze(${fan.id})`;

    // An open socket, whose endpoint answers nothing: it is forgotten all the same.
    await db()`insert into ws_connections (connection_id, user_id, endpoint) values (${`ws-${key()}`}, ${fan.id}, 'http://127.0.0.1:9')`;
    expect((await close(fan)).status).toBe(204);

    // The tombstone: no one's email, name or password; the person's own data gone.
    const [tomb] = await db()`select email, name, password, club_id, deleted_at from users where id = ${fan.id}`;
    expect(tomb).toMatchObject({ email: `deleted+${fan.id}@invalid`, name: 'Deleted fan', password: '', club_id: null, deleted_at: expect.any(Date) });
    const [left] = await db()`
      select (select count(*)::int from cart where user_id = ${fan.id}) as cart,
             (select count(*)::int from refresh_tokens where user_id = ${fan.id} and revoked_at is null) as live_sessions,
             (select count(*)::int from ws_connections where user_id = ${fan.id}) as sockets,
             (select count(*)::int from orders where user_id = ${fan.id}) as orders,
             (select count(*)::int from tickets where user_id = ${fan.id}) as tickets,
             (select count(*)::int from deposits where user_id = ${fan.id}) as deposits`;
    expect(left).toEqual({ cart: 0, live_sessions: 0, sockets: 0, orders: 1, tickets: 1, deposits: 1 });
    expect((await db()`select id from orders where user_id = ${fan.id}`)[0]!.id).toBe(order);

    // The ledger is whole: every transfer of the fan's sums to zero, and each wallet it touched equals its entries.
    const wallets = await db()<{ id: string }[]>`
      select distinct t.wallet_id as id from transactions t
      where t.transfer_id in (select transfer_id from transactions where user_id = ${fan.id})`;
    const [books] = await db()`
      select (select count(*)::int from (select transfer_id from transactions where transfer_id in (select transfer_id from transactions where user_id = ${fan.id})
                                          group by transfer_id having sum(amount) <> 0) u) as unbalanced,
             (select count(*)::int from wallets w where w.id = any(${wallets.map((w) => w.id)}::uuid[])
                and w.balance <> (select coalesce(sum(amount), 0) from transactions where wallet_id = w.id)) as off_balance`;
    expect(books).toEqual({ unbalanced: 0, off_balance: 0 });
    // Her note, her words, is gone from Bob's entry too; the payment stays.
    const received = await db()`select amount, metadata from transactions where user_id = ${bob.id} and type = 'receive' order by seq`;
    expect(received.map((r) => [r.amount, r.metadata])).toEqual([[500, {}], [3001, {}]]);

    // Bob's conversation is whole, her words under "Deleted fan".
    const seen = await messagesIn(bob, conversation);
    expect(seen.body.items.map((m: { sender: { name: string }; message: string }) => [m.sender.name, m.message])).toEqual([
      ['Bob Stays', 'Bob: my flat is at 12 rue Secrète'],
      ['Deleted fan', 'Claire: meet at gate 4 before the match'],
    ]);
    const listedConversations = await invoke(conversationsList, { path: '/api/social/conversations', token: bob.token });
    expect(listedConversations.body.items.find((c: { id: string }) => c.id === conversation).participants.map((p: { name: string }) => p.name).sort()).toEqual(['Bob Stays', 'Deleted fan']);

    // Logging in fails as for an unknown email; the old tokens are refused; the address is free again.
    const loggedIn = await invoke(login, { path: '/api/auth/login', body: { email: fan.email, password: fan.password }, ip: randomIp() });
    const unknown = await invoke(login, { path: '/api/auth/login', body: { email: uniqueEmail('nobody'), password: fan.password }, ip: randomIp() });
    expect([loggedIn.status, loggedIn.body.type, loggedIn.body.detail]).toEqual([unknown.status, unknown.body.type, unknown.body.detail]);
    expectProblem(await invoke(refresh, { path: '/api/auth/refresh', body: { refresh_token: fan.refresh } }), 401);
    expectProblem(await invoke(me, { path: '/api/auth/me', token: fan.token }), 401);
    expectProblem(await exportOf(fan), 401);
    // Every route, not only those that look the fan up: the closing ended the sessions their access tokens name.
    expectProblem(await invoke(walletBalance, { path: '/api/wallet/balance', token: fan.token }), 401);
    const again = await invoke(register, { path: '/api/auth/register', body: { email: fan.email, password: 'another good password', name: 'Claire Again' }, ip: randomIp() });
    expect(again.status).toBe(201);
    expect(again.body.user.id).not.toBe(fan.id);

    // No one pays a closed account, nor hands it a ticket, though its id is known.
    expectProblem(await send(bob, fan.id, 100), 409, '/problems/account-closed');
    const gift = await invoke(ticketTransfer, { path: `/api/tickets/${first}/transfer`, token: bob.token, params: { id: first }, headers: { 'idempotency-key': key() }, body: { to: fan.id } });
    expectProblem(gift, 409, '/problems/account-closed');
  });
});
