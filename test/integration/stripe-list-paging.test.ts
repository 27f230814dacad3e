/**
 * kneadpay's Stripe lists read past their first page (audit j2). Stripe's lists are cursor-paged
 * (`limit` 1–100, `has_more`, `starting_after`: docs.stripe.com/api/pagination); a call that reads
 * only `data` of its first answer answers short as soon as there is more than one page. Through the
 * real SDK (`createStripe`) on a private emulator.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripe } from '../../functions/stripe/client';
import { collect, listAll, STRIPE_LIST_BOUND } from '../../functions/stripe/gateway';
import { listInvoicePayments } from '../../functions/stripe/invoices';
import { lookupPaymentMethod } from '../../functions/stripe/payment-method';
import { listRefunds } from '../../functions/stripe/refunds';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = await createStripe({ apiKey: 'sk_test_emulator', apiBase: emulator.url });
});
afterAll(async () => {
  await emulator.stop();
});

/** A $110.00 payment refunded in 110 refunds of $1.00 (more than one page of 100). */
const refundedInPieces = async (count: number) => {
  const intent = await stripe.paymentIntents.create({ amount: count * 100, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  const made: Stripe.Refund[] = [];
  for (let i = 0; i < count; i += 1) made.push(await stripe.refunds.create({ payment_intent: intent.id, amount: 100 }));
  return { intent, made, charge: String(intent.latest_charge) };
};

describe('Stripe lists read every page', () => {
  it('listRefunds: a payment refunded 110 times lists 110 refunds, by payment intent and by charge (100 before: one page)', async () => {
    const { intent, made, charge } = await refundedInPieces(110);
    const byIntent = await listRefunds({ stripe }, { payment_intent: intent.id });
    const byCharge = await listRefunds({ stripe }, { charge });
    expect(byIntent.map((refund) => refund.id).sort()).toEqual(made.map((refund) => refund.id).sort());
    expect(byCharge).toHaveLength(110);
    expect(byCharge.reduce((sum, refund) => sum + refund.amount, 0)).toBe(11_000);
  });

  it('listInvoicePayments and the payment method: an invoice whose paid payment is older than 10 others (partial payments) is read past the first page', async () => {
    // An open $30.00 invoice: $10.00 paid by an attached PaymentIntent (Stripe's partial payments,
    // docs.stripe.com/invoicing/partial-payments), then 11 more PaymentIntents attached, not paid.
    const customer = await stripe.customers.create({ name: 'Jane Doe', email: 'jane@client.example' });
    const invoice = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 3000, currency: 'usd' });
    await stripe.invoices.finalizeInvoice(invoice.id);
    const paid = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await stripe.invoices.attachPayment(invoice.id, { payment_intent: paid.id });
    for (let i = 0; i < 11; i += 1) {
      const pending = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
      await stripe.invoices.attachPayment(invoice.id, { payment_intent: pending.id });
    }

    const payments = await listInvoicePayments({ stripe }, invoice.id);
    const method = await lookupPaymentMethod(stripe, invoice.id);

    expect(payments).toHaveLength(12);
    expect(payments.filter((payment) => payment.status === 'paid').map((payment) => payment.payment.payment_intent)).toEqual([paid.id]);
    // Before: the first page (10) held no paid payment, so an unpaid one was read: 'unknown'.
    expect(method).toEqual({ type: 'card', brand: 'visa', last4: '4242' });
  });

  it(`listAll is bounded (${STRIPE_LIST_BOUND} items by default): past its bound it refuses (502 stripe_list_too_long) rather than answer short`, async () => {
    const { intent } = await refundedInPieces(12);
    const read = (bound: number) => listAll({ stripe }, 'list refunds', () => stripe.refunds.list({ payment_intent: intent.id, limit: 5 }), bound);
    expect(await read(12)).toHaveLength(12);
    await expect(read(11)).rejects.toMatchObject({ status: 502, code: 'stripe_list_too_long', details: { bound: 11 } });
  });

  it('collect (a search for a lost answer by its metadata) pages on, and past its bound refuses rather than answer "none found"', async () => {
    const { intent, made } = await refundedInPieces(12);
    const search = (bound: number, wanted: string) =>
      collect(
        { stripe },
        'list refunds',
        () => stripe.refunds.list({ payment_intent: intent.id, limit: 5 }),
        (refund) => refund.id === wanted,
        true,
        bound,
      );
    // The oldest refund is the last of three pages.
    expect((await search(12, made[0]!.id)).map((refund) => refund.id)).toEqual([made[0]!.id]);
    expect(await search(12, 're_none')).toEqual([]);
    await expect(search(11, 're_none')).rejects.toMatchObject({ status: 502, code: 'stripe_list_too_long' });
  });
});
