/**
 * A balance payment refunded outside kneadpay — by hand in the Stripe Dashboard — gets its refund
 * receipt (DOMAIN.md §1: "every successful payment and refund gets a receipt"), and the claim's
 * balance moves as the money says: the refunded part is owed again (docs/decisions/012).
 *
 * Found by the domain audit of 2026-12-07 (docs/status.md): `charge.refunded` on an invoice's charge
 * was recorded as ignored ("not a kneadpay object" on the platform), so no receipt, no ledger entry,
 * and a later correction of the share refunded the same money a second time.
 *
 * The Dashboard is played by the `stripe` SDK calling the emulator directly (`refunds.create` with no
 * metadata), not through kneadpay's gateway; the emulator emits `charge.refunded` and delivers it,
 * signed, to the test stack's webhook like Stripe would.
 */
import { describe, expect, it } from 'vitest';
import { chargeRefunded } from '../../functions/core/charge-refunds';
import { defaultReceiptDeps, parsePaymentRefunded } from '../../functions/core/receipts';
import { refundFacts } from '../../functions/core/receipts/gather';
import { receiptStoreOn } from '../../functions/core/receipts/ports';
import { buildReceipt } from '../../functions/domain/receipt';
import { totalRows } from '../../functions/shared/receipt-render';
import { getPractice } from '../../functions/store/practices';
import { invoiceChargeRefunded } from '../../functions/core/invoice-effects';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { applyAdjudication } from '../../functions/core/remittances';
import { ingestStripeEvent } from '../../functions/core/stripe-events';
import { EFFECTS } from '../../functions/stripe-webhook';
import { getStripe } from '../../functions/stripe/client';
import { getClaim } from '../../functions/store/claims';
import { getInvoice, invoiceVersionedUpdate } from '../../functions/store/invoices';
import { getReceipt } from '../../functions/store/receipts';
import { claimInvoiceSummaryWrite } from '../../functions/store/claim-balance';
import { ledgerWrites } from '../../functions/store/clients';
import { api } from '../support/api';
import { eventually } from '../support/eventually';
import { ledgerState, outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, emulator, payClaimInvoice, store } from '../support/invoicing';
import { busEvent, deliverToReceiptIssuer } from '../support/receipts';
import { newAccount } from '../support/reliability';
import type Stripe from 'stripe';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

/** A $34 balance invoiced and paid on its hosted page (on the platform), with its balance receipt. */
const paidBalance = async () => {
  const ready = await claimReady();
  const details = adjudicated(ready.practiceId);
  await invoiceClaimBalance(deps, details.original);
  const invoice = (await payClaimInvoice(ready.practiceId))!;
  const paid = (await getInvoice(store, ready.practiceId, invoice.invoiceId))!;
  const stripe = await getStripe();
  const [payment] = (await stripe.invoicePayments.list({ invoice: paid.stripeInvoiceId!, limit: 1 })).data;
  const paymentIntent = payment!.payment.payment_intent as string;
  const succeeded = (await outboxOf(store, ready.practiceId)).find((item) => item.detailType === 'PaymentSucceeded')!;
  const balanceReceipt = (await deliverToReceiptIssuer(busEvent('PaymentSucceeded', succeeded.detail, succeeded.eventId))) as { receiptId: string; number: string };
  return { ...ready, details, invoice: paid, paymentIntent, succeeded, balanceReceipt, stripe };
};

const refundedEvents = async (practiceId: string) => (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentRefunded');

/** Waits until the emulator has delivered every webhook (the Dashboard refund's included). */
const delivered = () => emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 15_000 } });

const chargeRefundedEventOf = async (stripe: Stripe, paymentIntent: string) =>
  (await stripe.events.list({ type: 'charge.refunded', limit: 100 })).data.find((event) => (event.data.object as Stripe.Charge).payment_intent === paymentIntent)!;

describe('a balance payment refunded by hand in the Stripe Dashboard', () => {
  it('$10 of a $34 balance: one PaymentRefunded (kind invoice) and a numbered refund receipt naming the balance receipt; owed again on the ledger; redelivered → nothing twice', async () => {
    // Prepare
    const paid = await paidBalance();
    const before = await ledgerState(store, paid.practiceId, paid.clientId);

    // Act: the practice refunds $10 in the Dashboard; Stripe sends charge.refunded (then again).
    const refund = await paid.stripe.refunds.create({ payment_intent: paid.paymentIntent, amount: 1000 });
    await delivered();
    const event = await chargeRefundedEventOf(paid.stripe, paid.paymentIntent);
    const again = await ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, event);
    // Another event about the same charge (e.g. charge.refunded re-sent under a new id by the reconciler's list): the refund is already recorded.
    const sameRefundNewEvent = await ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, { ...event, id: `${event.id}_copy` });

    // Assess: one PaymentRefunded for the one refund.
    const refunded = await refundedEvents(paid.practiceId);
    expect(refunded.map((item) => item.detail)).toEqual([
      expect.objectContaining({
        kind: 'invoice',
        invoiceId: paid.invoice.invoiceId,
        claimId: 'CLM-1001',
        paymentId: paid.succeeded.detail.paymentId,
        refundId: refund.id,
        amountCents: 1000,
        totalRefundedCents: 1000,
        currency: 'usd',
        creditsRemoved: 0,
      }),
    ]);
    expect([again.outcome, sameRefundNewEvent.outcome]).toEqual(['duplicate', 'ignored']);
    const result = (await deliverToReceiptIssuer(busEvent('PaymentRefunded', refunded[0]!.detail, refunded[0]!.eventId))) as { receiptId: string; kind: string };
    expect(result.kind).toBe('refund');
    const receipt = await getReceipt(store, paid.practiceId, result.receiptId);
    expect(receipt?.source).toMatchObject({ type: 'refund', paymentKind: 'invoice', claimId: 'CLM-1001', invoiceId: paid.invoice.invoiceId, refundId: refund.id });
    expect(receipt?.document).toMatchObject({
      status: 'partially_refunded',
      totalCents: 1000,
      refund: {
        amountCents: 1000,
        totalRefundedCents: 1000,
        originalAmountCents: 3400,
        of: 'balance',
        originalReceiptNumber: paid.balanceReceipt.number,
        // The service the refunded payment paid for (DOMAIN.md §5), as on the balance receipt.
        service: { claimId: 'CLM-1001', dateOfService: '2026-10-02' },
      },
    });
    // The money given back is owed again: +$10 on the client's ledger, once.
    const after = await ledgerState(store, paid.practiceId, paid.clientId);
    expect(after.balanceCents - before.balanceCents).toBe(1000);
    expect(after.entries.filter((entry) => entry.kind === 'refund').map((entry) => [entry.amountCents, entry.ref])).toEqual([[1000, refund.id]]);
    expect(await getInvoice(store, paid.practiceId, paid.invoice.invoiceId)).toMatchObject({ status: 'paid', amountPaidCents: 3400, amountRefundedCents: 1000, refundIds: [refund.id] });
    const listed = await api('GET', `/practices/${paid.practiceId}/invoices`, { practiceId: paid.practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ invoiceId: paid.invoice.invoiceId, status: 'paid', amountPaidCents: 3400, amountRefundedCents: 1000 })]);
  });

  it('the rest refunded later: a second receipt for $24 with $34 refunded in all ("Refunded")', async () => {
    // Prepare
    const paid = await paidBalance();
    await paid.stripe.refunds.create({ payment_intent: paid.paymentIntent, amount: 1000 });
    await delivered();

    // Act
    const rest = await paid.stripe.refunds.create({ payment_intent: paid.paymentIntent });
    await delivered();

    // Assess
    await eventually('both refunds recorded', async () => ((await refundedEvents(paid.practiceId)).length === 2 ? true : undefined), 15_000, 100);
    const refunded = await refundedEvents(paid.practiceId);
    const second = refunded.find((item) => item.detail.refundId === rest.id)!;
    expect(second.detail).toMatchObject({ amountCents: 2400, totalRefundedCents: 3400 });
    const result = (await deliverToReceiptIssuer(busEvent('PaymentRefunded', second.detail, second.eventId))) as { receiptId: string };
    expect((await getReceipt(store, paid.practiceId, result.receiptId))?.document).toMatchObject({ status: 'refunded', totalCents: 2400 });
    expect(await getInvoice(store, paid.practiceId, paid.invoice.invoiceId)).toMatchObject({ amountRefundedCents: 3400 });
  });

  // Events come in no guaranteed order (DOMAIN.md §7): the refund's event can reach the receipt issuer
  // before the payment's receipt is issued. The stack's bus issues that receipt at once, so the
  // receipt port here hides it (the one stand-in: the order a real bus can produce, not this one's);
  // Stripe, the store and the invoice are real. Found by the k2 audit (docs/reliability.md, bug 155).
  it('$10 of $34 refunded before the payment has its receipt: the refund receipt still says "Partially refunded", $10.00 of $34.00 (it said "Refunded")', async () => {
    // Prepare
    const paid = await paidBalance();
    await paid.stripe.refunds.create({ payment_intent: paid.paymentIntent, amount: 1000 });
    await delivered();
    await eventually('the refund recorded', async () => ((await refundedEvents(paid.practiceId)).length === 1 ? true : undefined), 15_000, 100);
    const [refunded] = await refundedEvents(paid.practiceId);
    const real = receiptStoreOn(store);
    const deps = defaultReceiptDeps({
      store,
      stripe: getStripe,
      receipts: { ...real, findIssuedReceipt: async (practiceId, key) => (key.startsWith('payment#') ? undefined : real.findIssuedReceipt(practiceId, key)) },
    });

    // Act
    const { facts } = await refundFacts(deps, (await getPractice(store, paid.practiceId))!, parsePaymentRefunded(refunded!.detail));
    const built = buildReceipt(facts('R-000099', new Date().toISOString()));

    // Assess
    expect(built.ok && built.document).toMatchObject({ status: 'partially_refunded', refund: { amountCents: 1000, totalRefundedCents: 1000, originalAmountCents: 3400, originalReceiptNumber: null } });
    expect(built.ok && totalRows(built.document)).toContainEqual(['Total refunded on this payment', '$10.00 of $34.00']);
  });

  it('$10 refunded by hand, then the payer corrects the share from $34 to $24: kneadpay refunds nothing more (the client has $24 paid, $24 owed)', async () => {
    // Prepare: the practice pays $10 back by hand.
    const paid = await paidBalance();
    await paid.stripe.refunds.create({ payment_intent: paid.paymentIntent, amount: 1000 });
    await delivered();
    await eventually('the refund recorded', async () => ((await refundedEvents(paid.practiceId)).length === 1 ? true : undefined), 15_000, 100);

    // Act: reversal and correction to $24 of patient responsibility.
    const claim = (await getClaim(store, paid.practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, paid.details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, paid.details.correction);

    // Assess: still one refund on Stripe ($10, by hand); no second $10 to the client, no new invoice.
    const stripeRefunds = (await paid.stripe.refunds.list({ payment_intent: paid.paymentIntent, limit: 10 })).data;
    expect(stripeRefunds.map((refund) => refund.amount)).toEqual([1000]);
    expect((await refundedEvents(paid.practiceId)).map((item) => item.detail.amountCents)).toEqual([1000]);
    const invoices = await api('GET', `/practices/${paid.practiceId}/invoices`, { practiceId: paid.practiceId });
    expect(invoices.body.items.map((item: { status: string }) => item.status)).toEqual(['paid']);
  });

  it('$34 refunded by hand (the whole payment): the next adjudication bills the $34 owed again', async () => {
    // Prepare
    const paid = await paidBalance();
    await paid.stripe.refunds.create({ payment_intent: paid.paymentIntent });
    await delivered();
    await eventually('the refund recorded', async () => ((await refundedEvents(paid.practiceId)).length === 1 ? true : undefined), 15_000, 100);

    // Act: the adjudication delivered again (any later ClaimAdjudicated re-plans the balance).
    await invoiceClaimBalance(deps, paid.details.original);

    // Assess: a new $34 invoice, open on Stripe.
    const invoices = await api('GET', `/practices/${paid.practiceId}/invoices`, { practiceId: paid.practiceId });
    expect(invoices.body.items.map((item: { status: string; amountDueCents: number }) => [item.status, item.amountDueCents]).sort()).toEqual([
      ['open', 3400],
      ['paid', 3400],
    ]);
  });

  it("two Dashboard refunds, their events delivered 5× each at once beside the emulator's own deliveries → each refund recorded once", async () => {
    // Prepare
    const paid = await paidBalance();
    const before = await ledgerState(store, paid.practiceId, paid.clientId);
    const [first, second] = await Promise.all([
      paid.stripe.refunds.create({ payment_intent: paid.paymentIntent, amount: 1000 }),
      paid.stripe.refunds.create({ payment_intent: paid.paymentIntent, amount: 500 }),
    ]);
    const events = (await paid.stripe.events.list({ type: 'charge.refunded', limit: 100 })).data.filter((event) => (event.data.object as Stripe.Charge).payment_intent === paid.paymentIntent);
    expect(events).toHaveLength(2);

    // Act: each event 5× at once under ids of its own (a redelivery and the reconciler's listing race), then what was refused again.
    const copies = events.flatMap((event) => Array.from({ length: 5 }, (_, i) => ({ ...event, id: `${event.id}_race${i}` })));
    const answers = await Promise.allSettled(copies.map((event) => ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, event)));
    for (const [i, answer] of answers.entries()) if (answer.status === 'rejected') await ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, copies[i]!);
    await delivered();

    // Assess: two receipts' worth of events, two ledger entries, $15 refunded in all.
    const refunded = await refundedEvents(paid.practiceId);
    expect(refunded.map((item) => item.detail.refundId).sort()).toEqual([first.id, second.id].sort());
    const after = await ledgerState(store, paid.practiceId, paid.clientId);
    expect(after.balanceCents - before.balanceCents).toBe(1500);
    expect(after.entries.filter((entry) => entry.kind === 'refund')).toHaveLength(2);
    expect(await getInvoice(store, paid.practiceId, paid.invoice.invoiceId)).toMatchObject({ amountRefundedCents: 1500 });
    expect(answers.filter((answer) => answer.status === 'fulfilled' && answer.value.outcome === 'applied').length).toBeLessThanOrEqual(2);
  });

  it("on the practice's connected account: the refund made in the practice's own Dashboard gets its receipt event, once", async () => {
    // Prepare: a practice selling on its own Stripe account; its client pays the $34 balance there.
    const account = newAccount();
    const ready = await claimReady({ practice: { stripeAccountId: account } });
    await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);
    const invoice = (await payClaimInvoice(ready.practiceId))!;
    const paid = (await getInvoice(store, ready.practiceId, invoice.invoiceId))!;
    const stripe = await getStripe();
    const [payment] = (await stripe.invoicePayments.list({ invoice: paid.stripeInvoiceId!, limit: 1 }, { stripeAccount: account })).data;

    // Act: the practice refunds $5 in its Dashboard (the call carries its account).
    const refund = await stripe.refunds.create({ payment_intent: payment!.payment.payment_intent as string, amount: 500 }, { stripeAccount: account });
    await delivered();

    // Assess
    await eventually('the refund recorded', async () => ((await refundedEvents(ready.practiceId)).length === 1 ? true : undefined), 15_000, 100);
    expect((await refundedEvents(ready.practiceId)).map((item) => item.detail)).toEqual([
      expect.objectContaining({ kind: 'invoice', invoiceId: invoice.invoiceId, refundId: refund.id, amountCents: 500, totalRefundedCents: 500 }),
    ]);
  });

  it("a refund that overtakes the payment's own invoice.paid answers retry (503) and is recorded once the payment is", async () => {
    // Prepare: a paid balance and a Dashboard refund. The emulator delivers its own webhooks at
    // once, so the order "refund before invoice.paid" cannot be held on the real stack: the effect is
    // given (the only stand-in here) a port that reads the invoice as it was before invoice.paid.
    const paid = await paidBalance();
    const refund = await paid.stripe.refunds.create({ payment_intent: paid.paymentIntent, amount: 500 });
    await delivered();
    const event = await chargeRefundedEventOf(paid.stripe, paid.paymentIntent);
    const unpaidYet = invoiceChargeRefunded({
      getInvoice: async (s, practiceId, invoiceId) => {
        const stored = await getInvoice(s, practiceId, invoiceId);
        return stored && { ...stored, status: 'open', amountPaidCents: 0, refundIds: [], amountRefundedCents: 0 };
      },
      invoiceVersionedUpdate,
      claimInvoiceSummaryWrite,
      ledgerWrites,
    });

    // Act
    const early = ingestStripeEvent({ store, stripe: getStripe, effects: { 'charge.refunded': chargeRefunded(undefined, unpaidYet) } }, { ...event, id: `${event.id}_early` });

    // Assess: retry later, nothing written under that event; the real delivery recorded it once.
    await expect(early).rejects.toMatchObject({ name: 'RetryableError' });
    expect((await refundedEvents(paid.practiceId)).map((item) => item.detail.refundId)).toEqual([refund.id]);
  });
});
