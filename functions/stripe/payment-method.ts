import type Stripe from 'stripe';
import type { PaymentMethod } from '../domain/receipt';
import { listInvoicePayments } from './invoices';

const UNKNOWN: PaymentMethod = { type: 'unknown' };

const idOf = (value: string | { id: string } | null | undefined): string | undefined => (typeof value === 'string' ? value : value?.id);

/** What a charge says about how it was paid: card brand and last 4, or the bank account's last 4. */
export const paymentMethodOfCharge = (charge: Stripe.Charge | null | undefined): PaymentMethod => {
  const details = charge?.payment_method_details;
  if (details?.type === 'card' && details.card?.last4) return { type: 'card', brand: details.card.brand ?? 'card', last4: details.card.last4 };
  if (details?.type === 'us_bank_account' && details.us_bank_account?.last4) {
    return { type: 'bank_account', bankName: details.us_bank_account.bank_name ?? null, last4: details.us_bank_account.last4 };
  }
  return UNKNOWN;
};

/**
 * How a payment was made, read from Stripe (reads only: nothing is sent, so no PHI can leak).
 * `paymentId` is what PaymentSucceeded carries: a PaymentIntent (`pi_`), an Invoice (`in_`, whose
 * payment is followed to its PaymentIntent) or a Charge (`ch_`/`py_`). Anything else is `unknown`.
 */
export const lookupPaymentMethod = async (stripe: Stripe, paymentId: string, stripeAccount?: string): Promise<PaymentMethod> => {
  const options: Stripe.RequestOptions = stripeAccount ? { stripeAccount } : {};
  if (/^(ch|py)_/.test(paymentId)) return paymentMethodOfCharge(await stripe.charges.retrieve(paymentId, {}, options));
  let intentId: string | undefined = paymentId;
  if (paymentId.startsWith('in_')) {
    const payments = await listInvoicePayments({ stripe, account: stripeAccount }, paymentId);
    const payment = payments.find((candidate) => candidate.status === 'paid') ?? payments[0];
    intentId = idOf(payment?.payment?.payment_intent);
  }
  if (!intentId?.startsWith('pi_')) return UNKNOWN;
  const intent = await stripe.paymentIntents.retrieve(intentId, { expand: ['latest_charge'] }, options);
  const charge = intent.latest_charge;
  if (typeof charge === 'string') return paymentMethodOfCharge(await stripe.charges.retrieve(charge, {}, options));
  return paymentMethodOfCharge(charge);
};
