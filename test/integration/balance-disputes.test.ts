/**
 * A dispute (chargeback) of a balance payment — a claim's patient share paid on a hosted Stripe
 * invoice — as Stripe plays it (docs/decisions/013-balance-disputes.md):
 *
 * - lost (final: the cardholder's bank keeps the money): the client owes it again — a `chargeback`
 *   ledger entry, the invoice's `amountDisputedCents`, one `PaymentDisputeLost`, and balance plans
 *   count the payment net of it (a later lower share does not refund money the practice no longer has);
 * - inquiries (`warning_*`), open chargebacks, `won` and `prevented` move nothing on the ledger; the
 *   invoice shows the dispute (`GET …/invoices` `dispute`).
 *
 * Found by the disputes audit of 2026-12-07: `charge.dispute.*` of an invoice's charge was recorded
 * as ignored ("not a kneadpay object" on the platform), so a lost chargeback left the balance paid.
 *
 * The cardholder's bank is played by the emulator's `POST /_disputes` (SPEC §6), which emits the
 * `charge.dispute.*` events and delivers them, signed, to the test stack's webhook as Stripe would.
 */
import { describe, expect, it } from 'vitest';
import { balanceChargeDisputed } from '../../functions/core/invoice-effects';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { invoiceStoreOn } from '../../functions/core/invoicing/ports';
import { applyAdjudication } from '../../functions/core/remittances';
import { ingestStripeEvent } from '../../functions/core/stripe-events';
import { EFFECTS } from '../../functions/stripe-webhook';
import { getStripe } from '../../functions/stripe/client';
import { getClaim } from '../../functions/store/claims';
import { getInvoice, invoiceVersionedUpdate } from '../../functions/store/invoices';
import { claimInvoiceSummaryWrite } from '../../functions/store/claim-balance';
import { ledgerWrites } from '../../functions/store/clients';
import { api } from '../support/api';
import { ledgerState, outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, emulator, payClaimInvoice, store } from '../support/invoicing';
import { newAccount } from '../support/reliability';
import type Stripe from 'stripe';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

/** A $34 balance invoiced and paid on its hosted page (on the platform unless `account`). */
const paidBalance = async (account?: string) => {
  const ready = await claimReady(account ? { practice: { stripeAccountId: account } } : {});
  const details = adjudicated(ready.practiceId);
  await invoiceClaimBalance(deps, details.original);
  const invoice = (await payClaimInvoice(ready.practiceId))!;
  const paid = (await getInvoice(store, ready.practiceId, invoice.invoiceId))!;
  const stripe = await getStripe();
  const [payment] = (await stripe.invoicePayments.list({ invoice: paid.stripeInvoiceId!, limit: 1 }, account ? { stripeAccount: account } : undefined)).data;
  const succeeded = (await outboxOf(store, ready.practiceId)).find((item) => item.detailType === 'PaymentSucceeded')!;
  return { ...ready, details, invoice: paid, paymentIntent: payment!.payment.payment_intent as string, succeeded, stripe };
};

/** Waits until the emulator has delivered every webhook. */
const delivered = () => emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 15_000 } });

/** The cardholder's bank opens a dispute in `status` (a closed one is created and closed, SPEC §6). */
const dispute = async (paymentIntent: string, status: string, amount?: number) => {
  const made = await emulator('/_disputes', { method: 'POST', body: { payment_intent: paymentIntent, status, ...(amount ? { amount } : {}) } });
  expect(made.status).toBe(200);
  await delivered();
  return made.body as { id: string; status: string; amount: number };
};

const close = async (id: string, status: string) => {
  const closed = await emulator(`/_disputes/${id}/close`, { method: 'POST', body: { status } });
  expect(closed.status).toBe(200);
  await delivered();
};

const eventsOf = async (practiceId: string, detailType: string) => (await outboxOf(store, practiceId)).filter((item) => item.detailType === detailType);

const listed = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/invoices`, { practiceId })).body.items as Record<string, unknown>[];

const disputeEventOf = async (stripe: Stripe, disputeId: string, type: string) =>
  (await stripe.events.list({ type, limit: 100 })).data.find((event) => (event.data.object as Stripe.Dispute).id === disputeId)!;

describe('a dispute of a balance payment', () => {
  it('lost: the $34 is owed again (one chargeback entry), the invoice shows it, one PaymentDisputeLost, no refund receipt; redelivered → nothing twice', async () => {
    // Prepare
    const paid = await paidBalance();
    const before = await ledgerState(store, paid.practiceId, paid.clientId);

    // Act: the client's bank charges the payment back and the practice loses.
    const lost = await dispute(paid.paymentIntent, 'lost');
    const closedEvent = await disputeEventOf(paid.stripe, lost.id, 'charge.dispute.closed');
    const again = await ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, closedEvent);
    const sameDisputeNewEvent = await ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, { ...closedEvent, id: `${closedEvent.id}_copy` });

    // Assess: +$34 owed, once, as a chargeback (not a refund the practice made).
    const after = await ledgerState(store, paid.practiceId, paid.clientId);
    expect(after.balanceCents - before.balanceCents).toBe(3400);
    expect(after.sumCents).toBe(after.balanceCents);
    expect(after.entries.filter((entry) => entry.kind === 'chargeback').map((entry) => [entry.amountCents, entry.ref])).toEqual([[3400, lost.id]]);
    expect([again.outcome, sameDisputeNewEvent.outcome]).toEqual(['duplicate', 'ignored']);
    expect((await eventsOf(paid.practiceId, 'PaymentDisputeLost')).map((item) => item.detail)).toEqual([
      {
        version: 1,
        practiceId: paid.practiceId,
        clientId: paid.clientId,
        kind: 'invoice',
        invoiceId: paid.invoice.invoiceId,
        claimId: 'CLM-1001',
        // The id its PaymentSucceeded named the payment by.
        paymentId: paid.succeeded.detail.paymentId,
        disputeId: lost.id,
        amountCents: 3400,
        currency: 'usd',
        lostAt: expect.any(String),
      },
    ]);
    // A chargeback is not a refund the practice made: no PaymentRefunded, so no refund receipt.
    expect(await eventsOf(paid.practiceId, 'PaymentRefunded')).toEqual([]);
    expect(await getInvoice(store, paid.practiceId, paid.invoice.invoiceId)).toMatchObject({
      status: 'paid',
      amountPaidCents: 3400,
      amountDisputedCents: 3400,
      dispute: { disputeId: lost.id, status: 'lost', amountCents: 3400 },
    });
    expect(await listed(paid.practiceId)).toEqual([
      expect.objectContaining({
        invoiceId: paid.invoice.invoiceId,
        status: 'paid',
        amountPaidCents: 3400,
        amountRefundedCents: 0,
        amountDisputedCents: 3400,
        dispute: { disputeId: lost.id, status: 'lost', amountCents: 3400 },
      }),
    ]);
    // The claim's view of its invoice says it too (the web app's claim page read "paid; nothing due", bug 139).
    expect((await api('GET', `/practices/${paid.practiceId}/claims/CLM-1001`, { practiceId: paid.practiceId })).body.invoice).toEqual({
      invoiceId: paid.invoice.invoiceId,
      status: 'paid',
      amountDueCents: 3400,
      hostedInvoiceUrl: expect.any(String),
      amountDisputedCents: 3400,
      dispute: { disputeId: lost.id, status: 'lost', amountCents: 3400 },
    });
  });

  it('lost, then the payer corrects the share from $34 to $24: kneadpay refunds nothing (the money is gone) and bills the $24 owed', async () => {
    // Prepare
    const paid = await paidBalance();
    await dispute(paid.paymentIntent, 'lost');

    // Act: reversal and correction to $24 of patient responsibility.
    const claim = (await getClaim(store, paid.practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, paid.details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, paid.details.correction);

    // Assess: no refund on Stripe, none recorded; a new $24 invoice for what is owed.
    expect((await paid.stripe.refunds.list({ payment_intent: paid.paymentIntent, limit: 10 })).data).toEqual([]);
    expect(await eventsOf(paid.practiceId, 'PaymentRefunded')).toEqual([]);
    expect((await listed(paid.practiceId)).map((item) => [item.status, item.amountDueCents]).sort()).toEqual([
      ['open', 2400],
      ['paid', 3400],
    ]);
  });

  it("the loss delivered 5× at once under one id and 5× under ids of its own (a redelivery and the reconciler's listing race), before any was applied → one chargeback, one PaymentDisputeLost", async () => {
    // Prepare: an open chargeback; its loss is the created event's Dispute as Stripe closes it
    // (status lost), so the copies race for the first application (the emulator would apply its own at once).
    const paid = await paidBalance();
    const before = await ledgerState(store, paid.practiceId, paid.clientId);
    const open = await dispute(paid.paymentIntent, 'needs_response');
    const created = await disputeEventOf(paid.stripe, open.id, 'charge.dispute.created');
    const closed = { ...created, id: `${created.id}_closed`, type: 'charge.dispute.closed', data: { object: { ...(created.data.object as Stripe.Dispute), status: 'lost' as const } } } as Stripe.Event;

    // Act: what lost a race (a conflict answered 503) is delivered again, as Stripe would.
    const copies = [...Array.from({ length: 5 }, () => closed), ...Array.from({ length: 5 }, (_, i) => ({ ...closed, id: `${closed.id}_race${i}` }))];
    const answers = await Promise.allSettled(copies.map((event) => ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, event)));
    for (const [i, answer] of answers.entries()) if (answer.status === 'rejected') await ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, copies[i]!);

    // Assess
    const after = await ledgerState(store, paid.practiceId, paid.clientId);
    expect(after.balanceCents - before.balanceCents).toBe(3400);
    expect(after.entries.filter((entry) => entry.kind === 'chargeback')).toHaveLength(1);
    expect(await eventsOf(paid.practiceId, 'PaymentDisputeLost')).toHaveLength(1);
    expect(await getInvoice(store, paid.practiceId, paid.invoice.invoiceId)).toMatchObject({ amountDisputedCents: 3400, dispute: { disputeId: open.id, status: 'lost' } });
    expect(answers.filter((answer) => answer.status === 'fulfilled' && answer.value.outcome === 'applied').length).toBeLessThanOrEqual(1);
  });

  it('a $34 dispute lost on a payment already refunded $10 by hand: only what was still paid ($24) is owed again (Stripe reinstates the refunded part)', async () => {
    // Prepare: $10 refunded in the Dashboard (decision 012), then a $34 dispute lost.
    const paid = await paidBalance();
    await paid.stripe.refunds.create({ payment_intent: paid.paymentIntent, amount: 1000 });
    await delivered();
    const before = await ledgerState(store, paid.practiceId, paid.clientId);

    // Act
    const lost = await dispute(paid.paymentIntent, 'lost');

    // Assess
    const after = await ledgerState(store, paid.practiceId, paid.clientId);
    expect(after.balanceCents - before.balanceCents).toBe(2400);
    expect(await getInvoice(store, paid.practiceId, paid.invoice.invoiceId)).toMatchObject({ amountRefundedCents: 1000, amountDisputedCents: 2400, dispute: { disputeId: lost.id, status: 'lost' } });
  });

  it.each([
    ['warning_needs_response', 'an inquiry'],
    ['warning_closed', 'an inquiry closed with no chargeback'],
    ['needs_response', 'an open chargeback'],
    ['under_review', 'a chargeback under review'],
    ['won', 'a chargeback won'],
    ['prevented', 'a dispute prevented'],
  ])('%s (%s): nothing on the ledger; the invoice shows the dispute', async (status) => {
    // Prepare
    const paid = await paidBalance();
    const before = await ledgerState(store, paid.practiceId, paid.clientId);

    // Act
    const made = await dispute(paid.paymentIntent, status);

    // Assess
    const after = await ledgerState(store, paid.practiceId, paid.clientId);
    expect(after.entries.map((entry) => entry.kind).sort()).toEqual(before.entries.map((entry) => entry.kind).sort());
    expect(after.balanceCents).toBe(before.balanceCents);
    expect(await eventsOf(paid.practiceId, 'PaymentDisputeLost')).toEqual([]);
    expect(await listed(paid.practiceId)).toEqual([expect.objectContaining({ status: 'paid', amountDisputedCents: 0, dispute: { disputeId: made.id, status, amountCents: 3400 } })]);
  });

  it('an inquiry that escalates and is lost: under dispute while open, owed again once lost', async () => {
    // Prepare
    const paid = await paidBalance();
    const before = await ledgerState(store, paid.practiceId, paid.clientId);
    const inquiry = await dispute(paid.paymentIntent, 'warning_under_review');

    // Act
    await close(inquiry.id, 'needs_response');
    const open = await listed(paid.practiceId);
    await close(inquiry.id, 'lost');

    // Assess
    expect(open).toEqual([expect.objectContaining({ amountDisputedCents: 0, dispute: expect.objectContaining({ status: 'needs_response' }) })]);
    expect((await ledgerState(store, paid.practiceId, paid.clientId)).balanceCents - before.balanceCents).toBe(3400);
    expect(await listed(paid.practiceId)).toEqual([expect.objectContaining({ amountDisputedCents: 3400, dispute: expect.objectContaining({ status: 'lost' }) })]);
  });

  it('events out of order: a late charge.dispute.created after the loss does not reopen it; nothing twice', async () => {
    // Prepare
    const paid = await paidBalance();
    const lost = await dispute(paid.paymentIntent, 'lost');
    const created = await disputeEventOf(paid.stripe, lost.id, 'charge.dispute.created');

    // Act: the created event delivered again under a new id (late), after the loss.
    const late = await ingestStripeEvent({ store, stripe: getStripe, effects: EFFECTS }, { ...created, id: `${created.id}_late` });

    // Assess
    expect(late.outcome).toBe('ignored');
    expect(await getInvoice(store, paid.practiceId, paid.invoice.invoiceId)).toMatchObject({ amountDisputedCents: 3400, dispute: { status: 'lost' } });
    expect(await eventsOf(paid.practiceId, 'PaymentDisputeLost')).toHaveLength(1);
  });

  it("on the practice's connected account: a lost dispute is recorded for the practice, once", async () => {
    // Prepare
    const account = newAccount();
    const paid = await paidBalance(account);

    // Act
    await dispute(paid.paymentIntent, 'lost');

    // Assess
    expect((await eventsOf(paid.practiceId, 'PaymentDisputeLost')).map((item) => item.detail)).toEqual([expect.objectContaining({ invoiceId: paid.invoice.invoiceId, amountCents: 3400 })]);
  });

  it.each([
    ['needs_response', 'an open chargeback: no refund is tried on the charged-back payment'],
    ['warning_needs_response', 'an inquiry: the refund is tried, the emulator refuses it as Stripe may (is_charge_refundable false)'],
  ])("%s (%s), then the payer lowers the share from USD 34 to USD 24: nothing refunded (Stripe refuses: charge_disputed); the USD 10 stays the client's credit", async (status) => {
    // Prepare
    const paid = await paidBalance();
    await dispute(paid.paymentIntent, status);
    const before = await ledgerState(store, paid.practiceId, paid.clientId);

    // Act: reversal and correction to $24.
    const claim = (await getClaim(store, paid.practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, paid.details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, paid.details.correction);

    // Assess: nothing refunded on Stripe; the overpayment is kept as the client's credit, once.
    expect((await paid.stripe.refunds.list({ payment_intent: paid.paymentIntent, limit: 10 })).data).toEqual([]);
    expect(await eventsOf(paid.practiceId, 'PaymentRefunded')).toEqual([]);
    const after = await ledgerState(store, paid.practiceId, paid.clientId);
    const added = after.entries.filter((entry) => !before.entries.some((seen) => seen.entryId === entry.entryId));
    expect(added.filter((entry) => entry.kind === 'overpayment_refund_not_paid').map((entry) => entry.amountCents)).toEqual([-1000]);
    expect(after.sumCents).toBe(after.balanceCents);
  });

  it("the same when the dispute's own event is not recorded yet: Stripe's refusal (charge_disputed) keeps the $10 as credit instead of failing the plan", async () => {
    // Prepare: an open chargeback on Stripe; the invoice is read as if its dispute event had not
    // arrived yet (the only stand-in: the emulator delivers its webhooks at once).
    const paid = await paidBalance();
    await dispute(paid.paymentIntent, 'needs_response');
    const real = invoiceStoreOn(store);
    const notYetKnown = {
      ...deps,
      invoices: {
        ...real,
        listClaimInvoices: async (practiceId: string, claimId: string) => (await real.listClaimInvoices(practiceId, claimId)).map((invoice) => ({ ...invoice, dispute: undefined })),
      },
    };

    // Act
    const claim = (await getClaim(store, paid.practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, paid.details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(notYetKnown, paid.details.correction);

    // Assess
    expect((await paid.stripe.refunds.list({ payment_intent: paid.paymentIntent, limit: 10 })).data).toEqual([]);
    expect((await ledgerState(store, paid.practiceId, paid.clientId)).entries.filter((entry) => entry.kind === 'overpayment_refund_not_paid').map((entry) => entry.amountCents)).toEqual([-1000]);
  });

  it("a lost dispute that overtakes the payment's own invoice.paid answers retry (503) and is recorded once the payment is", async () => {
    // Prepare: the emulator delivers its webhooks at once, so "dispute before invoice.paid" cannot be
    // held on the real stack: the effect is given (the only stand-in here) a port that reads the
    // invoice as it was before invoice.paid.
    const paid = await paidBalance();
    const lost = await dispute(paid.paymentIntent, 'lost');
    const closedEvent = await disputeEventOf(paid.stripe, lost.id, 'charge.dispute.closed');
    const unpaidYet = balanceChargeDisputed({
      getInvoice: async (s, practiceId, invoiceId) => {
        const stored = await getInvoice(s, practiceId, invoiceId);
        return stored && { ...stored, status: 'open', amountPaidCents: 0, amountDisputedCents: 0, dispute: undefined };
      },
      invoiceVersionedUpdate,
      claimInvoiceSummaryWrite,
      ledgerWrites,
    });

    // Act
    const early = ingestStripeEvent({ store, stripe: getStripe, effects: { 'charge.dispute.closed': unpaidYet } }, { ...closedEvent, id: `${closedEvent.id}_early` });

    // Assess: retry later, nothing written under that event; the real delivery recorded it once.
    await expect(early).rejects.toMatchObject({ name: 'RetryableError' });
    expect(await eventsOf(paid.practiceId, 'PaymentDisputeLost')).toHaveLength(1);
  });
  it('an open chargeback keeps a $10 overpayment as credit ($34 paid, share lowered to $24), then the chargeback is lost ($34): the next plan bills the $24 owed, not $34 (bug 99)', async () => {
    // Prepare: $34 paid; a chargeback opens; the correction to $24 cannot refund $10 (charge_disputed): kept as credit.
    const paid = await paidBalance();
    const opened = await dispute(paid.paymentIntent, 'needs_response');
    const claim = (await getClaim(store, paid.practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, paid.details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, paid.details.correction);
    expect((await ledgerState(store, paid.practiceId, paid.clientId)).entries.filter((entry) => entry.kind === 'overpayment_refund_not_paid').map((entry) => entry.amountCents)).toEqual([-1000]);

    // Act: the practice loses the chargeback — the bank takes the whole $34 back, the kept $10 with it;
    // then the claim is planned again (its correction delivered again).
    await close(opened.id, 'lost');
    const replanned = await invoiceClaimBalance(deps, paid.details.correction);

    // Assess: the ledger says $24 owed, and the plan bills $24 — once (a further delivery bills nothing more).
    expect((await ledgerState(store, paid.practiceId, paid.clientId)).balanceCents).toBe(2400);
    expect(replanned.actions).toEqual([{ kind: 'invoice', amountCents: 2400 }]);
    expect((await invoiceClaimBalance(deps, paid.details.correction)).actions).toEqual([]);
    expect((await listed(paid.practiceId)).map((item) => [item.status, item.amountDueCents]).sort()).toEqual([
      ['open', 2400],
      ['paid', 3400],
    ]);
    expect((await paid.stripe.refunds.list({ payment_intent: paid.paymentIntent, limit: 10 })).data).toEqual([]);
  });
});
