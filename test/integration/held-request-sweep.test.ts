/**
 * A staff request that dies midway on a held balance invoice, finished without staff (audit f3,
 * 2026-12-07): a desk payment of a held Stripe draft (bug 101) deletes the draft first and records
 * the payment second; a write-off of a held draft deletes it and then commits. A request that dies
 * in between leaves the draft gone and nothing recorded, and Stripe sends nothing kneadpay acts on
 * for a deleted draft (no `invoice.voided`), so before this only staff submitting it again finished
 * it. The balance invoicer's hourly sweep (core/invoicing/sweep.ts) now finishes it once the request
 * is older than its grace (60 s, longer than a request may run), exactly once against staff
 * resubmitting at the same moment. Over DynamoDB Local, the Stripe emulator (real `stripe` SDK), the
 * local stack over HTTP and the local SES; the crash is a throw from the request's own step hook
 * (a real crash cannot be scheduled there), asked two minutes ago (`now`) so its grace is over.
 */
import { describe, expect, it } from 'vitest';
import { resumeInvoicesAwaitingStripe, sweepPracticeHeldInvoices } from '../../functions/core/invoicing';
import { recordDeskPayment } from '../../functions/core/desk-payments';
import { writeOffBalance } from '../../functions/core/write-offs';
import { getStripe } from '../../functions/stripe/client';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { api } from '../support/api';
import { enableChargesQuietly } from '../support/connect';
import { ledgerState, outboxOf } from '../support/fixtures';
import { balanceEmailsTo, deskPaymentDiesAfterDelete, heldDraftOnStripe, store, stripeInvoicesFor } from '../support/invoicing';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const DESK = { method: 'cash', amountCents: 3400 } as const;
const twoMinutesAgo = () => new Date(Date.now() - 120_000);
const pay = (practiceId: string, invoiceId: string, key: string) =>
  api('POST', `/practices/${practiceId}/invoices/${invoiceId}/desk-payments`, { practiceId, body: DESK, headers: { 'idempotency-key': key } });
const WRITE_OFF = { reason: 'hardship', note: 'agreed at the desk' } as const;
const writeOff = (practiceId: string, invoiceId: string, key: string) =>
  api('POST', `/practices/${practiceId}/invoices/${invoiceId}/write-offs`, { practiceId, body: WRITE_OFF, headers: { 'idempotency-key': key } });
const eventsOf = async (practiceId: string, detailType: string) => (await outboxOf(store, practiceId)).filter((item) => item.detailType === detailType);
const claimView = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body;

describe('a desk payment of a held Stripe draft that died between the delete and the record', () => {
  it('the hourly sweep records it once, whatever the account says (still restricted): paid, PaymentSucceeded, the claim paid, no email; staff sending it again get the same payment', async () => {
    // Prepare
    const { practiceId, clientId, email, accountId, invoice } = await heldDraftOnStripe(deps, 'off after line');
    const key = `desk-died-${invoice.invoiceId}`;
    const asked = twoMinutesAgo();
    expect(await deskPaymentDiesAfterDelete(practiceId, invoice.invoiceId, key, asked)).toBe('crash after the delete');
    const died = await getInvoice(store, practiceId, invoice.invoiceId);

    // Act
    const first = await sweepPracticeHeldInvoices(deps, practiceId);
    const second = await sweepPracticeHeldInvoices(deps, practiceId);
    const resent = await pay(practiceId, invoice.invoiceId, key);
    const otherKey = await pay(practiceId, invoice.invoiceId, `desk-other-${invoice.invoiceId}`);

    // Assess
    expect(died).toMatchObject({ status: 'draft', awaitingStripe: true });
    expect(died?.deskPayment).toBeUndefined();
    expect(first).toEqual({ held: 1, sent: 0, busy: 0, finished: 1 });
    expect(second).toEqual({ held: 0, sent: 0, busy: 0, finished: 0 });
    const paid = await getInvoice(store, practiceId, invoice.invoiceId);
    expect(paid).toMatchObject({
      status: 'paid',
      amountPaidCents: 3400,
      stripeInvoiceId: null,
      emailedAt: null,
      deskPayment: { paymentId: died!.deskPaymentRequest!.paymentId, method: 'cash', amountCents: 3400, paidAt: asked.toISOString() },
    });
    expect([resent.status, resent.body.paymentId]).toEqual([200, paid!.deskPayment!.paymentId]);
    expect([otherKey.status, otherKey.body.error?.code]).toEqual([409, 'invoice_already_paid']);
    expect((await eventsOf(practiceId, 'PaymentSucceeded')).map((item) => item.detail)).toEqual([
      expect.objectContaining({ kind: 'invoice', invoiceId: invoice.invoiceId, paymentId: paid!.deskPayment!.paymentId, amountCents: 3400, method: 'cash' }),
    ]);
    expect(await claimView(practiceId)).toMatchObject({ invoice: { status: 'paid' } });
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'payment').map((entry) => entry.amountCents)).toEqual([-3400]);
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
  });

  it('a request younger than its grace (it may still be running) is left to itself', async () => {
    // Prepare
    const { practiceId, invoice } = await heldDraftOnStripe(deps, 'off after line');
    expect(await deskPaymentDiesAfterDelete(practiceId, invoice.invoiceId, `desk-live-${invoice.invoiceId}`, new Date())).toBe('crash after the delete');

    // Act
    const swept = await sweepPracticeHeldInvoices(deps, practiceId);

    // Assess: held, not finished, no Stripe draft to finalize — the account still cannot charge.
    expect(swept).toEqual({ held: 1, sent: 0, busy: 0, finished: 0 });
    expect(await getInvoice(store, practiceId, invoice.invoiceId)).toMatchObject({ status: 'draft', awaitingStripe: true });
    expect(await eventsOf(practiceId, 'PaymentSucceeded')).toEqual([]);
  });

  it.each([
    ['the same key', (id: string) => `desk-died-${id}`],
    ['another key', (id: string) => `desk-again-${id}`],
  ])('the sweep and staff sending it again (%s) at the same moment, twice over: one payment', async (_, keyOf) => {
    // Prepare
    const { practiceId, clientId, invoice } = await heldDraftOnStripe(deps, 'off after create, then a crash');
    expect(await deskPaymentDiesAfterDelete(practiceId, invoice.invoiceId, `desk-died-${invoice.invoiceId}`, twoMinutesAgo())).toBe('crash after the delete');

    // Act
    const [sweepA, staffA, sweepB, staffB] = await Promise.all([
      sweepPracticeHeldInvoices(deps, practiceId),
      pay(practiceId, invoice.invoiceId, keyOf(invoice.invoiceId)),
      sweepPracticeHeldInvoices(deps, practiceId),
      pay(practiceId, invoice.invoiceId, keyOf(invoice.invoiceId)),
    ]);

    // Assess
    const paid = await getInvoice(store, practiceId, invoice.invoiceId);
    expect(paid).toMatchObject({ status: 'paid', amountPaidCents: 3400, stripeInvoiceId: null });
    expect(sweepA.finished + sweepB.finished).toBeLessThanOrEqual(1);
    for (const staff of [staffA, staffB]) {
      if (staff.status === 409) expect(staff.body.error.code).toBe('invoice_already_paid');
      else {
        expect([200, 201]).toContain(staff.status);
        expect(staff.body.paymentId).toBe(paid!.deskPayment!.paymentId);
      }
    }
    expect(await eventsOf(practiceId, 'PaymentSucceeded')).toHaveLength(1);
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'payment')).toHaveLength(1);
    expect(ledger.balanceCents).toBe(ledger.sumCents);
  });
});

describe('a desk payment of a held Stripe draft that died before deleting it', () => {
  it('charges come back: the resume does not finalize the draft staff took (no email); the sweep, after the grace, deletes it and records the payment once', async () => {
    // Prepare: the request is recorded, then dies before Stripe is asked; the account can charge again.
    const { practiceId, clientId, email, accountId, invoice } = await heldDraftOnStripe(deps, 'off after line');
    const died = await recordDeskPayment(store, practiceId, invoice.invoiceId, DESK, `desk-early-${invoice.invoiceId}`, twoMinutesAgo(), undefined, {
      stripe: getStripe,
      after: (at) => {
        if (at === 'requested') throw new Error('crash before the delete');
      },
    }).then(
      () => 'returned',
      (error: Error) => error.message,
    );
    await enableChargesQuietly(store, practiceId, accountId);

    // Act
    const resumed = await resumeInvoicesAwaitingStripe(deps, practiceId);
    const between = await stripeInvoicesFor(practiceId, clientId, accountId);
    const swept = await sweepPracticeHeldInvoices(deps, practiceId);

    // Assess
    expect(died).toBe('crash before the delete');
    expect(resumed.map((one) => [one.status, one.emailedAt])).toEqual([['draft', null]]);
    expect(between.map((made) => made.status)).toEqual(['draft']);
    expect(swept).toEqual({ held: 1, sent: 0, busy: 0, finished: 1 });
    expect(await getInvoice(store, practiceId, invoice.invoiceId)).toMatchObject({ status: 'paid', stripeInvoiceId: null, emailedAt: null, deskPayment: expect.objectContaining({ method: 'cash' }) });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
    expect(await eventsOf(practiceId, 'PaymentSucceeded')).toHaveLength(1);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
  });
});

describe('a write-off of a held Stripe draft that died between the delete and the commit', () => {
  it('no Stripe event comes (a deleted draft is not voided): the hourly sweep writes it off once, as asked; staff asking again get it back', async () => {
    // Prepare
    const { practiceId, clientId, email, accountId, invoice } = await heldDraftOnStripe(deps, 'off after line');
    const key = `wo-died-${invoice.invoiceId}`;
    const died = await writeOffBalance(
      { store, stripe: getStripe, after: () => Promise.reject(new Error('crash after the delete')) },
      practiceId,
      invoice.invoiceId,
      WRITE_OFF,
      { idempotencyKey: key, actor: 'staff-1' },
      twoMinutesAgo(),
    ).then(
      () => 'returned',
      (error: Error) => error.message,
    );
    const between = await getInvoice(store, practiceId, invoice.invoiceId);

    // Act
    const first = await sweepPracticeHeldInvoices(deps, practiceId);
    const second = await sweepPracticeHeldInvoices(deps, practiceId);
    const again = await writeOff(practiceId, invoice.invoiceId, key);

    // Assess
    expect(died).toBe('crash after the delete');
    expect(between).toMatchObject({ status: 'draft', awaitingStripe: true, writeOffRequest: expect.objectContaining({ reason: 'hardship' }) });
    expect(between?.writeOff).toBeUndefined();
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
    expect(first).toEqual({ held: 1, sent: 0, busy: 0, finished: 1 });
    expect(second).toEqual({ held: 0, sent: 0, busy: 0, finished: 0 });
    const done = await getInvoice(store, practiceId, invoice.invoiceId);
    expect(done).toMatchObject({
      status: 'void',
      writeOff: { writeOffId: between!.writeOffRequest!.writeOffId, reason: 'hardship', note: 'agreed at the desk', writtenOffBy: 'staff-1', amountCents: 3400 },
    });
    expect([again.status, again.body.writeOffId]).toEqual([200, done!.writeOff!.writeOffId]);
    expect(await eventsOf(practiceId, 'PatientBalanceWrittenOff')).toHaveLength(1);
    expect(await claimView(practiceId)).toMatchObject({ state: 'closed', invoice: { status: 'written_off' } });
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'balance_writeoff').map((entry) => entry.amountCents)).toEqual([-3400]);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001')).map((one) => one.status)).toEqual(['void']);
  });
});
