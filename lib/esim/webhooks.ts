import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidate, keys } from '../cache';
import { config } from '../config';
import { db } from '../db';
import { notFound, ProblemError, unavailable } from '../http/problem';
import { pushNotification } from '../notifications/notifications';
import type { UsageReportInput } from './schemas';

const badSignature = () =>
  new ProblemError(401, 'invalid-signature', 'X-Signature must be the hex HMAC-SHA512 of the exact body, with the carrier\'s secret.');

/** The carrier signs the body's bytes: `X-Signature: <hex HMAC-SHA512>` (a `sha512=` prefix is allowed). */
export const checkSignature = (rawBody: Buffer | undefined, signature: string | undefined): void => {
  const secret = config.esimWebhookSecret();
  if (!secret) throw unavailable('eSIM usage reports cannot be checked: ESIM_WEBHOOK_SECRET is not set.');
  const hex = (signature ?? '').replace(/^sha512=/i, '');
  // Strictly 128 hex digits: Buffer.from(…, 'hex') would stop quietly at the first other character.
  if (!/^[0-9a-f]{128}$/i.test(hex)) throw badSignature();
  const given = Buffer.from(hex, 'hex');
  const expected = createHmac('sha512', secret).update(rawBody ?? Buffer.alloc(0)).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badSignature();
};

/**
 * A signed usage report (migration 005's esim_record_usage): usage only
 * grows and a report older than the last one changes nothing, so the
 * carrier may resend at will; 75 % and 90 % are notified once each.
 */
export const recordUsage = async (rawBody: Buffer | undefined, signature: string | undefined, report: UsageReportInput) => {
  checkSignature(rawBody, signature);
  const [{ outcome }] = (await db()`select esim_record_usage(${report.iccid}, ${report.used_mb}, ${report.at}::timestamptz) as outcome`) as unknown as [
    { outcome: { user_id: string; applied: boolean; notified: string[] } | null },
  ];
  if (!outcome) throw notFound('No eSIM has this ICCID.');
  if (outcome.applied) await invalidate(keys.esimActive(outcome.user_id));
  // `notified` names only the thresholds this report crossed first: a resent report pushes nothing again.
  await Promise.all(outcome.notified.map((percent) => pushNotification(outcome.user_id, 'esim-low-data', { iccid: report.iccid, threshold_percent: Number(percent) })));
  return { applied: outcome.applied, notified: outcome.notified };
};
