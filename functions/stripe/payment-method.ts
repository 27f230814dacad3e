import type Stripe from 'stripe';
import type { PaymentMethod, PaymentPart } from '../domain/receipt';
import { oldestFirst } from './gateway';
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
  return methodOfIntent(stripe, intentId, options);
};

const methodOfIntent = async (stripe: Stripe, intentId: string, options: Stripe.RequestOptions): Promise<PaymentMethod> => {
  const intent = await stripe.paymentIntents.retrieve(intentId, { expand: ['latest_charge'] }, options);
  const charge = intent.latest_charge;
  if (typeof charge === 'string') return paymentMethodOfCharge(await stripe.charges.retrieve(charge, {}, options));
  return paymentMethodOfCharge(charge);
};

/**
 * Each payment that paid a Stripe invoice (`GET /v1/invoice_payments?invoice=`, every page), oldest
 * first, with what it paid (`amount_paid`), when (`status_transitions.paid_at`, else `created`) and
 * how (its PaymentIntent's charge, or its charge). Several when the practice charged the invoice in
 * parts (Stripe's partial payments, docs.stripe.com/api/invoices/attach_payment). Only `paid` ones
 * count; a payment whose method Stripe cannot say is `unknown`. Reads only.
 */
export const lookupInvoicePaymentParts = async (stripe: Stripe, stripeInvoiceId: string, stripeAccount?: string): Promise<PaymentPart[]> => {
  const options: Stripe.RequestOptions = stripeAccount ? { stripeAccount } : {};
  const payments = oldestFirst((await listInvoicePayments({ stripe, account: stripeAccount }, stripeInvoiceId)).filter((payment) => payment.status === 'paid'));
  const parts: PaymentPart[] = [];
  for (const payment of payments) {
    const intent = idOf(payment.payment?.payment_intent);
    const charge = idOf(payment.payment?.charge);
    const method = intent?.startsWith('pi_') ? await methodOfIntent(stripe, intent, options) : charge ? paymentMethodOfCharge(await stripe.charges.retrieve(charge, {}, options)) : UNKNOWN;
    const paidAt = payment.status_transitions?.paid_at ?? payment.created;
    parts.push({ amountCents: payment.amount_paid ?? 0, at: new Date(paidAt * 1000).toISOString(), method });
  }
  return parts;
};

/**
 * Where a refund went back to: the card or account of the payment it was made on (the refund's
 * PaymentIntent, else its charge). For an invoice paid in parts this is the part refunded, not the
 * invoice's last payment. Reads only.
 */
export const lookupRefundMethod = async (stripe: Stripe, refundId: string, stripeAccount?: string): Promise<PaymentMethod> => {
  const options: Stripe.RequestOptions = stripeAccount ? { stripeAccount } : {};
  const refund = await stripe.refunds.retrieve(refundId, {}, options);
  const intent = idOf(refund.payment_intent);
  if (intent?.startsWith('pi_')) return methodOfIntent(stripe, intent, options);
  const charge = idOf(refund.charge);
  return charge ? paymentMethodOfCharge(await stripe.charges.retrieve(charge, {}, options)) : UNKNOWN;
};
