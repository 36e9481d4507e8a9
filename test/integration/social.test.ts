/**
 * Conversations between fans through their handlers: who may read and post,
 * direct conversations found again, unread counts that follow reads, resends
 * by client_id, blocks and reports.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as startHandler } from '../../functions/social/conversation-create';
import { handler as readHandler } from '../../functions/social/conversation-read';
import { handler as listHandler } from '../../functions/social/conversations-list';
import { handler as reportHandler } from '../../functions/social/message-report';
import { handler as postHandler } from '../../functions/social/message-post';
import { handler as messagesHandler } from '../../functions/social/messages-list';
import { handler as blockHandler } from '../../functions/social/user-block';
import { handler as unblockHandler } from '../../functions/social/user-unblock';
import { db } from '../../lib/db';
import { expectProblem } from '../support/assertions';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';

const start = (fan: Fan, participants: string[], title?: string) =>
  invoke(startHandler, { path: '/api/social/conversations', token: fan.token, body: { participants, ...(title ? { title } : {}) } });
const conversations = (fan: Fan, query: Record<string, string> = {}) =>
  invoke(listHandler, { path: '/api/social/conversations', token: fan.token, query });
const post = (fan: Fan, conversation: string, message: string, client_id?: string) =>
  invoke(postHandler, { path: `/api/social/conversations/${conversation}/messages`, token: fan.token, params: { id: conversation }, body: { message, ...(client_id ? { client_id } : {}) } });
const messages = (fan: Fan, conversation: string, query: Record<string, string> = {}) =>
  invoke(messagesHandler, { path: `/api/social/conversations/${conversation}/messages`, token: fan.token, params: { id: conversation }, query });
const read = (fan: Fan, conversation: string, up_to: string) =>
  invoke(readHandler, { path: `/api/social/conversations/${conversation}/read`, token: fan.token, params: { id: conversation }, body: { up_to } });
const block = (fan: Fan, other: string) => invoke(blockHandler, { path: `/api/social/users/${other}/block`, token: fan.token, params: { id: other } });
const unblock = (fan: Fan, other: string) =>
  invoke(unblockHandler, { path: `/api/social/users/${other}/block`, method: 'DELETE', token: fan.token, params: { id: other } });
const report = (fan: Fan, message: string, reason = 'insults') =>
  invoke(reportHandler, { path: `/api/social/messages/${message}/report`, token: fan.token, params: { id: message }, body: { reason } });

const unreadIn = async (fan: Fan, conversation: string) =>
  (await conversations(fan)).body.items.find((c: { id: string }) => c.id === conversation).unread_count as number;

describe('conversations', () => {
  it('starts one direct conversation per pair, by email or id, and a group with a title', async () => {
    const [ana, bob, cleo] = [await newFan({ name: 'Ana' }), await newFan({ name: 'Bob' }), await newFan({ name: 'Cleo' })];
    const direct = await start(ana, [bob.email.toUpperCase()]);
    expect(direct.status).toBe(201);
    expect(direct.body).toMatchObject({ direct: true, title: null, unread_count: 0, last_message: null });
    expect(direct.body.participants.map((p: { name: string }) => p.name)).toEqual(['Ana', 'Bob']);
    // The same pair, from either side, by id: the same conversation.
    const again = await start(bob, [ana.id]);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(direct.body.id);
    const group = await start(ana, [bob.id, cleo.email, ana.email], 'Away day');
    expect(group.status).toBe(201);
    expect(group.body).toMatchObject({ direct: false, title: 'Away day' });
    expect(group.body.participants).toHaveLength(3);
  });

  it('refuses unknown fans (404), nobody but yourself (422) and bad bodies (400)', async () => {
    const ana = await newFan();
    const missing = await start(ana, ['ghost@example.test']);
    expectProblem(missing, 404);
    expect(missing.body.detail).toContain('ghost@example.test');
    expectProblem(await start(ana, [ana.id]), 422, '/problems/no-one-else');
    expectProblem(await start(ana, []), 400);
    expectProblem(await start(ana, Array.from({ length: 50 }, (_, i) => `fan${i}@example.test`)), 400);
    expectProblem(await start(ana, [(await newFan()).id], ' '), 400);
  });

  it('lists them by latest activity with the last message, and pages', async () => {
    const [ana, bob, cleo] = [await newFan(), await newFan({ name: 'Bob' }), await newFan()];
    const first = (await start(ana, [bob.id])).body.id as string;
    const second = (await start(ana, [cleo.id])).body.id as string;
    expect((await conversations(ana)).body.items.map((c: { id: string }) => c.id)).toEqual([second, first]);
    await post(bob, first, 'On y va ?');
    const listed = await conversations(ana);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([first, second]);
    expect(listed.body.items[0]).toMatchObject({ last_message: { message: 'On y va ?', sender: { id: bob.id, name: 'Bob' } }, unread_count: 1 });
    const page1 = await conversations(ana, { limit: '1' });
    const page2 = await conversations(ana, { limit: '1', cursor: page1.body.next_cursor });
    expect([page1.body.items[0].id, page2.body.items[0].id]).toEqual([first, second]);
    expect(page2.body.next_cursor).toBeNull();
  });
});

describe('messages', () => {
  it('are for participants only: anyone else gets 404 for reading, posting, marking and reporting', async () => {
    const [ana, bob, eve] = [await newFan(), await newFan(), await newFan()];
    const id = (await start(ana, [bob.id])).body.id as string;
    const sent = await post(ana, id, 'Salut Bob');
    expect(sent.status).toBe(201);
    expectProblem(await messages(eve, id), 404);
    expectProblem(await post(eve, id, 'intrus'), 404);
    expectProblem(await read(eve, id, sent.body.id), 404);
    expectProblem(await report(eve, sent.body.id), 404);
    expectProblem(await messages(ana, randomUUID()), 404);
    expect((await messages(bob, id)).body.items.map((m: { message: string }) => m.message)).toEqual(['Salut Bob']);
  });

  it('are listed newest first, in pages', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const id = (await start(ana, [bob.id])).body.id as string;
    for (const text of ['un', 'deux', 'trois']) await post(ana, id, text);
    const page1 = await messages(bob, id, { limit: '2' });
    const page2 = await messages(bob, id, { limit: '2', cursor: page1.body.next_cursor });
    expect([...page1.body.items, ...page2.body.items].map((m: { message: string }) => m.message)).toEqual(['trois', 'deux', 'un']);
    expect(page2.body.next_cursor).toBeNull();
    expectProblem(await messages(bob, id, { cursor: 'nope' }), 400);
  });

  it('post once per client_id, even when resent at the same instant', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const id = (await start(ana, [bob.id])).body.id as string;
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(ana, id, 'Allez !', 'phone-42')));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(4);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect((await messages(bob, id)).body.items).toHaveLength(1);
    // Another fan may use the same client_id: it is the sender's own.
    expect((await post(bob, id, 'Allez !', 'phone-42')).status).toBe(201);
    expectProblem(await post(ana, id, ''), 400);
    expectProblem(await post(ana, id, 'x'.repeat(2001)), 400);
    expectProblem(await post(ana, id, 'ok', 'bad id!'), 400);
  });

  it('count unread messages per reader, and reads move the count (never back)', async () => {
    const [ana, bob, cleo] = [await newFan(), await newFan(), await newFan()];
    const id = (await start(ana, [bob.id, cleo.id], 'Trio')).body.id as string;
    const sent: string[] = [];
    for (const text of ['1', '2', '3']) sent.push((await post(ana, id, text)).body.id);
    expect([await unreadIn(ana, id), await unreadIn(bob, id), await unreadIn(cleo, id)]).toEqual([0, 3, 3]);
    const marked = await read(bob, id, sent[1]!);
    expect(marked.body).toEqual({ conversation_id: id, up_to: sent[1], unread_count: 1 });
    expect([await unreadIn(bob, id), await unreadIn(cleo, id)]).toEqual([1, 3]);
    // An older marker does not undo a newer one.
    expect((await read(bob, id, sent[0]!)).body).toEqual({ conversation_id: id, up_to: sent[1], unread_count: 1 });
    await post(cleo, id, '4');
    expect([await unreadIn(ana, id), await unreadIn(bob, id), await unreadIn(cleo, id)]).toEqual([1, 2, 0]);
    expectProblem(await read(bob, id, randomUUID()), 404);
  });
});

describe('safety', () => {
  it('a blocked fan can neither message you nor start a conversation with you; unblocking lets them again', async () => {
    const [ana, bob] = [await newFan(), await newFan({ name: 'Bob' })];
    const id = (await start(bob, [ana.id])).body.id as string;
    const blocked = await block(ana, bob.id);
    expect(blocked.body).toEqual({ user: { id: bob.id, name: 'Bob' }, blocked: true });
    expect((await block(ana, bob.id)).body).toEqual(blocked.body);
    expectProblem(await post(bob, id, 'hello?'), 403, '/problems/blocked');
    expectProblem(await start(bob, [ana.id]), 403, '/problems/blocked');
    // The blocker may still write.
    expect((await post(ana, id, 'bye')).status).toBe(201);
    expect((await unblock(ana, bob.id)).body).toEqual({ user: { id: bob.id, name: 'Bob' }, blocked: false });
    expect((await post(bob, id, 'sorry')).status).toBe(201);
    expectProblem(await block(ana, ana.id), 422);
    expectProblem(await block(ana, randomUUID()), 404);
  });

  it('stores a report of a message once, for moderation; your own message cannot be reported', async () => {
    const [ana, bob] = [await newFan(), await newFan()];
    const id = (await start(ana, [bob.id])).body.id as string;
    const message = (await post(ana, id, 'rude words')).body.id as string;
    const filed = await report(bob, message, 'insults');
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ message_id: message, reason: 'insults', status: 'open' });
    const again = await report(bob, message, 'other reason');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(filed.body);
    expectProblem(await report(ana, message), 422, '/problems/own-message');
    const [{ reports }] = (await db()`select count(*)::int as reports from reports where message_id = ${message}`) as unknown as [{ reports: number }];
    expect(reports).toBe(1);
  });
});
