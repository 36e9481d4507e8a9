/**
 * The club feed through its handlers: posts seen by the fans of their club
 * only, likes counted once per fan however they race, the gravity ranking,
 * blocks hiding posts both ways, and a fan's own writes shown at once
 * through the cache. Each test has clubs of its own, so that other files'
 * posts and the demo data stay out of its feeds.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as feedGet } from '../../functions/feed/get';
import { handler as postCreate } from '../../functions/feed/post-create';
import { handler as postLike } from '../../functions/feed/post-like';
import { handler as postUnlike } from '../../functions/feed/post-unlike';
import { handler as blockHandler } from '../../functions/social/user-block';
import { handler as updateMe } from '../../functions/users/update-me';
import { feedPages, keys } from '../../lib/cache';
import { db } from '../../lib/db';
import { redis } from '../../lib/redis';
import { expectProblem } from '../support/assertions';
import { newFan, type Fan } from '../support/fans';
import { invoke } from '../support/http';

const post = (fan: Fan, text: unknown) => invoke(postCreate, { path: '/api/social/posts', token: fan.token, body: { text } });
const like = (fan: Fan, id: string) => invoke(postLike, { path: `/api/social/posts/${id}/like`, method: 'POST', token: fan.token, params: { id } });
const unlike = (fan: Fan, id: string) => invoke(postUnlike, { path: `/api/social/posts/${id}/like`, method: 'DELETE', token: fan.token, params: { id } });
const feedOf = (fan: Fan, query: Record<string, string> = {}) => invoke(feedGet, { path: '/api/social/feed', token: fan.token, query });
const idsIn = async (fan: Fan) => ((await feedOf(fan)).body.items as { id: string }[]).map((i) => i.id);

/** A club of the test's own. */
const newClub = async () => {
  const id = `TEST_${randomBytes(5).toString('hex').toUpperCase()}`;
  await db()`insert into clubs (id, name, short_name, city, league) values (${id}, ${`Test FC ${id}`}, 'Test', 'Testville', 'Test League')`;
  return id;
};

/** A post written straight to the database, `hours` old with `likes` counted, for a ranking independent of the clock. */
const oldPost = async (author: Fan, club: string, hours: number, likes = 0, text = 'Allez') => {
  const [row] = await db()<{ id: string }[]>`
    insert into posts (user_id, club_id, text, like_count, created_at)
    values (${author.id}, ${club}, ${text}, ${likes}, now() - make_interval(secs => ${hours * 3600}))
    returning id`;
  return row!.id;
};

/** The gravity score of the README: points against age in hours. */
const gravity = (points: number, hours: number) => points / (hours + 2) ** 1.8;

/** Drops the fan's cached pages, so that the next read fills them again. */
const cachedAgain = (fan: Fan) => redis()!.del(...feedPages(fan.id).map((page) => page.key));

describe('posting to the club feed', () => {
  it('shows a post to the fans of its club only; a fan without a club cannot post and has an empty feed', async () => {
    const club = await newClub();
    const ana = await newFan({ name: 'Ana Poster', club_id: club });
    const bea = await newFan({ club_id: club });
    const carl = await newFan({ club_id: await newClub() });
    const posted = await post(ana, '  Allez les rouges !  ');
    expect(posted.status).toBe(201);
    expect(posted.body).toEqual({
      id: expect.any(String),
      author: { id: ana.id, name: 'Ana Poster' },
      club,
      text: 'Allez les rouges !',
      like_count: 0,
      liked_by_me: false,
      created_at: expect.any(String),
    });
    const seen = await feedOf(bea);
    expect(seen.status).toBe(200);
    expect(seen.body).toEqual({ items: [{ type: 'post', ...posted.body, score: expect.any(Number) }], page: 1, next_page: null });
    expect(await idsIn(carl)).toEqual([]);
    expectProblem(await like(carl, posted.body.id), 404);

    const loner = await newFan();
    expectProblem(await post(loner, 'Hello?'), 422, '/problems/no-club');
    expect((await feedOf(loner)).body).toEqual({ items: [], page: 1, next_page: null });
  });

  it('refuses bad input with a 400 problem naming the field', async () => {
    const fan = await newFan({ club_id: await newClub() });
    for (const text of ['', '   ', 'x'.repeat(1001), 'a\u0000b', 'zero\u200bwidth', 'right\u202eleft', 42, null]) {
      const res = await post(fan, text);
      expectProblem(res, 400);
      expect(res.body.errors[0].path).toBe('body.text');
    }
    expect((await post(fan, 'x'.repeat(1000))).status).toBe(201);
    expectProblem(await invoke(postCreate, { path: '/api/social/posts', token: fan.token, body: { text: 'hi', club: 'PSG' } }), 400);
    for (const page of ['0', '51', '1.5', 'abc', '']) expectProblem(await feedOf(fan, { page }), 400);
    expectProblem(await feedOf(fan, { limit: '10' }), 400);
    expectProblem(await like(fan, 'not-a-post'), 400);
    expectProblem(await invoke(postCreate, { path: '/api/social/posts', body: { text: 'hi' } }), 401);
  });
});

describe('likes', () => {
  it('counts a fan once: liking again or unliking twice answers the same', async () => {
    const club = await newClub();
    const ana = await newFan({ club_id: club });
    const bea = await newFan({ club_id: club });
    const { id } = (await post(ana, 'Who was man of the match?')).body;
    const first = await like(bea, id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id, like_count: 1, liked_by_me: true });
    expect((await like(bea, id)).body).toEqual(first.body);
    const undone = await unlike(bea, id);
    expect(undone.status).toBe(200);
    expect(undone.body).toMatchObject({ id, like_count: 0, liked_by_me: false });
    expect((await unlike(bea, id)).body).toEqual(undone.body);
    // The author may like their own post, once too.
    expect((await like(ana, id)).body).toMatchObject({ like_count: 1, liked_by_me: true });
  });

  it('keeps the count equal to the likes when 20 fans like at once, each twice', async () => {
    const club = await newClub();
    const ana = await newFan({ club_id: club });
    const fans = await Promise.all(Array.from({ length: 20 }, () => newFan({ club_id: club })));
    const { id } = (await post(ana, 'Derby day')).body;
    const answers = await Promise.all(fans.flatMap((f) => [like(f, id), like(f, id)]));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const [row] = await db()<{ like_count: number; likes: number }[]>`
      select like_count, (select count(*)::int from post_likes where post_id = ${id}) as likes from posts where id = ${id}`;
    expect(row).toEqual({ like_count: 20, likes: 20 });

    await Promise.all(fans.slice(0, 7).flatMap((f) => [unlike(f, id), unlike(f, id)]));
    expect((await like(ana, id)).body.like_count).toBe(14);
  });
});

describe('the ranking', () => {
  it('ranks by likes against age: a liked post above a newer one, an old post decayed below a new one', async () => {
    const club = await newClub();
    const ana = await newFan({ club_id: club });
    const bea = await newFan({ club_id: club });
    const liked = await oldPost(ana, club, 5, 10); // 11 / 7^1.8 ≈ 0.33
    const newer = await oldPost(ana, club, 1); //       1 / 3^1.8 ≈ 0.14
    const old = await oldPost(ana, club, 48, 3); //     4 / 50^1.8 ≈ 0.003
    const fresh = await oldPost(ana, club, 0); //       1 / 2^1.8 ≈ 0.29
    const { items } = (await feedOf(bea)).body as { items: { id: string; score: number }[] };
    expect(items.map((i) => i.id)).toEqual([liked, fresh, newer, old]);
    const expected = [gravity(11, 5), gravity(1, 0), gravity(1, 1), gravity(4, 48)];
    items.forEach((item, i) => expect(item.score).toBeCloseTo(expected[i]!, 4));
  });

  it("mixes in the club's upcoming matches and merchandise in stock, and breaks ties by date, then id", async () => {
    const club = await newClub();
    const fan = await newFan({ club_id: club });
    const tag = randomBytes(4).toString('hex');
    await db()`
      insert into events (id, title, club, date, venue, competition, price_from, hot, created_at) values
        (${`hot-${tag}`}, 'Test FC vs Rivals', ${club}, now() + interval '10 days', 'Test Park', 'Test Cup', 2500, true, now() - interval '2 hours'),
        (${`past-${tag}`}, 'Test FC vs Yesterday', ${club}, now() - interval '1 day', 'Test Park', 'Test Cup', 2500, false, now())`;
    await db()`insert into event_categories (event_id, category, price, capacity, available) values (${`hot-${tag}`}, 'tribune', 2500, 100, 40)`;
    await db()`
      insert into products (id, name, club, category, price, old_price, discount, stock, created_at) values
        (${`sale-${tag}`}, 'Scarf', ${club}, 'accessories', 1400, 2000, 30, 5, now()),
        (${`gone-${tag}`}, 'Cap', ${club}, 'accessories', 2000, null, 0, 0, now())`;
    const [a, b] = await db()<{ id: string }[]>`
      insert into posts (user_id, club_id, text, created_at)
      select ${fan.id}, ${club}, 'Same minute', date_trunc('second', now()) - interval '3 hours' from generate_series(1, 2)
      returning id`;
    const { items } = (await feedOf(fan)).body;
    expect(items).toEqual([
      // 4 points (30 % off), new: 4 / 2^1.8
      {
        type: 'product', id: `sale-${tag}`, name: 'Scarf', club, category: 'accessories', price: 1400, old_price: 2000, discount: 30, stock: 5, nft: false,
        currency: 'EUR', display: '14.00', score: expect.closeTo(gravity(4, 0), 3), created_at: expect.any(String),
      },
      // a hot match: 4 points, 2 hours old
      {
        type: 'event', id: `hot-${tag}`, title: 'Test FC vs Rivals', club, date: expect.stringMatching(/Z$/), venue: 'Test Park', competition: 'Test Cup',
        price_from: 2500, currency: 'EUR', seats_available: 40, hot: true, vip: false, score: expect.closeTo(gravity(4, 2), 3), created_at: expect.any(String),
      },
      // two posts of the same instant and likes: the greater id first, every time
      ...[a!.id, b!.id].sort().reverse().map((id) => expect.objectContaining({ type: 'post', id, score: expect.closeTo(gravity(1, 3), 3) })),
    ]);
    expect((await feedOf(fan)).body.items).toEqual(items);
  });

  it('pages 20 items at a time, every item once', async () => {
    const club = await newClub();
    const fan = await newFan({ club_id: club });
    await db()`
      insert into posts (user_id, club_id, text, like_count, created_at)
      select ${fan.id}, ${club}, 'Post ' || n, n % 4, now() - make_interval(mins => n * 7) from generate_series(1, 25) n`;
    const first = (await feedOf(fan)).body;
    const second = (await feedOf(fan, { page: '2' })).body;
    expect([first.items.length, first.page, first.next_page]).toEqual([20, 1, 2]);
    expect([second.items.length, second.page, second.next_page]).toEqual([5, 2, null]);
    const all = [...first.items, ...second.items] as { id: string; score: number }[];
    expect(new Set(all.map((i) => i.id)).size).toBe(25);
    expect(all.map((i) => i.score)).toEqual(all.map((i) => i.score).sort((x, y) => y - x));
    expect((await feedOf(fan, { page: '3' })).body).toEqual({ items: [], page: 3, next_page: null });
  });
});

describe('blocks', () => {
  it("hide posts both ways: neither fan sees or likes the other's posts", async () => {
    const club = await newClub();
    const ana = await newFan({ club_id: club });
    const bea = await newFan({ club_id: club });
    const cid = await newFan({ club_id: club });
    const anas = (await post(ana, 'Ana here')).body.id as string;
    const beas = (await post(bea, 'Bea here')).body.id as string;
    // Both feeds are cached with both posts; the block shows at once all the same.
    expect((await idsIn(ana)).sort()).toEqual([anas, beas].sort());
    expect((await idsIn(bea)).sort()).toEqual([anas, beas].sort());
    expect((await invoke(blockHandler, { path: `/api/social/users/${bea.id}/block`, token: ana.token, params: { id: bea.id } })).status).toBe(200);
    // The blocked fan no longer sees the blocker…
    expect(await idsIn(bea)).toEqual([beas]);
    expectProblem(await like(bea, anas), 404);
    // …nor the blocker the blocked.
    expect(await idsIn(ana)).toEqual([anas]);
    expectProblem(await like(ana, beas), 404);
    expectProblem(await unlike(ana, beas), 404);
    // Others see both.
    expect((await idsIn(cid)).sort()).toEqual([anas, beas].sort());
  });
});

describe('the cache', () => {
  it("keeps a fan's page a minute, yet shows them their own post, like and unlike at once", async () => {
    const club = await newClub();
    const ana = await newFan({ club_id: club });
    const bea = await newFan({ club_id: club });
    const earlier = await oldPost(bea, club, 1);
    expect(await idsIn(ana)).toEqual([earlier]);
    expect(await redis()!.ttl(keys.feed(ana.id, '1').key)).toBeGreaterThan(50);
    // Someone else's post reaches a cached page when it expires…
    const unseen = (await post(bea, 'Not yet for Ana')).body.id as string;
    expect(await idsIn(ana)).toEqual([earlier]);
    // …one's own at once, and one's own likes and unlikes too.
    const mine = (await post(ana, 'Mine, at once')).body.id as string;
    expect(await idsIn(ana)).toEqual([mine, unseen, earlier]);
    const likeOf = async () => ((await feedOf(ana)).body.items as { id: string }[]).find((i) => i.id === earlier);
    await cachedAgain(ana);
    expect(await likeOf()).toMatchObject({ like_count: 0, liked_by_me: false });
    await like(ana, earlier);
    expect(await likeOf()).toMatchObject({ like_count: 1, liked_by_me: true });
    await cachedAgain(ana);
    expect(await likeOf()).toMatchObject({ like_count: 1, liked_by_me: true });
    await unlike(ana, earlier);
    expect(await likeOf()).toMatchObject({ like_count: 0, liked_by_me: false });
  });

  it("shows a fan who changes club their new club's feed at once", async () => {
    const [home, away] = [await newClub(), await newClub()];
    const ana = await newFan({ club_id: home });
    const homePost = await oldPost(await newFan({ club_id: home }), home, 1);
    const awayPost = await oldPost(await newFan({ club_id: away }), away, 1);
    expect(await idsIn(ana)).toEqual([homePost]);
    const moved = await invoke(updateMe, { path: '/api/users/me', method: 'PATCH', token: ana.token, body: { club_id: away } });
    expect(moved.status).toBe(200);
    expect(await idsIn(ana)).toEqual([awayPost]);
  });
});
