import type Stripe from 'stripe';
import { invalidRequest, noSuch } from '../errors';
import { obj, str } from '../params';
import type { Ctx } from '../state';
import type { Kind, Kinds } from '../store';

/** Top-level fields that changed, with their old values (`previous_attributes`). */
export const previousAttributes = <T extends object>(before: T, after: T): Partial<T> => {
  const out: Partial<T> = {};
  for (const key of Object.keys(after) as Array<keyof T>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = before[key];
  }
  return out;
};

const LABELS: Record<Kind, string> = {
  customer: 'customer',
  product: 'product',
  price: 'price',
  'checkout.session': 'checkout.session',
  payment_intent: 'payment_intent',
  charge: 'charge',
  invoice: 'invoice',
  invoiceitem: 'invoiceitem',
  invoice_payment: 'invoice_payment',
  credit_note: 'credit_note',
  refund: 'refund',
  dispute: 'dispute',
  event: 'event',
  account: 'account',
};

/** The object, or Stripe's `No such …` (404 from the URL, 400 when `param` referenced it). */
export const need = <K extends Kind>(ctx: Ctx, kind: K, id: string, param?: string): Kinds[K] => {
  const found = ctx.state.store.get(kind, id, ctx.account);
  if (!found) throw noSuch(LABELS[kind], id, param);
  return found;
};

export const currencyOf = (value: string, param = 'currency'): string => {
  const lower = value.toLowerCase();
  if (!/^[a-z]{3}$/.test(lower)) throw invalidRequest(`Invalid currency: ${value}.`, { param, validation: true });
  return lower;
};

export const address = () => obj({ line1: str(), line2: str(), city: str(), state: str(), postal_code: str(), country: str() });

export const toAddress = (input: Partial<Record<keyof Stripe.Address, string>> | null | undefined): Stripe.Address | null =>
  input
    ? {
        line1: input.line1 ?? null,
        line2: input.line2 ?? null,
        city: input.city ?? null,
        state: input.state ?? null,
        postal_code: input.postal_code ?? null,
        country: input.country ?? null,
      }
    : null;

/** Stripe's amounts must be positive integers within its limit ($999,999.99 in USD). */
export const checkAmount = (amount: number, param: string, { allowZero = false } = {}) => {
  if (amount < (allowZero ? 0 : 1)) throw invalidRequest(`This value must be greater than or equal to ${allowZero ? 0 : 1}.`, { param, code: 'parameter_invalid_integer', validation: true });
  if (amount > 99_999_999) throw invalidRequest('Amount must be no more than $999,999.99', { param, code: 'amount_too_large', validation: true });
};

/**
 * Stripe's minimum charge amount per currency, in minor units (docs.stripe.com/currencies, "Minimum
 * and maximum charge amounts"; JPY is zero-decimal). Another currency must convert to at least
 * $0.50: the emulator, which has no exchange rates, asks 50 minor units of it. A copy of Stripe's
 * table, not an import of kneadpay's (functions/domain/charge-minimum.ts): the emulator stands for
 * Stripe, so a slip in kneadpay's copy must not agree with itself; test/unit/charge-minimum.test.ts
 * holds the two transcriptions equal.
 */
export const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

export const minimumChargeOf = (currency: string): number => MINIMUM_CHARGE[currency.toLowerCase()] ?? 50;

/** How Stripe names the minimum in its refusal: "$0.50 usd", "¥50 jpy". */
export const minimumChargeText = (currency: string): string => {
  const minimum = minimumChargeOf(currency);
  const lower = currency.toLowerCase();
  const major = lower === 'jpy' ? String(minimum) : (minimum / 100).toFixed(2);
  const symbol = { usd: '$', aud: '$', cad: '$', hkd: '$', mxn: '$', nzd: '$', sgd: '$', eur: '€', gbp: '£', jpy: '¥', inr: '₹' }[lower] ?? '';
  return `${symbol}${major} ${lower}`;
};

/** Which statuses an operation is allowed from. */
export const expectStatus = (actual: string | null, allowed: readonly string[], message: string) => {
  if (!allowed.includes(actual ?? '')) throw invalidRequest(message);
};
