/**
 * The demo data's matches are dated from the day they are loaded, so the
 * README's tour (a ticket for `asm-psg`, checked in at the gate) works on
 * any day, on a fresh database or on one kept for months.
 */
import { describe, expect, it } from 'vitest';
import { invalidate, keys } from '../../lib/cache';
import { db } from '../../lib/db';
import { matchDate, seed } from '../../scripts/seed';

const dateOf = async (id: string) => (await db()<{ date: Date }[]>`select date from events where id = ${id}`)[0]!.date;

describe('the demo matches', () => {
  it('kick off the given days after the day of loading, at their time (UTC)', () => {
    const today = new Date('2026-12-31T23:59:00Z');
    expect(matchDate(1, '20:00', today).toISOString()).toBe('2027-01-01T20:00:00.000Z');
    expect(matchDate(44, '16:00', new Date('2026-12-05T00:00:00Z')).toISOString()).toBe('2027-01-18T16:00:00.000Z');
  });

  it('have the tour’s match ahead once loaded', async () => {
    expect((await dateOf('asm-psg')).getTime()).toBeGreaterThan(Date.now() + 19 * 3_600_000);
  });

  it('are put ahead again when loaded after they were played, and otherwise keep their date', async () => {
    // The farthest demo match, which no other test buys or lists.
    const offset = matchDate(96, '20:00');
    try {
      await db()`update events set date = now() - interval '1 day' where id = 'rma-psg'`;
      await seed(db());
      expect((await dateOf('rma-psg')).toISOString()).toBe(offset.toISOString());
      const moved = new Date(offset.getTime() + 86_400_000);
      await db()`update events set date = ${moved} where id = 'rma-psg'`;
      await seed(db());
      expect((await dateOf('rma-psg')).toISOString()).toBe(moved.toISOString());
    } finally {
      await db()`update events set date = ${offset} where id = 'rma-psg'`;
      await invalidate(keys.events('PSG'));
    }
  });
});
