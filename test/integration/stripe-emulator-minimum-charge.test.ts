/**
 * Stripe's minimum charge amount, as the emulator must copy it (through the stripe SDK).
 *
 * The facts:
 * - docs.stripe.com/api/invoices (the Invoice object's introduction, and `amount_due` in stripe/openapi
 *   spec3.json and stripe-node's types): "If the amount due for the invoice is less than Stripe's
 *   minimum allowed charge per currency, the invoice is automatically marked paid, and we add the
 *   amount due to the customer's credit balance which is applied to the next invoice." / "If the
 *   invoice's total is smaller than the minimum charge amount … the `amount_due` may be 0."
 *   docs.stripe.com/billing/customer/balance: "When the amount due on an invoice is less than the
 *   minimum chargeable amount the invoice is marked as paid and the amount owed moved to the invoice
 *   balance as a debit" (a Customer Balance Transaction of type `invoice_too_small`).
 * - docs.stripe.com/currencies#minimum-and-maximum-charge-amounts: the minimum per currency
 *   (USD $0.50, GBP £0.30, HKD $4.00, JPY ¥50, …); a Checkout Session in `payment` mode whose total
 *   is below it is refused ("The Checkout Session's total amount due must add up to at least …").
 */
import { describe, expect, it } from 'vitest';
import { stripe } from '../support/invoicing';
import { stripeRefusal as refusal } from '../support/stripe-refusal';

const customer = () => stripe.customers.create({ email: 'minimum@client.example', name: 'Min Charge' });

const sendInvoice = async (customerId: string, amount: number, currency = 'usd') => {
  const draft = await stripe.invoices.create({ customer: customerId, collection_method: 'send_invoice', days_until_due: 30, auto_advance: false, currency });
  await stripe.invoiceItems.create({ customer: customerId, invoice: draft.id, amount, currency, description: 'Balance after insurance' });
  return stripe.invoices.finalizeInvoice(draft.id, { auto_advance: false });
};

describe('Stripe emulator: the minimum charge amount', () => {
  it('an invoice whose amount due is below the minimum (USD $0.50) is marked paid at finalization with nothing paid; the amount moves to the customer balance as a debit', async () => {
    // Prepare
    const { id } = await customer();

    // Act
    const small = await sendInvoice(id, 30);

    // Assess: paid without a payment, nothing left to pay, the 30 cents owed on the customer.
    expect(small).toMatchObject({ status: 'paid', total: 30, amount_due: 0, amount_paid: 0, amount_remaining: 0, hosted_invoice_url: expect.any(String) });
    expect(await stripe.customers.retrieve(id)).toMatchObject({ balance: 30 });
  });

  it('"applied to the next invoice": the debit is added to what the next invoice of that customer asks', async () => {
    // Prepare
    const { id } = await customer();
    await sendInvoice(id, 30);

    // Act
    const next = await sendInvoice(id, 3400);

    // Assess
    expect(next).toMatchObject({ status: 'open', total: 3400, starting_balance: 30, amount_due: 3430 });
    expect(await stripe.customers.retrieve(id)).toMatchObject({ balance: 0 });
  });

  it('the minimum is per currency: 49 cents USD is too small, 50 is charged; 30 pence GBP is charged; HK$3.99 is too small', async () => {
    // Prepare
    const { id: usd } = await customer();
    const { id: gbp } = await customer();
    const { id: hkd } = await customer();

    // Act
    const below = await sendInvoice(usd, 49);
    const atUsd = await sendInvoice(usd, 50);
    const atGbp = await sendInvoice(gbp, 30, 'gbp');
    const belowHkd = await sendInvoice(hkd, 399, 'hkd');

    // Assess
    expect(below).toMatchObject({ status: 'paid', amount_paid: 0 });
    expect(atUsd).toMatchObject({ status: 'open', amount_due: 50 + 49 });
    expect(atGbp).toMatchObject({ status: 'open', amount_due: 30 });
    expect(belowHkd).toMatchObject({ status: 'paid', amount_paid: 0 });
  });

  it('a Checkout Session whose total is below the minimum is refused (400, param line_items); at the minimum it is created', async () => {
    // Prepare
    const product = await stripe.products.create({ name: 'Session package (1 × 60 min)' });
    const price = (unit_amount: number, currency = 'usd') => stripe.prices.create({ product: product.id, unit_amount, currency });
    const session = async (priceId: string) =>
      stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: priceId, quantity: 1 }], success_url: 'http://127.0.0.1:1/ok', cancel_url: 'http://127.0.0.1:1/no' });

    // Act
    const tooSmall = await refusal(session((await price(49)).id));
    const tooSmallHkd = await refusal(session((await price(399, 'hkd')).id));
    const atMinimum = await session((await price(50)).id);

    // Assess
    expect(tooSmall).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'line_items' });
    expect(tooSmall.message).toContain('at least $0.50 usd');
    expect(tooSmallHkd).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'line_items' });
    expect(atMinimum).toMatchObject({ status: 'open', amount_total: 50 });
  });
});
