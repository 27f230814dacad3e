/**
 * A refund of a balance payment gets its receipt (DOMAIN.md §1: "every successful payment and
 * refund gets a receipt"; docs/receipts.md). Found by the domain audit of 2026-12-07: an
 * overpayment refunded on Stripe after a reversal and correction lowered the patient's share
 * emitted no PaymentRefunded, so the client got no refund receipt (only package refunds had one).
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { applyAdjudication } from '../../functions/core/remittances';
import { getStripe } from '../../functions/stripe/client';
import { getClaim } from '../../functions/store/claims';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { getReceipt } from '../../functions/store/receipts';
import { eventually } from '../support/eventually';
import { outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, payClaimInvoice, store } from '../support/invoicing';
import { busEvent, deliverToReceiptIssuer } from '../support/receipts';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

describe('a refund of a balance payment', () => {
  it('a $34 balance paid, then a reversal and a correction to $24: the $10 refunded on Stripe gets a numbered refund receipt naming the balance receipt', async () => {
    // Prepare: $34 invoiced and paid on the hosted invoice page.
    const account = newAccount();
    const { practiceId } = await claimReady({ practice: { stripeAccountId: account } });
    const details = adjudicated(practiceId);
    await invoiceClaimBalance(deps, details.original);
    const invoice = await payClaimInvoice(practiceId);
    const succeeded = (await outboxOf(store, practiceId)).find((item) => item.detailType === 'PaymentSucceeded')!;
    const balanceReceipt = await deliverToReceiptIssuer(busEvent('PaymentSucceeded', succeeded.detail, succeeded.eventId));

    // Act: the payer reverses its payment and corrects it to $24 of patient responsibility.
    const claim = (await getClaim(store, practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, details.correction);

    // Assess: $10 back on Stripe, one PaymentRefunded for it, and its receipt.
    const stripeRefunds = (await (await getStripe()).refunds.list({ limit: 10 }, { stripeAccount: account })).data;
    expect(stripeRefunds.map((refund) => refund.amount)).toEqual([1000]);
    const refunded = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentRefunded');
    expect(refunded.map((item) => item.detail)).toEqual([
      expect.objectContaining({
        kind: 'invoice',
        invoiceId: invoice!.invoiceId,
        claimId: 'CLM-1001',
        paymentId: succeeded.detail.paymentId,
        refundId: stripeRefunds[0]!.id,
        amountCents: 1000,
        totalRefundedCents: 1000,
        currency: 'usd',
        creditsRemoved: 0,
      }),
    ]);
    const result = await deliverToReceiptIssuer(busEvent('PaymentRefunded', refunded[0]!.detail, refunded[0]!.eventId));
    expect(result).toMatchObject({ outcome: expect.stringMatching(/^(issued|duplicate)$/), kind: 'refund' });
    const refundReceipt = await getReceipt(store, practiceId, (result as { receiptId: string }).receiptId);
    expect(refundReceipt?.source).toMatchObject({ type: 'refund', paymentKind: 'invoice', claimId: 'CLM-1001', invoiceId: invoice!.invoiceId });
    expect(refundReceipt?.document).toMatchObject({
      status: 'partially_refunded',
      totalCents: 1000,
      refund: { amountCents: 1000, totalRefundedCents: 1000, originalAmountCents: 3400, of: 'balance', originalReceiptNumber: (balanceReceipt as { number: string }).number },
    });
  });

  it('a $34 balance the practice charged in two parts in its Dashboard ($4, then $30), corrected to $24: the $10 refund is spread over the payments, oldest first ($4 + $6), never more than one payment took', async () => {
    // Prepare: the balance invoice paid by two PaymentIntents attached to it (Stripe's partial
    // payments, docs.stripe.com/api/invoices/attach_payment), the first $4, the second $30: a
    // refund of $10 from the last one alone would be refused by Stripe past $4 had it been the $4 one.
    const account = newAccount();
    const { practiceId } = await claimReady({ practice: { stripeAccountId: account } });
    const details = adjudicated(practiceId);
    await invoiceClaimBalance(deps, details.original);
    const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    const stripe = await getStripe();
    const onAccount = { stripeAccount: account };
    const intents: string[] = [];
    for (const amount of [400, 3000]) {
      const intent = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, onAccount);
      await stripe.invoices.attachPayment(invoice!.stripeInvoiceId!, { payment_intent: intent.id }, onAccount);
      intents.push(intent.id);
    }
    await eventually('the invoice paid by its webhook', async () => ((await getInvoice(store, practiceId, invoice!.invoiceId))?.status === 'paid' ? true : undefined), 20_000, 100);

    // Act: the payer reverses its payment and corrects it to $24 of patient responsibility.
    const claim = (await getClaim(store, practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, details.correction);

    // Assess: $10 back over the two payments, oldest first; one PaymentRefunded a Stripe refund,
    // the invoice's running total in each.
    const refundsOf = async (intent: string) => (await stripe.refunds.list({ payment_intent: intent, limit: 10 }, onAccount)).data.map((refund) => refund.amount);
    expect([await refundsOf(intents[0]!), await refundsOf(intents[1]!)]).toEqual([[400], [600]]);
    const refunded = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentRefunded');
    expect(refunded.map((item) => [item.detail.amountCents, item.detail.totalRefundedCents])).toEqual([
      [400, 400],
      [600, 1000],
    ]);
  });
});
