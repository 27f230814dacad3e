/**
 * The Stripe facts a write-off relies on (docs/decisions/014-write-offs.md), on the emulator through
 * the real `stripe` SDK. Stripe's invoice workflow (stripe.com/docs/billing/invoices/workflow):
 * `void` — "Invoices with a void status are not payable"; `uncollectible` — "unlikely that this
 * invoice will be paid … treated as bad debt in reports", possible actions "Void or pay the invoice":
 * an uncollectible invoice can still be paid, so kneadpay voids. API reference: void "Mark a finalized
 * invoice as void" (a draft is deleted instead); mark_uncollectible only from `open`.
 */
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { balanceInvoiceOnStripe } from '../support/emulator-invoices';
import { stripeRefusal } from '../support/stripe-refusal';

const payOnPage = (url: string) => fetch(`${url}/pay`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'succeeded' }) });

describe('Stripe emulator: what voiding and marking uncollectible do to a balance invoice', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;

  const invoice = (finalize = true) => balanceInvoiceOnStripe(stripe, 3400, finalize);

  beforeEach(async () => {
    emulator = await startStripeEmulator({ port: 0 });
    stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('a void invoice is not payable: its hosted page offers no Pay button, a payment there or through the API is refused, and it cannot be voided again', async () => {
    const open = await invoice();
    const voided = await stripe.invoices.voidInvoice(open.id);

    const page = await (await fetch(open.hosted_invoice_url!)).text();
    const paidOnPage = await payOnPage(open.hosted_invoice_url!);
    const paidByApi = await stripeRefusal(stripe.invoices.pay(open.id, { paid_out_of_band: true }));
    const again = await stripeRefusal(stripe.invoices.voidInvoice(open.id));

    expect(voided).toMatchObject({ status: 'void', amount_paid: 0 });
    expect(page).toContain('voided');
    expect(page).not.toContain('/pay"');
    expect(paidOnPage.status).toBe(409);
    expect(paidByApi).toMatchObject({ statusCode: 400, code: 'status_transition_invalid' });
    expect(again).toMatchObject({ statusCode: 400, code: 'status_transition_invalid' });
    expect((await stripe.invoices.retrieve(open.id)).status).toBe('void');
  });

  it('an uncollectible invoice stays payable ("Void or pay the invoice"): its page still takes the payment — why a write-off voids instead', async () => {
    const open = await invoice();
    await stripe.invoices.markUncollectible(open.id);

    const page = await (await fetch(open.hosted_invoice_url!)).text();
    const paid = await payOnPage(open.hosted_invoice_url!);

    expect(page).toContain('/pay"');
    expect(paid.status).toBe(200);
    expect(await stripe.invoices.retrieve(open.id)).toMatchObject({ status: 'paid', amount_paid: 3400 });
  });

  it('a draft cannot be voided (only a finalized invoice) nor marked uncollectible (only an open one): it is deleted, and is gone', async () => {
    const draft = await invoice(false);

    const voided = await stripeRefusal(stripe.invoices.voidInvoice(draft.id));
    const uncollectible = await stripeRefusal(stripe.invoices.markUncollectible(draft.id));
    await stripe.invoices.del(draft.id);
    const gone = await stripeRefusal(stripe.invoices.retrieve(draft.id));

    expect(voided).toMatchObject({ statusCode: 400, code: 'status_transition_invalid' });
    expect(uncollectible).toMatchObject({ statusCode: 400, code: 'status_transition_invalid' });
    expect(gone).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('a paid invoice cannot be voided (the payment stands)', async () => {
    const open = await invoice();
    await stripe.invoices.pay(open.id, { paid_out_of_band: true });
    expect(await stripeRefusal(stripe.invoices.voidInvoice(open.id))).toMatchObject({ statusCode: 400, code: 'status_transition_invalid' });
  });
});
