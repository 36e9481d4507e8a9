import * as z from 'zod/mini';

/** Integer cents, as every amount travels. */
export const Cents = z.number().check(z.int({ error: 'Must be a whole number of cents' }), z.minimum(1, { error: 'Must be at least 1 cent' }), z.maximum(Number.MAX_SAFE_INTEGER));

/** "89.99" from 8999, by integer arithmetic: no float ever touches money. */
export const display = (cents: number): string => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};

/** "€1,000.00", for messages. */
export const euros = (cents: number): string => {
  const [units, fraction] = display(cents).split('.');
  return `€${units!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
};
