/**
 * Reliability — a crash at every step boundary of every event consumer (docs/reliability.md).
 * A process crash cannot be scheduled, so it is injected: each consumer calls an optional
 * `deps.after(step, id)` hook after each step (`RECEIPT_STEPS`, `REMINDER_STEPS`, `EXPIRY_STEPS`,
 * `REFUND_STEPS`; `INVOICE_STEPS` is test/integration/invoicing.test.ts's). For every step the hook
 * throws once, then the consumer runs again twice with the same input, as the bus (or the next
 * scheduled run) would. Pass: exactly one effect — one receipt with one number and no gap, one
 * email per receipt or due reminder, one expiry ledger entry per purchase, one Stripe refund.
 *
 * The one boundary where one effect is not possible is between SES accepting an email and its
 * record: SES takes no idempotency key, so a retry after the send lease has lapsed sends it again
 * (at least once, never lost; docs/decisions/005-invoice-saga.md). Those cases assert exactly two.
 *
 * Consumers are called in-process through their core functions, on events built here (not put on
 * the stack's bus, whose own consumers would otherwise run them too). Redeliveries come after the
 * consumer's leases have lapsed (an injected clock, or a later scheduled run): a redelivery inside a
 * lease only waits or asks to be retried, and converges on a later one.
 *
 * Last, the balance invoicer between each Stripe or SES answer and its record
 * (`INVOICE_INNER_STEPS`, with idempotency keys kept and expired), and two boundaries no hook
 * reaches (Stripe's answer to creating the customer, an email lease taken before SES), crashed by
 * other means; both of those were bugs.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type Stripe from 'stripe';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { INVOICE_INNER_STEPS, invoiceClaimBalance, INVOICE_STEPS, REFUND_STEPS, type InvoicingDeps } from '../../functions/core/invoicing';
import { defaultReceiptDeps, handleReceiptEvent, RECEIPT_STEPS, type ReceiptDeps, type ReceiptStep } from '../../functions/core/receipts';
import { EXPIRY_STEPS, expirePurchases } from '../../functions/core/credit-expiry';
import { redeemCredit } from '../../functions/core/redemptions';
import { createPackage, ensurePackageOnStripe } from '../../functions/core/packages';
import { getPractice } from '../../functions/store/practices';
import { REMINDER_STEPS, sendReminders, type ReminderStep } from '../../functions/invoice-reminder';
import { newId } from '../../functions/shared/ids';
import { getStripe } from '../../functions/stripe/client';
import { createStore } from '../../functions/store/table';
import { getInvoice, invoiceKey, listClaimInvoices } from '../../functions/store/invoices';
import { practicePk } from '../../functions/store/keys';
import { listQueuedReceipts, listReceipts, readReceiptCounter } from '../../functions/store/receipts';
import { checkoutSession, ledgerState, outboxOf, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { adjudicated, claimReady, emailsTo, emulator, payClaimInvoice } from '../support/invoicing';
import { busEvent, receiptEmailsTo } from '../support/receipts';
import { assertNoPhiLeaks, captureLogs, checkInvariants, clientEmail, deliverLikeStripe, newAccount, recordFigures, track, trackAccount, trackedAccounts } from '../support/reliability';
import { stripeEvent } from '../support/stripe-events';
import { newPracticeId } from '../support/store';

const store = createStore();
const logs = captureLogs();
const figures = { consumers: 4, steps: 0, cases: 0, crashes: 0, reruns: 0, oneEffect: 0, sentTwice: 0 };
const MINUTE = 60_000;
const DAY = 86_400_000;

afterEach(async () => {
  await checkInvariants(store);
});
afterAll(() => logs.restore());

class InjectedCrash extends Error {
  constructor(step: string) {
    super(`injected crash after ${step}`);
    this.name = 'InjectedCrash';
  }
}

/** A hook that crashes the first time the consumer reaches `step`, and counts it. */
const crashAfter = <S extends string>(step: S) => {
  const crash = {
    hits: 0,
    hook: (at: S) => {
      if (at !== step || crash.hits > 0) return;
      crash.hits += 1;
      figures.crashes += 1;
      throw new InjectedCrash(step);
    },
  };
  return crash;
};

/**
 * Steps between SES accepting an email and its record: a retry once the send lease has lapsed
 * sends the email a second time (SES has no idempotency key). Every other step: exactly one.
 */
const SENT_NOT_RECORDED: ReadonlySet<string> = new Set(['send', 'email-sent']);
const emailsExpected = (step: string) => (SENT_NOT_RECORDED.has(step) ? 2 : 1);
const counted = (step: string) => {
  figures.cases += 1;
  if (SENT_NOT_RECORDED.has(step)) figures.sentTwice += 1;
  else figures.oneEffect += 1;
};

// The receipt issuer -------------------------------------------------------------------------

describe('reliability: a crash at every step of the receipt issuer → one receipt, one number, no gap, one email', () => {
  /** The bus redelivers after the leases have lapsed (numbering 5 s, email 90 s): the worst case. */
  const deps = (over: Partial<ReceiptDeps> = {}, lateByMs = 0) => defaultReceiptDeps({ stripe: getStripe, ...over, ...(lateByMs ? { now: () => new Date(Date.now() + lateByMs) } : {}) });

  const packagePaid = (practiceId: string, purchase: { clientId: string; purchaseId: string }) =>
    busEvent('PaymentSucceeded', {
      version: 1,
      practiceId,
      clientId: purchase.clientId,
      kind: 'package',
      purchaseId: purchase.purchaseId,
      paymentId: `pi_${newId('crash')}`,
      amountCents: 42500,
      currency: 'usd',
      paidAt: new Date().toISOString(),
    });

  const refunded = (paid: ReturnType<typeof packagePaid>) =>
    busEvent('PaymentRefunded', {
      version: 1,
      practiceId: paid.detail.practiceId,
      clientId: paid.detail.clientId,
      kind: 'package',
      purchaseId: paid.detail.purchaseId,
      paymentId: paid.detail.paymentId,
      refundId: `re_${newId('crash')}`,
      amountCents: 8500,
      totalRefundedCents: 8500,
      currency: 'usd',
      creditsRemoved: 1,
      refundedAt: new Date().toISOString(),
    });

  const cases = RECEIPT_STEPS.flatMap((step) => (['PaymentSucceeded', 'PaymentRefunded'] as const).map((type) => [step, type] as const));

  it.each(cases)('a crash after "%s" on %s', async (step, type) => {
    // Prepare: a practice that already numbered one receipt (another client's), and the client's payment.
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    track(practiceId);
    const email = clientEmail();
    const earlier = await seedOpenPurchase(store, practiceId);
    expect(await handleReceiptEvent(deps(), packagePaid(practiceId, earlier))).toMatchObject({ number: 'R-000001' });
    const paid = packagePaid(practiceId, await seedOpenPurchase(store, practiceId, { email }));
    let event = paid;
    if (type === 'PaymentRefunded') {
      expect(await handleReceiptEvent(deps(), paid)).toMatchObject({ number: 'R-000002' });
      event = refunded(paid);
    }
    const crash = crashAfter<ReceiptStep>(step);

    // Act: the crash, the bus's two redeliveries, then the practice's next payment.
    await expect(handleReceiptEvent(deps({ after: crash.hook }), event)).rejects.toThrow(InjectedCrash);
    const retries = [await handleReceiptEvent(deps({}, 2 * MINUTE), event), await handleReceiptEvent(deps({}, 4 * MINUTE), event)];
    const next = await handleReceiptEvent(deps({}, 5 * MINUTE), packagePaid(practiceId, await seedOpenPurchase(store, practiceId)));

    // Assess
    expect(crash.hits).toBe(1);
    const all = (await listReceipts(store, practiceId, { includeUnnumbered: true, limit: 100 })).items;
    const ours = all.filter((receipt) =>
      type === 'PaymentRefunded' ? receipt.source.refundId === event.detail.refundId : receipt.source.paymentId === paid.detail.paymentId && receipt.source.type === 'payment',
    );
    expect(ours).toHaveLength(1);
    const receipt = ours[0]!;
    const expectedNumber = type === 'PaymentRefunded' ? 'R-000003' : 'R-000002';
    expect(retries.map((retry) => (retry.outcome === 'ignored' ? retry.reason : [retry.receiptId, retry.number]))).toEqual([
      [receipt.receiptId, expectedNumber],
      [receipt.receiptId, expectedNumber],
    ]);
    expect({ number: receipt.number, emailStatus: receipt.emailStatus, emailSends: receipt.emailSends }).toEqual({ number: expectedNumber, emailStatus: 'sent', emailSends: 1 });
    // No gap: every receipt of the practice numbered 1…n, the counter at n, nothing left queued, one ReceiptIssued each.
    const numbers = all.map((item) => item.number).sort();
    expect(numbers).toEqual(Array.from({ length: all.length }, (_, i) => `R-${String(i + 1).padStart(6, '0')}`));
    expect(next).toMatchObject({ outcome: 'issued', number: `R-${String(all.length).padStart(6, '0')}` });
    expect(await readReceiptCounter(store, practiceId)).toBe(all.length);
    expect(await listQueuedReceipts(store, practiceId, 10)).toEqual([]);
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ReceiptIssued')).toHaveLength(all.length);
    const subject = type === 'PaymentRefunded' ? 'Your refund receipt from Harbor Bodywork' : 'Your receipt from Harbor Bodywork';
    const mails = (await receiptEmailsTo(email)).filter((mail) => mail.subject === subject);
    expect(mails).toHaveLength(emailsExpected(step));
    expect(mails.every((mail) => (mail.body.text ?? '').includes(expectedNumber))).toBe(true);
    figures.reruns += 2;
    counted(step);
  });
});

// The invoice reminder -------------------------------------------------------------------------

describe('reliability: a crash at every step of the invoice reminder → one email per due reminder', () => {
  // Regression (docs/reliability.md, "a reminder lost after a crash", fixed): the reminder was
  // recorded as sent before SES was asked, so a crash between the two (today's "lease" boundary)
  // lost it for good. It is now sent under a lease and recorded after SES accepted it.
  it.each([...REMINDER_STEPS])('a crash after "%s" while sending the 7-day reminder', async (step) => {
    // Prepare: a $34 balance invoice, open, due on the day Stripe says.
    const account = newAccount();
    trackAccount(account);
    const ready = await claimReady({ practice: { stripeAccountId: account } });
    track(ready.practiceId, { account });
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(ready.practiceId).original);
    const [invoice] = await listClaimInvoices(store, ready.practiceId, 'CLM-1001');
    const due = Date.parse(invoice!.dueAt!);
    const crash = crashAfter<ReminderStep>(step);
    // The run catches a failing invoice and goes on with the next; the crash is counted by its hook.
    const run = (at: number, after?: (s: ReminderStep) => void) => sendReminders(store, new Date(at), [ready.practiceId], after ? { after } : {});
    const reminders = async () => (await emailsTo(ready.email)).filter((mail) => mail.subject.startsWith('Reminder:')).length;

    // Act: day 8 crashes; the crashed run retried a minute later (Lambda); the next day's run; then days 15 and 16.
    await run(due + 8 * DAY, crash.hook);
    await run(due + 8 * DAY + MINUTE);
    await run(due + 9 * DAY);
    const afterRetries = await reminders();
    await run(due + 15 * DAY);
    await run(due + 16 * DAY);

    // Assess: the 7-day reminder once (a crash between SES and the record: twice), then the 14-day one once.
    expect(crash.hits).toBe(1);
    expect(afterRetries).toBe(emailsExpected(step));
    expect(await reminders()).toBe(emailsExpected(step) + 1);
    const stored = await getInvoice(store, ready.practiceId, invoice!.invoiceId);
    expect(stored!.remindersSent).toEqual([7, 14]);
    expect(stored).not.toHaveProperty('reminderLeaseUntil');
    figures.reruns += 4;
    counted(step);
  });
});

// The credit expirer -------------------------------------------------------------------------------

describe('reliability: a crash at every step of the credit expirer → one expiry entry per purchase, the ledger holds', () => {
  it.each([...EXPIRY_STEPS])('a crash after "%s" of the first purchase, with a second still to expire', async (step) => {
    // Prepare: two paid packages of one client (5 and 3 sessions, a year to use them), one visit redeemed.
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    track(practiceId);
    const email = clientEmail();
    const five = await seedOpenPurchase(store, practiceId, { email, sessions: 5, priceCents: 42500 });
    const three = await seedOpenPurchase(store, practiceId, { email, sessions: 3, priceCents: 25500 });
    await deliverLikeStripe([stripeEvent('checkout.session.completed', checkoutSession(five)), stripeEvent('checkout.session.completed', checkoutSession(three))]);
    await redeemCredit(store, practiceId, five.clientId, { appointmentId: 'visit-1' });
    const later = new Date(Date.now() + 400 * DAY);
    const crash = crashAfter(step);

    // Act
    await expect(expirePurchases(store, practiceId, later, { after: crash.hook })).rejects.toThrow(InjectedCrash);
    const reruns = [await expirePurchases(store, practiceId, later), await expirePurchases(store, practiceId, later)];

    // Assess
    expect(crash.hits).toBe(1);
    expect(reruns).toEqual([1, 0]);
    const ledger = await ledgerState(store, practiceId, five.clientId);
    const expiries = ledger.entries.filter((entry) => entry.kind === 'credits_expired');
    expect(expiries.map((entry) => entry.ref).sort()).toEqual([five.purchaseId, three.purchaseId].sort());
    expect(expiries.reduce((sum, entry) => sum + (entry.sessionsDelta ?? 0), 0)).toBe(-7);
    expect(ledger.entries.reduce((sum, entry) => sum + (entry.sessionsDelta ?? 0), 0)).toBe(0);
    expect(ledger.balanceCents).toBe(ledger.sumCents);
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'CreditsExpired')).toHaveLength(2);
    figures.reruns += 2;
    counted(step);
  });
});

// The overpayment refund ------------------------------------------------------------------------------

describe('reliability: a crash at every step of the overpayment refund → one Stripe refund', () => {
  const deps = (over: Partial<InvoicingDeps> = {}): InvoicingDeps => ({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000', ...over });

  /** $34 invoiced and paid on the hosted invoice page (the emulator's webhooks reach the stack). */
  const paidBalance = async () => {
    const account = newAccount();
    trackAccount(account);
    const ready = await claimReady({ practice: { stripeAccountId: account } });
    track(ready.practiceId, { account });
    await invoiceClaimBalance(deps(), adjudicated(ready.practiceId).original);
    await payClaimInvoice(ready.practiceId);
    return { ...ready, account };
  };

  const refundRecords = async (practiceId: string) =>
    ((
      await store.doc.send(
        new QueryCommand({
          TableName: store.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'REFUND#' },
          ConsistentRead: true,
        }),
      )
    ).Items ?? []) as { refundId: string; status: string; stripeRefundId: string | null }[];

  // The plan records the refund `pending` (INVOICE_STEPS' "plan"); REFUND_STEPS drive it on Stripe.
  const points = [
    ...INVOICE_STEPS.filter((step) => step === 'plan').map((step) => ({ name: step, crash: crashAfter(step), keys: 'kept' as const })),
    ...REFUND_STEPS.flatMap((step) => (['kept', 'expired'] as const).map((keys) => ({ name: step, crash: crashAfter(step), keys }))),
  ];

  it.each(points.map((point) => [point.name, point.keys, point] as const))('a crash after "%s", Stripe idempotency keys %s between attempts', async (name, keys, point) => {
    // Prepare
    const f = await paidBalance();
    const reversal = adjudicated(f.practiceId).reversal;
    const hook = name === 'plan' ? { after: point.crash.hook as InvoicingDeps['after'] } : { afterRefund: point.crash.hook as InvoicingDeps['afterRefund'] };

    // Act: the payer's reversal crashes the invoicer; the bus delivers it twice more.
    await expect(invoiceClaimBalance(deps(hook), reversal)).rejects.toThrow(InjectedCrash);
    if (keys === 'expired') expect((await emulator('/_idempotency/expire', { method: 'POST', body: { accounts: [f.account] } })).status).toBe(200);
    await invoiceClaimBalance(deps(), reversal);
    await invoiceClaimBalance(deps(), reversal);

    // Assess: one refund of $34 on Stripe, recorded on the one refund record; the ledger says it once.
    expect(point.crash.hits).toBe(1);
    const refunds = await (await getStripe()).refunds.list({ limit: 10 }, { stripeAccount: f.account });
    const records = await refundRecords(f.practiceId);
    expect(refunds.data.map((refund) => [refund.amount, refund.metadata?.refundId])).toEqual([[3400, records[0]?.refundId]]);
    expect(records.map((record) => [record.status, record.stripeRefundId])).toEqual([['sent', refunds.data[0]!.id]]);
    const ledger = await ledgerState(store, f.practiceId, f.clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'overpayment_refund').map((entry) => entry.amountCents)).toEqual([3400]);
    expect({ balanceCents: ledger.balanceCents, sumCents: ledger.sumCents }).toEqual({ balanceCents: 0, sumCents: 0 });
    figures.reruns += 2;
    counted(name);
  });
});

// The balance invoicer: between each answer and its record ----------------------------------------

describe('reliability: the balance invoicer between a Stripe answer or a lease and its record', () => {
  const deps = (over: Partial<InvoicingDeps> = {}): InvoicingDeps => ({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000', ...over });
  const claimOnAccount = async () => {
    const account = newAccount();
    trackAccount(account);
    const ready = await claimReady({ practice: { stripeAccountId: account } });
    track(ready.practiceId, { account });
    return { ...ready, account, detail: adjudicated(ready.practiceId).original };
  };
  /** Sets the invoice's email lease as a run that died at `until` would leave it (the record must exist). */
  const leaseUntil = (practiceId: string, invoiceId: string, until: number) =>
    store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: invoiceKey(practiceId, invoiceId),
        UpdateExpression: 'SET emailLeaseUntil = :until',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':until': new Date(until).toISOString() },
      }),
    );

  // INVOICE_STEPS (invoicing.test.ts) crash after each record; these crash inside the steps, after a
  // write or after Stripe or SES answered, before the record that follows.
  const inner = INVOICE_INNER_STEPS.flatMap((step) => (['kept', 'expired'] as const).map((keys) => [step, keys] as const));
  it.each(inner)('a crash after "%s" (before its record), Stripe idempotency keys %s between attempts', async (step, keys) => {
    // Prepare
    const f = await claimOnAccount();
    const crash = crashAfter(step);
    await expect(invoiceClaimBalance(deps({ after: crash.hook as InvoicingDeps['after'] }), f.detail)).rejects.toThrow(InjectedCrash);
    if (keys === 'expired') expect((await emulator('/_idempotency/expire', { method: 'POST', body: { accounts: [f.account] } })).status).toBe(200);

    // Act: a redelivery at once (after "email-sent" the dead run's send lease still lives), then two
    // after that lease has lapsed.
    const early = await invoiceClaimBalance(deps(), f.detail).then(
      () => 'returned',
      (error: Error) => error.name,
    );
    const [record] = await listClaimInvoices(store, f.practiceId, 'CLM-1001');
    await leaseUntil(f.practiceId, record!.invoiceId, Date.now() - 1);
    await invoiceClaimBalance(deps(), f.detail);
    await invoiceClaimBalance(deps(), f.detail);

    // Assess: one invoice of $34 with one line, open, recorded with its Stripe ids and hosted page.
    const stripe = await getStripe();
    const invoices = (await stripe.invoices.list({ limit: 10 }, { stripeAccount: f.account })).data;
    expect(invoices.map((invoice) => [invoice.status, invoice.amount_due, invoice.lines.data.length])).toEqual([['open', 3400, 1]]);
    const stored = await listClaimInvoices(store, f.practiceId, 'CLM-1001');
    expect(
      stored.map((invoice) => ({
        status: invoice.status,
        stripeInvoiceId: invoice.stripeInvoiceId,
        stripeInvoiceItemId: invoice.stripeInvoiceItemId,
        hosted: Boolean(invoice.hostedInvoiceUrl),
        emailed: Boolean(invoice.emailedAt),
      })),
    ).toEqual([{ status: 'open', stripeInvoiceId: invoices[0]!.id, stripeInvoiceItemId: expect.stringMatching(/^ii_/), hosted: true, emailed: true }]);
    // The email: once, except after SES accepted it and the run died before its record.
    expect({ early, emails: (await emailsTo(f.email)).length }).toEqual({ early: step === 'email-sent' ? 'RetryableError' : 'returned', emails: emailsExpected(step) });
    // The balance once in the ledger, the invoice announced once.
    expect((await ledgerState(store, f.practiceId, f.clientId)).balanceCents).toBe(3400);
    expect((await outboxOf(store, f.practiceId)).filter((item) => item.detailType === 'PatientBalanceInvoiced').length).toBe(1);
    expect(crash.hits).toBe(1);
    figures.reruns += 3;
    counted(step);
  });

  // Regression (docs/reliability.md, "a second Stripe customer after a crash and expired keys", fixed):
  // the customer's id was recorded after Stripe answered, and nothing found the customer again once
  // its idempotency key had expired, so the retry created a second customer for the client.
  it("a crash after Stripe created the client's customer, before its record, keys expired → one customer", async () => {
    // Prepare: the process dies as Stripe's answer to POST /v1/customers arrives.
    const f = await claimOnAccount();
    const stripe = await getStripe();
    const crash = { hits: 0 };
    const dying = new Proxy(stripe, {
      get: (target, property) =>
        property === 'customers'
          ? new Proxy(target.customers, {
              get: (customers, name) =>
                name === 'create'
                  ? async (...args: Parameters<typeof customers.create>) => {
                      await customers.create(...args);
                      crash.hits += 1;
                      figures.crashes += 1;
                      throw new InjectedCrash('the customer was created on Stripe');
                    }
                  : Reflect.get(customers, name),
            })
          : Reflect.get(target, property),
    });

    // Act: the retries come after Stripe forgot the idempotency key.
    await expect(invoiceClaimBalance(deps({ stripe: async () => dying }), f.detail)).rejects.toThrow(InjectedCrash);
    expect((await emulator('/_idempotency/expire', { method: 'POST', body: { accounts: [f.account] } })).status).toBe(200);
    await invoiceClaimBalance(deps(), f.detail);
    await invoiceClaimBalance(deps(), f.detail);

    // Assess
    expect(crash.hits).toBe(1);
    const customers = (await stripe.customers.list({ limit: 100 }, { stripeAccount: f.account })).data;
    expect(customers.map((customer) => customer.metadata?.clientId)).toEqual([f.clientId]);
    const invoices = (await stripe.invoices.list({ limit: 10 }, { stripeAccount: f.account })).data;
    expect(invoices.map((invoice) => [invoice.status, invoice.amount_due, invoice.customer])).toEqual([['open', 3400, customers[0]!.id]]);
    expect(await emailsTo(f.email)).toHaveLength(1);
    figures.reruns += 2;
    counted('customer');
  });

  // Regression (docs/reliability.md, "a balance email lost when its sender died holding the lease",
  // fixed): a retry that found another run's live email lease returned as if done; when that run had
  // died before SES, the bus saw success and the email was never sent.
  it('a run that died holding the email lease: the retry asks to be retried, and the one after the lease lapsed sends it', async () => {
    // Prepare: the saga reached its email, took the lease and died before SES (the lease is set as such a run leaves it).
    const f = await claimOnAccount();
    await expect(invoiceClaimBalance(deps({ after: crashAfter('finalize').hook as InvoicingDeps['after'] }), f.detail)).rejects.toThrow(InjectedCrash);
    const [invoice] = await listClaimInvoices(store, f.practiceId, 'CLM-1001');
    const lease = (until: number) =>
      store.doc.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: invoiceKey(f.practiceId, invoice!.invoiceId),
          UpdateExpression: 'SET emailLeaseUntil = :until',
          ExpressionAttributeValues: { ':until': new Date(until).toISOString() },
        }),
      );
    await lease(Date.now() + MINUTE);

    // Act: a redelivery while the lease lives, then the ones after it lapsed.
    const early = await invoiceClaimBalance(deps(), f.detail).then(
      () => 'returned',
      (error: Error) => error.name,
    );
    const emailsWhileLeased = (await emailsTo(f.email)).length;
    await lease(Date.now() - 1);
    await invoiceClaimBalance(deps(), f.detail);
    await invoiceClaimBalance(deps(), f.detail);

    // Assess
    expect({ early, emailsWhileLeased }).toEqual({ early: 'RetryableError', emailsWhileLeased: 0 });
    expect(await emailsTo(f.email)).toHaveLength(1);
    expect((await getInvoice(store, f.practiceId, invoice!.invoiceId))?.emailedAt).toBeTruthy();
    figures.reruns += 3;
    counted('email-lease');
  });
});

// Package creation (an HTTP route): between Stripe's answer and its record ------------------------

describe('reliability: package creation between a Stripe answer and its record → one Product, one Price', () => {
  /** A Stripe client whose `create` on `resource` reaches Stripe, then dies before the answer is recorded. */
  const dyingOn = (stripe: Stripe, resource: 'products' | 'prices', crash: { hits: number }) =>
    new Proxy(stripe, {
      get: (target, property) =>
        property === resource
          ? new Proxy(target[resource], {
              get: (api, name) =>
                name === 'create'
                  ? async (...args: unknown[]) => {
                      await (api.create as (...a: unknown[]) => Promise<unknown>)(...args);
                      crash.hits += 1;
                      figures.crashes += 1;
                      throw new InjectedCrash(`the ${resource === 'products' ? 'Product' : 'Price'} was created on Stripe`);
                    }
                  : Reflect.get(api, name),
            })
          : Reflect.get(target, property),
    });

  // Regression (docs/reliability.md, "a second Stripe Product or Price after a crash and expired
  // keys", fixed): the ids were recorded after Stripe answered and nothing found them again once the
  // idempotency keys had expired, so the retry made a second Product (or Price) for the package.
  it.each(['products', 'prices'] as const)("a crash after Stripe made the package's %s, keys expired, the request retried → one of each", async (resource) => {
    // Prepare
    const practiceId = newPracticeId();
    const account = newAccount();
    trackAccount(account);
    await seedPractice(store, practiceId, { stripeAccountId: account });
    track(practiceId, { account });
    const stripe = await getStripe();
    const crash = { hits: 0 };
    const body = { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' };
    const key = `crash-${resource}-${newId('k')}`;

    // Act: the request dies as Stripe answers; the client retries it with its Idempotency-Key after
    // Stripe forgot its own keys; a checkout later ensures the package on Stripe again.
    await expect(createPackage({ store, stripe: dyingOn(stripe, resource, crash) }, practiceId, body, key)).rejects.toThrow(InjectedCrash);
    expect((await emulator('/_idempotency/expire', { method: 'POST', body: { accounts: [account] } })).status).toBe(200);
    const retried = await createPackage({ store, stripe }, practiceId, body, key);
    const again = await ensurePackageOnStripe({ store, stripe }, (await getPractice(store, practiceId))!, retried.pkg);

    // Assess
    const products = (await stripe.products.list({ limit: 100 }, { stripeAccount: account })).data;
    const prices = (await stripe.prices.list({ limit: 100 }, { stripeAccount: account })).data;
    expect({
      hits: crash.hits,
      created: retried.created,
      products: products.map((product) => product.metadata?.packageId),
      prices: prices.map((price) => [price.product, price.unit_amount]),
      recorded: [retried.pkg.stripeProductId, retried.pkg.stripePriceId],
      stable: [again.stripeProductId, again.stripePriceId],
    }).toEqual({
      hits: 1,
      created: false,
      products: [retried.pkg.packageId],
      prices: [[products[0]!.id, 42500]],
      recorded: [products[0]!.id, prices[0]!.id],
      stable: [products[0]!.id, prices[0]!.id],
    });
    figures.reruns += 2;
    counted(`package-${resource}`);
  });
});

describe('reliability: crashes leave no PHI behind', () => {
  it('no client name, email, code, payer or claim number in any log line or Stripe request of this file', async () => {
    figures.steps = RECEIPT_STEPS.length + REMINDER_STEPS.length + EXPIRY_STEPS.length + REFUND_STEPS.length + INVOICE_INNER_STEPS.length;
    const scan = await assertNoPhiLeaks(logs.lines, trackedAccounts);
    recordFigures('crashes', { ...figures, logLines: scan.logLines, stripeRequests: scan.stripeRequests, phiHits: scan.hits.length });
    expect(scan.stripeRequests).toBeGreaterThan(0);
    expect(scan.hits).toEqual([]);
  });
});
