/**
 * Bug 92 (docs/reliability.md): a balance invoice the client paid a moment before a later
 * adjudication's void reached Stripe. Stripe refuses to void a paid invoice (the payment stands:
 * test/integration/stripe-emulator-write-off.test.ts), but kneadpay kept the invoice's `voidRequested`,
 * and plans read such an invoice as void (`planningView`): the $34.00 paid counted for nothing, so the
 * next adjudication billed the client again instead of refunding what they paid beyond their share.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, replanAfterPaymentOverVoid } from '../../functions/core/invoicing';
import { ingestStripeEvent } from '../../functions/core/stripe-events';
import { EFFECTS } from '../../functions/stripe-webhook';
import { applyAdjudication } from '../../functions/core/remittances';
import { getClaim } from '../../functions/store/claims';
import { getStripe } from '../../functions/stripe/client';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { eventually } from '../support/eventually';
import { ledgerState, outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, store, stripeInvoicesFor } from '../support/invoicing';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

const payOnPage = async (url: string) => {
  const paid = await fetch(`${url}/pay`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'succeeded' }) });
  expect(paid.status).toBe(200);
};

describe('a balance invoice paid just before a later adjudication voids it', () => {
  it('the reversal voids the $34.00 invoice as the client pays it; the correction to $24 then refunds $10 — it does not bill $24 again', async () => {
    // Prepare: the worked example's $34.00 share, open on Stripe.
    const { practiceId, clientId } = await claimReady();
    const { original, reversal, correction } = adjudicated(practiceId);
    await invoiceClaimBalance(deps, original);
    const [first] = await listClaimInvoices(store, practiceId, 'CLM-1001');

    // Act: the reversal's plan decides to void it; the client pays it on the hosted page before the void reaches Stripe.
    await invoiceClaimBalance({ ...deps, after: async (step) => (step === 'plan' ? payOnPage(first!.hostedInvoiceUrl!) : undefined) }, reversal);
    await eventually('the payment recorded', async () => ((await getInvoice(store, practiceId, first!.invoiceId))?.status === 'paid' ? true : undefined), 20_000, 100);
    const corrected = await invoiceClaimBalance(deps, correction);

    // Assess: $34.00 paid for a $24.00 share → $10.00 refunded, nothing billed again.
    expect((await stripeInvoicesFor(practiceId, clientId)).map((invoice) => [invoice.status, invoice.amount_due])).toEqual([['paid', 3400]]);
    expect(corrected.actions).toEqual([{ kind: 'refund', amountCents: 1000 }]);
    // The payment itself is recorded once, by its invoice.paid: the ledger and PaymentSucceeded (the receipt).
    const succeeded = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentSucceeded');
    expect(succeeded.map((item) => item.detail)).toEqual([expect.objectContaining({ kind: 'invoice', invoiceId: first!.invoiceId, amountCents: 3400 })]);
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'payment' && entry.ref === first!.invoiceId).map((entry) => entry.amountCents)).toEqual([-3400]);
  });
  // Bug 100 (docs/reliability.md): the claim was not planned again when the overtaking payment's
  // invoice.paid landed — an open $24.00 Stripe invoice beside the $34.00 paid until the claim's next
  // adjudication. Now its PaymentSucceeded has the balance invoicer plan it again, through the bus.
  it("the correction's own plan voids the $34.00 invoice (and bills $24.00) as the client pays it: the $10.00 is refunded and no $24.00 invoice is left open", async () => {
    // Prepare: $34.00 open on Stripe; the payer's reversal recorded, its correction to $24.00 coming.
    const { practiceId, clientId } = await claimReady();
    const { original, reversal, correction } = adjudicated(practiceId);
    await invoiceClaimBalance(deps, original);
    const [first] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    const claim = (await getClaim(store, practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, reversal, { remittanceId: null, emit: false }, new Date());

    // Act: the correction's plan decides "void the $34.00, invoice $24.00"; the client pays the $34.00 before the void reaches Stripe.
    const corrected = await invoiceClaimBalance({ ...deps, after: async (step) => (step === 'plan' ? payOnPage(first!.hostedInvoiceUrl!) : undefined) }, correction);
    expect(corrected.actions).toEqual([
      { kind: 'void', invoiceId: first!.invoiceId },
      { kind: 'invoice', amountCents: 2400 },
    ]);
    await eventually('the payment recorded', async () => ((await getInvoice(store, practiceId, first!.invoiceId))?.status === 'paid' ? true : undefined), 20_000, 100);

    // Assess (within the bus's delivery time): the client paid $34.00 for a $24.00 share → no $24.00 invoice left open, $10.00 refunded.
    await eventually(
      'the claim planned again after the payment',
      async () => ((await stripeInvoicesFor(practiceId, clientId)).every((invoice) => invoice.status !== 'open') ? true : undefined),
      10_000,
      200,
    );
    await eventually('the $10.00 refunded', async () => ((await ledgerState(store, practiceId, clientId)).balanceCents === 0 ? true : undefined), 10_000, 200);
    const stripe = await getStripe();
    const refunds = async () => (await stripe.refunds.list({ limit: 100 })).data.filter((refund) => refund.metadata?.invoiceId === first!.invoiceId).map((refund) => refund.amount);
    expect(await refunds()).toEqual([1000]);

    // Once: the invoice.paid delivered again is a duplicate, and the PaymentSucceeded consumer run again plans nothing.
    const paidEvent = (await stripe.events.list({ type: 'invoice.paid', limit: 100 })).data.find((event) => (event.data.object as { id: string }).id === first!.stripeInvoiceId)!;
    expect((await ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, paidEvent)).outcome).toBe('duplicate');
    expect((await replanAfterPaymentOverVoid(deps, { practiceId, invoiceId: first!.invoiceId })).actions).toEqual([]);
    expect(await refunds()).toEqual([1000]);
    expect((await stripeInvoicesFor(practiceId, clientId)).map((invoice) => [invoice.status, invoice.amount_due]).sort()).toEqual([
      ['paid', 3400],
      ['void', 2400],
    ]);
    expect((await ledgerState(store, practiceId, clientId)).balanceCents).toBe(0);
  });
});
