/**
 * Moderation: fans report posts as they report messages; a club's
 * moderators work one queue of both, oldest first, and dismiss a report or
 * remove its item, which leaves every fan's view at once, past the caches;
 * a post can also be removed directly. Each change is in the audit trail,
 * and nobody else's club is seen or touched.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { handler as postRemove } from '../../../functions/admin/feed/post-remove';
import { handler as reportResolve } from '../../../functions/admin/social/report-resolve';
import { handler as reportsList } from '../../../functions/admin/social/reports-list';
import { handler as auditList } from '../../../functions/admin/staff/audit-list';
import { handler as feedGet } from '../../../functions/feed/get';
import { handler as postCreate } from '../../../functions/feed/post-create';
import { handler as postLike } from '../../../functions/feed/post-like';
import { handler as postReport } from '../../../functions/feed/post-report';
import { handler as startConversation } from '../../../functions/social/conversation-create';
import { handler as conversationsList } from '../../../functions/social/conversations-list';
import { handler as messagePost } from '../../../functions/social/message-post';
import { handler as messageReport } from '../../../functions/social/message-report';
import { handler as messagesList } from '../../../functions/social/messages-list';
import { keys } from '../../../lib/cache';
import { db } from '../../../lib/db';
import { redis } from '../../../lib/redis';
import { expectProblem } from '../../support/assertions';
import { newFan, type Fan } from '../../support/fans';
import { invoke } from '../../support/http';
import { clubWithAdmin, staffMember } from '../../support/staff';

const post = async (fan: Fan, text: string) => (await invoke(postCreate, { path: '/api/social/posts', token: fan.token, body: { text } })).body.id as string;
const reportPost = (fan: Fan, id: string, reason: unknown = 'hateful') =>
  invoke(postReport, { path: `/api/social/posts/${id}/report`, method: 'POST', token: fan.token, params: { id }, body: { reason } });
const like = (fan: Fan, id: string) => invoke(postLike, { path: `/api/social/posts/${id}/like`, method: 'POST', token: fan.token, params: { id } });
const feedIds = async (fan: Fan) => ((await invoke(feedGet, { path: '/api/social/feed', token: fan.token })).body.items as { id: string }[]).map((i) => i.id);
const conversation = async (fan: Fan, other: Fan) => (await invoke(startConversation, { path: '/api/social/conversations', token: fan.token, body: { participants: [other.id] } })).body.id as string;
const say = async (fan: Fan, id: string, message: string) =>
  (await invoke(messagePost, { path: `/api/social/conversations/${id}/messages`, token: fan.token, params: { id }, body: { message } })).body.id as string;
const reportMessage = (fan: Fan, id: string, reason = 'insults') =>
  invoke(messageReport, { path: `/api/social/messages/${id}/report`, token: fan.token, params: { id }, body: { reason } });
const queue = (by: Fan, query: Record<string, string> = {}) => invoke(reportsList, { path: '/api/admin/reports', token: by.token, query });
const resolve = (by: Fan, id: string, action: unknown) =>
  invoke(reportResolve, { path: `/api/admin/reports/${id}/resolve`, method: 'POST', token: by.token, params: { id }, body: { action } });
const remove = (by: Fan, id: string) => invoke(postRemove, { path: `/api/admin/posts/${id}`, method: 'DELETE', token: by.token, params: { id } });
const audit = async (by: Fan, club: string) => (await invoke(auditList, { path: '/api/admin/audit', token: by.token, query: { club } })).body.items as { action: string; object: { id: string }; before: unknown; after: unknown }[];

/** A club of the test's own with its admin, a moderator and fans. */
const clubWithFans = async () => {
  const { club, admin } = await clubWithAdmin();
  const moderator = await staffMember(club, 'moderator');
  const [ana, bob, cleo] = [await newFan({ club_id: club, name: 'Ana' }), await newFan({ club_id: club, name: 'Bob' }), await newFan({ club_id: club, name: 'Cleo' })];
  return { club, admin, moderator, ana, bob, cleo };
};

const reportsOf = async (item: string) =>
  db()<{ id: string; status: string; resolved_by: string | null }[]>`select id, status, resolved_by from reports where message_id = ${item} or post_id = ${item} order by created_at`;

describe('reports of posts', () => {
  it('a fan reports a post they can see, once; not their own, nor one of another club or removed', async () => {
    const { ana, bob, moderator } = await clubWithFans();
    const outsider = await newFan({ club_id: (await clubWithAdmin()).club });
    const id = await post(ana, 'Rude words');
    const filed = await reportPost(bob, id);
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ id: expect.any(String), post_id: id, reason: 'hateful', status: 'open' });
    const again = await reportPost(bob, id, 'another reason');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(filed.body);
    expectProblem(await reportPost(ana, id), 422, '/problems/own-post');
    expectProblem(await reportPost(outsider, id), 404);
    expectProblem(await reportPost(bob, randomUUID()), 404);
    expectProblem(await reportPost(bob, id, ''), 400);
    expect(await reportsOf(id)).toHaveLength(1);
    expect((await remove(moderator, id)).status).toBe(204);
    expectProblem(await reportPost(moderator, id), 404);
  });
});

describe('the moderation queue', () => {
  it("lists the reports of the club's fans' messages and of its feed's posts, grouped by item, oldest first, page by page", async () => {
    const { club, moderator, admin, ana, bob, cleo } = await clubWithFans();
    const other = await clubWithFans();
    const chat = await conversation(ana, bob);
    const message = await say(ana, chat, 'You are all idiots');
    const postId = await post(bob, 'Buy cheap tickets at scam.example');
    await reportMessage(bob, message);
    await reportPost(ana, postId, 'spam');
    await reportPost(cleo, postId, 'scam');
    // Another club's reports stay in its own queue.
    await reportPost(other.ana, await post(other.bob, 'Elsewhere'));

    const listed = await queue(moderator);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(2);
    const [first, second] = listed.body.items;
    expect(first).toMatchObject({
      kind: 'message', status: 'open', club,
      item: { id: message, text: 'You are all idiots', author: { id: ana.id, name: 'Ana' }, removed: false },
      reports: [{ reporter: { id: bob.id, name: 'Bob' }, reason: 'insults' }],
      resolved_at: null,
    });
    expect(second).toMatchObject({
      kind: 'post', club, item: { id: postId, text: 'Buy cheap tickets at scam.example', author: { id: bob.id } },
      reports: [{ reporter: { id: ana.id }, reason: 'spam' }, { reporter: { id: cleo.id }, reason: 'scam' }],
    });
    expect(second.id).toBe(second.reports[0].id);
    expect(Date.parse(first.first_reported_at)).toBeLessThanOrEqual(Date.parse(second.first_reported_at));
    // An admin holds every role; ?club narrows, and pages follow the cursor.
    expect((await queue(admin, { club })).body).toEqual(listed.body);
    const one = await queue(moderator, { limit: '1' });
    const two = await queue(moderator, { limit: '1', cursor: one.body.next_cursor });
    expect([...one.body.items, ...two.body.items]).toEqual(listed.body.items);
    expect(two.body.next_cursor).toBeNull();
    expect((await queue(moderator, { status: 'dismissed' })).body.items).toEqual([]);
    expectProblem(await queue(moderator, { cursor: 'not-a-cursor' }), 400);
    expectProblem(await queue(moderator, { status: 'closed' }), 400);
    expectProblem(await queue(moderator, { club: other.club }), 404);
  });
});

describe('resolving reports', () => {
  it('remove hides a post from every fan at once, past their cached feeds; its likes no longer change; its other reports are resolved with it', async () => {
    const { club, admin, moderator, ana, bob, cleo } = await clubWithFans();
    const id = await post(ana, 'Offensive post');
    const kept = await post(ana, 'Allez !');
    await reportPost(bob, id);
    await reportPost(cleo, id);
    // Every fan's first page is now cached with the post in it.
    for (const fan of [ana, bob, cleo]) expect(await feedIds(fan)).toEqual(expect.arrayContaining([id, kept]));
    expect(await redis()!.get(keys.feed(bob.id, '1').key)).not.toBeNull();
    const [report] = await reportsOf(id);

    const resolved = await resolve(moderator, report!.id, 'remove');
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ id: report!.id, status: 'actioned', kind: 'post', item_id: id, removed: true });
    expect(resolved.body.resolved).toHaveLength(2);
    for (const fan of [ana, bob, cleo]) {
      const ids = await feedIds(fan);
      expect(ids).toContain(kept);
      expect(ids).not.toContain(id);
    }
    expectProblem(await like(bob, id), 404);
    const [{ like_count }] = (await db()`select like_count from posts where id = ${id}`) as unknown as [{ like_count: number }];
    expect(like_count).toBe(0);
    expect((await reportsOf(id)).map((r) => [r.status, r.resolved_by])).toEqual([['actioned', moderator.id], ['actioned', moderator.id]]);
    // Either report of the item is resolved now.
    for (const r of await reportsOf(id)) expectProblem(await resolve(moderator, r.id, 'dismiss'), 409, '/problems/report-resolved');

    const actioned = await queue(moderator, { status: 'actioned' });
    expect(actioned.body.items).toMatchObject([{ kind: 'post', item: { id, removed: true }, resolved_at: expect.any(String) }]);
    expect((await queue(moderator)).body.items).toEqual([]);
    const [entry] = await audit(admin, club);
    expect(entry).toMatchObject({
      action: 'report.remove', object: { id: report!.id },
      before: { status: 'open', kind: 'post', item_id: id, text: 'Offensive post' },
      after: { status: 'actioned', removed: true },
    });
  });

  it('remove leaves a message in its place, read as removed, in the conversation and its cached list', async () => {
    const { club, admin, moderator, ana, bob } = await clubWithFans();
    const chat = await conversation(ana, bob);
    await say(bob, chat, 'Hello');
    const message = await say(ana, chat, 'Insult');
    // Bob's conversation list is cached with the message as the last one.
    const before = await invoke(conversationsList, { path: '/api/social/conversations', token: bob.token });
    expect(before.body.items[0].last_message).toMatchObject({ id: message, message: 'Insult', removed: false });
    const report = (await reportMessage(bob, message)).body.id as string;
    // Ana's open socket, reached at a stand-in for API Gateway's management API.
    const pushed: unknown[] = [];
    const socket = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        pushed.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => socket.listen(0, '127.0.0.1', done));
    await db()`insert into ws_connections (connection_id, user_id, endpoint) values (${`alive-${randomUUID()}`}, ${ana.id}, ${`http://127.0.0.1:${(socket.address() as AddressInfo).port}`})`;

    expect((await resolve(moderator, report, 'remove')).body).toMatchObject({ status: 'actioned', kind: 'message', removed: true });
    await new Promise<void>((done) => socket.close(() => done()));
    expect(pushed).toEqual([{ type: 'message_removed', conversation_id: chat, message_id: message }]);
    for (const fan of [ana, bob]) {
      const listed = await invoke(conversationsList, { path: '/api/social/conversations', token: fan.token });
      expect(listed.body.items[0].last_message).toMatchObject({ id: message, message: '', removed: true });
      const read = await invoke(messagesList, { path: `/api/social/conversations/${chat}/messages`, token: fan.token, params: { id: chat } });
      expect(read.body.items.map((m: { message: string; removed: boolean }) => [m.message, m.removed])).toEqual([['', true], ['Hello', false]]);
    }
    expectProblem(await reportMessage(bob, message), 404);
    expect((await audit(admin, club))[0]).toMatchObject({ action: 'report.remove', before: { kind: 'message', text: 'Insult' } });
  });

  it('dismiss keeps the item and resolves its open reports; a new report of it opens it again', async () => {
    const { club, admin, moderator, ana, bob, cleo } = await clubWithFans();
    const id = await post(ana, 'Contentious but fine');
    await reportPost(bob, id);
    const [report] = await reportsOf(id);
    const dismissed = await resolve(moderator, report!.id, 'dismiss');
    expect(dismissed.body).toMatchObject({ status: 'dismissed', removed: false, resolved: [report!.id] });
    expect(await feedIds(cleo)).toContain(id);
    expectProblem(await resolve(moderator, report!.id, 'remove'), 409);
    await reportPost(cleo, id);
    expect((await queue(moderator)).body.items).toMatchObject([{ item: { id }, reports: [{ reporter: { id: cleo.id } }] }]);
    expect((await queue(moderator, { status: 'dismissed' })).body.items).toMatchObject([{ item: { id }, reports: [{ reporter: { id: bob.id } }] }]);
    expect((await audit(admin, club))[0]).toMatchObject({ action: 'report.dismiss', object: { id: report!.id }, after: { status: 'dismissed', removed: false } });
    expectProblem(await resolve(moderator, report!.id, 'ban'), 400);
  });
});

describe('removing a post directly', () => {
  it("a moderator removes a post of the club's feed: 204, gone from cached feeds, its open reports actioned, in the audit trail", async () => {
    const { club, admin, moderator, ana, bob } = await clubWithFans();
    const id = await post(ana, 'To be removed');
    await reportPost(bob, id);
    expect(await feedIds(bob)).toContain(id);
    expect((await remove(moderator, id)).status).toBe(204);
    expect(await feedIds(bob)).not.toContain(id);
    expect((await reportsOf(id)).map((r) => r.status)).toEqual(['actioned']);
    expect((await audit(admin, club))[0]).toMatchObject({ action: 'post.remove', object: { id }, before: { text: 'To be removed', removed: false }, after: { removed: true } });
    expectProblem(await remove(moderator, id), 404);
  });
});

describe('who moderates', () => {
  it("another club's moderator or admin, a steward and a fan without a role get 404 and change nothing", async () => {
    const { club, ana, bob } = await clubWithFans();
    const other = await clubWithFans();
    const chat = await conversation(ana, bob);
    const message = await say(ana, chat, 'Reported');
    const postId = await post(ana, 'Reported too');
    const messageReport = (await reportMessage(bob, message)).body.id as string;
    const postReport = (await reportPost(bob, postId)).body.id as string;
    const outsiders = [other.moderator, other.admin, await staffMember(club, 'steward'), await newFan({ club_id: club })];
    for (const outsider of outsiders) {
      expectProblem(await resolve(outsider, messageReport, 'remove'), 404);
      expectProblem(await resolve(outsider, postReport, 'dismiss'), 404);
      expectProblem(await remove(outsider, postId), 404);
      expectProblem(await queue(outsider, { club }), 404);
    }
    expectProblem(await queue(outsiders[3]!), 404);
    expect((await queue(other.moderator)).body.items).toEqual([]);
    expect([...(await reportsOf(message)), ...(await reportsOf(postId))].map((r) => r.status)).toEqual(['open', 'open']);
    expect(await feedIds(bob)).toContain(postId);
    const [{ n }] = (await db()`select count(*)::int as n from audit_entries where club_id = ${club}`) as unknown as [{ n: number }];
    expect(n).toBe(0);
  });
});
