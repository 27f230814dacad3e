/**
 * The Stripe facts a partial write-off relies on (docs/decisions/014-write-offs.md, "Part of a
 * balance"), on the emulator through the real `stripe` SDK. Stripe's API reference, "Create a credit
 * note": "Issue a credit note to adjust the amount of a finalized invoice. A credit note will first
 * reduce the invoice's `amount_remaining` (and `amount_due`), but not below zero" — the excess is a
 * post-payment amount, and "the sum of refunds, customer balance credits, and outside of Stripe
 * credits must equal the `post_payment_amount`" (so with none of those, an amount over what remains
 * is refused); `email_type`: "Type of email to send to the customer, one of `credit_note` or `none`
 * and the default is `credit_note`"; `reason`: one of `duplicate`, `fraudulent`, `order_change`,
 * `product_unsatisfactory`. A draft (not finalized) or a void invoice takes no credit note.
 */
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { balanceInvoiceOnStripe } from '../support/emulator-invoices';
import { stripeRefusal } from '../support/stripe-refusal';

describe('Stripe emulator: a pre-payment credit note on an open balance invoice', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;

  const invoice = (finalize = true) => balanceInvoiceOnStripe(stripe, 6000, finalize);

  beforeEach(async () => {
    emulator = await startStripeEmulator({ port: 0 });
    stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('lowers amount_due and amount_remaining; the hosted page asks for, and takes, the rest; invoice.paid says what was paid', async () => {
    // Prepare
    const open = await invoice();

    // Act: $10.00 of $60.00 credited, no email to the customer
    const note = await stripe.creditNotes.create({ invoice: open.id, amount: 1000, email_type: 'none', metadata: { writeOffId: 'wo-1' } }, { idempotencyKey: 'cn-1' });
    const lowered = await stripe.invoices.retrieve(open.id);
    const page = await (await fetch(open.hosted_invoice_url!)).text();
    const paid = await fetch(`${open.hosted_invoice_url!}/pay`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'succeeded' }),
    });

    // Assess
    expect(note).toMatchObject({ type: 'pre_payment', amount: 1000, pre_payment_amount: 1000, post_payment_amount: 0, status: 'issued', reason: null, memo: null, metadata: { writeOffId: 'wo-1' } });
    expect(lowered).toMatchObject({ status: 'open', amount_due: 5000, amount_remaining: 5000, pre_payment_credit_notes_amount: 1000 });
    expect(page).toContain('$50.00');
    expect(paid.status).toBe(200);
    expect(await stripe.invoices.retrieve(open.id)).toMatchObject({ status: 'paid', amount_paid: 5000, amount_remaining: 0 });
    expect((await stripe.creditNotes.list({ invoice: open.id })).data.map((cn) => cn.id)).toEqual([note.id]);
  });

  it('the same idempotency key and parameters answer the same credit note; other parameters under the key are refused', async () => {
    const open = await invoice();

    const first = await stripe.creditNotes.create({ invoice: open.id, amount: 1000, email_type: 'none' }, { idempotencyKey: 'cn-key' });
    const again = await stripe.creditNotes.create({ invoice: open.id, amount: 1000, email_type: 'none' }, { idempotencyKey: 'cn-key' });
    const other = await stripeRefusal(stripe.creditNotes.create({ invoice: open.id, amount: 2000, email_type: 'none' }, { idempotencyKey: 'cn-key' }));

    expect(again.id).toBe(first.id);
    expect(other).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect(await stripe.invoices.retrieve(open.id)).toMatchObject({ amount_remaining: 5000 });
  });

  it('refused: an amount over what remains (nothing to put the excess on), a zero amount, an email_type or reason Stripe does not list, a draft, a void invoice', async () => {
    const open = await invoice();
    const draft = await invoice(false);
    const voided = await stripe.invoices.voidInvoice((await invoice()).id);

    const over = await stripeRefusal(stripe.creditNotes.create({ invoice: open.id, amount: 6001, email_type: 'none' }));
    const zero = await stripeRefusal(stripe.creditNotes.create({ invoice: open.id, amount: 0 }));
    const email = await stripeRefusal(stripe.creditNotes.create({ invoice: open.id, amount: 100, email_type: 'silent' as 'none' }));
    const reason = await stripeRefusal(stripe.creditNotes.create({ invoice: open.id, amount: 100, reason: 'courtesy' as 'order_change' }));
    const onDraft = await stripeRefusal(stripe.creditNotes.create({ invoice: draft.id, amount: 100 }));
    const onVoid = await stripeRefusal(stripe.creditNotes.create({ invoice: voided.id, amount: 100 }));

    expect(over).toMatchObject({ statusCode: 400, param: 'amount' });
    expect(zero).toMatchObject({ statusCode: 400, param: 'amount' });
    expect(email).toMatchObject({ statusCode: 400, param: 'email_type' });
    expect(reason).toMatchObject({ statusCode: 400, param: 'reason' });
    expect(onDraft).toMatchObject({ statusCode: 400, param: 'invoice' });
    expect(onVoid).toMatchObject({ statusCode: 400, param: 'invoice' });
    expect(await stripe.invoices.retrieve(open.id)).toMatchObject({ amount_remaining: 6000, pre_payment_credit_notes_amount: 0 });
    expect((await stripe.creditNotes.list()).data).toEqual([]);
  });

  it('a pre-payment credit note is voided only while its invoice is open (Stripe\'s reference, "Void a credit note"): voided, the invoice asks its amount again; on an uncollectible or paid invoice, refused', async () => {
    const open = await invoice();
    const note = await stripe.creditNotes.create({ invoice: open.id, amount: 1000, email_type: 'none' });
    const voided = await stripe.creditNotes.voidCreditNote(note.id);
    const uncollectible = await invoice();
    const kept = await stripe.creditNotes.create({ invoice: uncollectible.id, amount: 1000, email_type: 'none' });
    await stripe.invoices.markUncollectible(uncollectible.id);

    const refused = await stripeRefusal(stripe.creditNotes.voidCreditNote(kept.id));

    expect(voided.status).toBe('void');
    expect(await stripe.invoices.retrieve(open.id)).toMatchObject({ amount_remaining: 6000, pre_payment_credit_notes_amount: 0 });
    expect(refused).toMatchObject({ statusCode: 400, code: 'status_transition_invalid' });
    expect(await stripe.creditNotes.retrieve(kept.id)).toMatchObject({ status: 'issued' });
    expect(await stripe.invoices.retrieve(uncollectible.id)).toMatchObject({ pre_payment_credit_notes_amount: 1000 });
  });
});
