/**
 * The demo data's matches are dated from the day they are loaded, so the
 * README's tour (a ticket for `asm-psg`, checked in at the gate) works on
 * any day, on a fresh database or on one kept for months.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '../../lib/db';
import { matchDate, scheduleMatches, seed, type DemoMatch } from '../../scripts/seed';

const dateOf = async (id: string) => (await db()<{ date: Date }[]>`select date from events where id = ${id}`)[0]!.date;

describe('the demo matches', () => {
  it('kick off the given days after the day of loading, at their time (UTC)', () => {
    expect(matchDate(1, '20:00', new Date('2030-12-31T23:59:59Z')).toISOString()).toBe('2031-01-01T20:00:00.000Z');
    expect(matchDate(44, '16:00', new Date('2030-12-05T00:00:00Z')).toISOString()).toBe('2031-01-18T16:00:00.000Z');
  });

  it('have the tour’s match ahead once loaded, and leave it there when loaded again', async () => {
    const loaded = await dateOf('asm-psg');
    expect(loaded.getTime()).toBeGreaterThan(Date.now() + 19 * 3_600_000);
    await seed(db());
    expect(await dateOf('asm-psg')).toEqual(loaded);
  });

  it('are put ahead again when loaded after they were played, and otherwise keep their date', async () => {
    // A club and match of the test's own: a demo match in the past would show in the files running beside this one.
    const tag = randomBytes(5).toString('hex');
    const club = `TEST_${tag.toUpperCase()}`;
    const match: DemoMatch = {
      id: `test-${tag}`, days: 3, kickoff: '18:30', title: 'Test FC vs Rivals', club, venue: 'Test Park', competition: 'Test Cup', hot: false, vip: false,
      categories: [{ category: 'tribune', price: 2000, capacity: 100 }],
    };
    const today = new Date();
    const load = () => db().begin((t) => scheduleMatches(t, [match], today));
    const ahead = matchDate(3, '18:30', today);
    await db()`insert into clubs (id, name, short_name, city, league) values (${club}, 'Test FC', 'Test', 'Testville', 'Test League')`;
    try {
      await load();
      expect(await dateOf(match.id)).toEqual(ahead);
      await db()`update events set date = now() - interval '1 day' where id = ${match.id}`;
      await load();
      expect(await dateOf(match.id)).toEqual(ahead);
      const moved = new Date(ahead.getTime() + 86_400_000);
      await db()`update events set date = ${moved} where id = ${match.id}`;
      await load();
      expect(await dateOf(match.id)).toEqual(moved);
    } finally {
      await db()`delete from clubs where id = ${club}`;
    }
  });
});
