import { createHash } from 'node:crypto';
import { config } from '../config';
import { qrSvg } from '../qr';

/**
 * What the carrier hands over for an eSIM ordered for a plan, as eSIM
 * resellers do: the ICCID of the profile and its GSMA SGP.22 activation
 * code, `LPA:1$<SM-DP+ address>$<matching id>`, which a phone scans as a QR.
 */
export type OrderedEsim = { iccid: string; activation_code: string; qr_code: string };

export type EsimProvider = {
  /**
   * Orders an eSIM profile. `reference` is the request's own (its
   * Idempotency-Key, per fan): the same reference gets the same profile, so
   * a retried activation cannot order twice.
   */
  order(plan: string, reference: string): Promise<OrderedEsim>;
};

/** Luhn check digit, which ends every ICCID (ITU-T E.118). */
const luhn = (digits: string): number => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
};

/**
 * The carrier for local runs and tests: profiles derived from the order's
 * reference (89 telecom, 33 France, then 15 digits and the Luhn digit).
 */
export const simulatedProvider: EsimProvider = {
  order: async (plan, reference) => {
    const hash = createHash('sha256').update(`${plan}:${reference}`).digest();
    const body = `8933${(hash.readBigUInt64BE(0) % 10n ** 14n).toString().padStart(14, '0')}`;
    const iccid = `${body}${luhn(body)}`;
    const matchingId = hash.subarray(8, 20).toString('hex').toUpperCase();
    const activation_code = `LPA:1$${config.esimSmdpAddress()}$${matchingId}`;
    return { iccid, activation_code, qr_code: qrSvg(activation_code) };
  },
};

/** The carrier this deployment orders from. */
export const provider = (): EsimProvider => simulatedProvider;
