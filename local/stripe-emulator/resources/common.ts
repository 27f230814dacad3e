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

/** Which statuses an operation is allowed from. */
export const expectStatus = (actual: string | null, allowed: readonly string[], message: string) => {
  if (!allowed.includes(actual ?? '')) throw invalidRequest(message);
};
