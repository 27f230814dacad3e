import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const randomText = (length: number): string => {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
};

/** Stripe-looking ids: `cus_…`, `pi_…`, and the long test-mode `cs_test_…` for Checkout Sessions. */
export const newId = (prefix: string, length = 24): string => `${prefix}_${randomText(length)}`;
export const newSessionId = (): string => `cs_test_${randomText(58)}`;
export const newRequestId = (): string => newId('req', 14);
export const randomUpper = (length: number): string =>
  randomText(length * 2)
    .replace(/[^A-Z0-9]/g, '')
    .padEnd(length, 'X')
    .slice(0, length);
export const fingerprint = (): string => randomText(16);
