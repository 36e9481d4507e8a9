/**
 * How long a closed connection waits before it opens again (lib/db.ts). postgres.js
 * counts closes for the whole pool, so one cut of several connections raised its
 * own delay to many seconds, and a query queued meanwhile outlived its request.
 */
import { describe, expect, it } from 'vitest';
import { reconnectDelay } from '../../lib/db';

describe('reconnectDelay', () => {
  it('starts at 10 ms at most and grows with the closes counted', () => {
    expect(reconnectDelay(0)).toBeLessThanOrEqual(0.01);
    expect(reconnectDelay(0)).toBeGreaterThanOrEqual(0.005);
    expect(reconnectDelay(5)).toBeGreaterThanOrEqual(0.16);
  });

  it('never waits more than a second, however many connections closed', () => {
    for (const closes of [10, 20, 40, 100, 1000]) expect(reconnectDelay(closes)).toBeLessThanOrEqual(1);
  });
});
