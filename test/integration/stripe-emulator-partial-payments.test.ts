/**
 * The emulator's partial payments (audit j2: an invoice holding more than one page of payments).
 * Stripe's API reference, "Attach a payment to an Invoice" (docs.stripe.com/api/invoices/attach_payment):
 * the PaymentIntent is added to the invoice's payments; one already `succeeded` "is credited to the
 * invoice immediately", "increasing its amount_paid. When the invoice is fully paid, the invoice's
 * status becomes paid." The InvoicePayment object: `amount_paid` "can be less than the
 * amount_requested if the PaymentIntent's amount_received is not sufficient to pay all of the
 * invoices that it is attached to". Partial payments are charged on open invoices
 * (docs.stripe.com/invoicing/partial-payments). Through the real SDK on a private emulator.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { stripeRefusal } from '../support/stripe-refusal';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ port: 0 });
  stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
});
afterAll(async () => {
  await emulator.stop();
});

const invoiceOf = async (amount: number, finalize = true) => {
  const customer = await stripe.customers.create({ email: 'jane@client.example' });
  const invoice = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount, currency: 'usd' });
  return finalize ? stripe.invoices.finalizeInvoice(invoice.id) : invoice;
};
const succeeded = (amount: number) => stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });

describe('attach_payment on the emulator', () => {
  it('a succeeded PaymentIntent is credited at once; the invoice is paid when nothing remains', async () => {
    const invoice = await invoiceOf(3000);
    const first = await stripe.invoices.attachPayment(invoice.id, { payment_intent: (await succeeded(1000)).id });
    expect(first).toMatchObject({ status: 'open', amount_paid: 1000, amount_remaining: 2000 });
    const last = await stripe.invoices.attachPayment(invoice.id, { payment_intent: (await succeeded(2000)).id });
    expect(last).toMatchObject({ status: 'paid', amount_paid: 3000, amount_remaining: 0 });
    const payments = await stripe.invoicePayments.list({ invoice: invoice.id });
    expect(payments.data.map((payment) => [payment.status, payment.amount_paid, payment.is_default])).toEqual([
      ['paid', 2000, false],
      ['paid', 1000, false],
    ]);
  });

  it('one not yet succeeded is added open and not credited; a draft invoice is refused', async () => {
    const invoice = await invoiceOf(3000);
    const pending = await stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
    const after = await stripe.invoices.attachPayment(invoice.id, { payment_intent: pending.id });
    expect(after).toMatchObject({ status: 'open', amount_paid: 0 });
    expect((await stripe.invoicePayments.list({ invoice: invoice.id })).data).toEqual([expect.objectContaining({ status: 'open', amount_paid: null, amount_requested: 500 })]);
    const draft = await invoiceOf(3000, false);
    expect(await stripeRefusal(stripe.invoices.attachPayment(draft.id, { payment_intent: (await succeeded(100)).id }))).toMatchObject({ statusCode: 400 });
  });

  it('one PaymentIntent on two invoices pays each what its amount_received still covers', async () => {
    const intent = await succeeded(1500);
    const a = await stripe.invoices.attachPayment((await invoiceOf(1000)).id, { payment_intent: intent.id });
    const b = await stripe.invoices.attachPayment((await invoiceOf(1000)).id, { payment_intent: intent.id });
    expect([a.status, a.amount_paid, b.status, b.amount_paid]).toEqual(['paid', 1000, 'open', 500]);
  });
});
