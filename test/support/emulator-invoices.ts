import type Stripe from 'stripe';

/**
 * A balance invoice as kneadpay makes one on Stripe (send_invoice, 30 days, one "Balance after
 * insurance" line), finalized unless `finalize` is false: for the emulator's own tests
 * (test/integration/stripe-emulator-*.test.ts), made through the `stripe` SDK.
 */
export const balanceInvoiceOnStripe = async (stripe: Stripe, amountCents: number, finalize = true): Promise<Stripe.Invoice> => {
  const customer = await stripe.customers.create({ email: 'client@example.test' });
  const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30, auto_advance: false, metadata: { invoiceId: 'inv-1' } });
  await stripe.invoiceItems.create({ invoice: draft.id, customer: customer.id, amount: amountCents, currency: 'usd', description: 'Balance after insurance' });
  return finalize ? stripe.invoices.finalizeInvoice(draft.id) : draft;
};
