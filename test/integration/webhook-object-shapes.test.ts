/**
 * The Stripe webhook's shape check per object type (functions/core/stripe-event-shapes.ts), on the
 * real parts: the webhook function in-process, DynamoDB Local, the Stripe emulator through the
 * `stripe` SDK. The per-field table is test/unit/stripe-event-shapes.test.ts; here:
 *
 * - what the audit of 2026-12-07 (g1) found the old check let through, each a 500 or a wrong write
 *   before (docs/reliability.md, bugs 118–121);
 * - an event kneadpay applies nothing for is recorded and ignored whatever its object's other
 *   fields; an applied event type carrying another object is refused, nothing written;
 * - every event the emulator emits in short journeys (checkout, refunds, disputes, balance
 *   invoices, credit notes, Connect onboarding) passes the check as the emulator sends it.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import type Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { APPLIED_EVENT_OBJECTS, assertEventShape } from '../../functions/core/stripe-event-shapes';
import { practicePk } from '../../functions/store/keys';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { api, practiceProfile } from '../support/api';
import { emulatorAdmin, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { balanceInvoiceOnStripe } from '../support/emulator-invoices';
import { checkoutSession, ledgerState, outboxOf, reloadPurchase, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { adjudicated, claimReady, emulator, payClaimInvoice, store, stripe } from '../support/invoicing';
import { deliver, stripeEvent } from '../support/stripe-events';
import { newPracticeId } from '../support/store';
import { deps } from '../support/write-offs';

/** The practice's markers and outbox items: what an applied or ignored event would have written. */
const markersAndOutbox = async (practiceId: string) => {
  const answer = await store.doc.send(
    new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': practicePk(practiceId) }, ConsistentRead: true }),
  );
  return (answer.Items ?? []).filter((item) => item.type === 'marker' || item.type === 'outbox');
};

const answerOf = (result: { statusCode: number; body?: string; headers?: Record<string, unknown> }) => ({
  status: result.statusCode,
  field: result.statusCode === 400 ? (JSON.parse(result.body!).error.details?.field as string) : undefined,
  outcome: result.headers?.['x-kneadpay-outcome'],
});

/** A $34 balance invoiced and paid on its hosted page (on the platform), with the payment intent that paid it. */
const paidBalance = async () => {
  const ready = await claimReady();
  await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);
  const invoice = (await payClaimInvoice(ready.practiceId))!;
  const paid = (await getInvoice(store, ready.practiceId, invoice.invoiceId))!;
  const [payment] = (await stripe.invoicePayments.list({ invoice: paid.stripeInvoiceId!, limit: 1 })).data;
  return { ...ready, invoice: paid, paymentIntent: payment!.payment.payment_intent as string };
};

const settled = () => emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 15_000 } });

describe('what the old shape check let through (bugs 118–121)', () => {
  // Bug 113: `created` was only a safe integer; effects turn it into an ISO date, which throws past year 275760.
  it('an event whose created is a safe integer past year 9999 is refused (400 naming created), nothing written — 500 before', async () => {
    // Prepare
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchase = await seedOpenPurchase(store, practiceId);

    // Act
    const answer = await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase), { created: 9_000_000_000_000_000 }));

    // Assess
    expect(answerOf(answer)).toMatchObject({ status: 400, field: 'created' });
    expect(await markersAndOutbox(practiceId)).toEqual([]);
    expect((await reloadPurchase(store, purchase)).state).toBe('open');
  });

  // Bug 114: a credit note's own fields were not checked (the old check knew no credit note).
  it('a credit note without created (500 before) or whose pre_payment_amount is a string (a write-off recorded before) is refused naming the field; nothing recorded', async () => {
    // Prepare: a $34.00 balance invoice, open on Stripe
    const open = await claimReady();
    await invoiceClaimBalance(deps, adjudicated(open.practiceId).original);
    const [invoice] = await listClaimInvoices(store, open.practiceId, 'CLM-1001');
    const note = (over: Record<string, unknown>) => ({
      id: `cn_${invoice!.invoiceId.replace(/[^A-Za-z0-9]/g, '')}${Object.keys(over).join('')}`,
      object: 'credit_note',
      invoice: invoice!.stripeInvoiceId,
      pre_payment_amount: 500,
      post_payment_amount: 0,
      created: Math.floor(Date.now() / 1000),
      metadata: {},
      refunds: [],
      ...over,
    });

    // Act
    const withoutCreated = await deliver(stripeEvent('credit_note.created', note({ created: undefined })));
    const stringAmount = await deliver(stripeEvent('credit_note.created', note({ pre_payment_amount: '300' })));

    // Assess
    expect([answerOf(withoutCreated), answerOf(stringAmount)]).toMatchObject([
      { status: 400, field: 'data.object.created' },
      { status: 400, field: 'data.object.pre_payment_amount' },
    ]);
    expect(await getInvoice(store, open.practiceId, invoice!.invoiceId)).toMatchObject({ amountDueCents: 3400 });
    expect((await getInvoice(store, open.practiceId, invoice!.invoiceId))?.partialWriteOffs ?? []).toEqual([]);
  });

  // Bug 115: a charge's `id` was optional; its refunds are listed by it, and without it Stripe lists every refund on the account.
  it('a charge.refunded without the charge’s id is refused (400 naming data.object.id) — before, another payment’s refund was recorded on this balance', async () => {
    // Prepare: two paid balances on the platform; the second one refunded $7.00 in the Dashboard
    const first = await paidBalance();
    const second = await paidBalance();
    await stripe.refunds.create({ payment_intent: second.paymentIntent, amount: 700 });
    await settled();

    // Act: the first payment's charge.refunded, without the charge's id
    const answer = await deliver(stripeEvent('charge.refunded', { object: 'charge', amount: 3400, payment_intent: first.paymentIntent }));

    // Assess
    expect(answerOf(answer)).toMatchObject({ status: 400, field: 'data.object.id' });
    const invoice = await getInvoice(store, first.practiceId, first.invoice.invoiceId);
    expect([invoice?.refundIds ?? [], invoice?.amountRefundedCents ?? 0]).toEqual([[], 0]);
    expect((await outboxOf(store, first.practiceId)).filter((item) => item.detailType === 'PaymentRefunded')).toEqual([]);
  });

  // Bug 116: a lost balance dispute read `dispute.charge.id` unguarded.
  it('a lost balance dispute whose payload names no charge is recorded once (the payment intent’s refunds counted) — 500 before', async () => {
    // Prepare
    const paid = await paidBalance();

    // Act
    const lost = stripeEvent('charge.dispute.closed', {
      id: `dp_nocharge_${paid.invoice.invoiceId.replace(/[^A-Za-z0-9]/g, '')}`,
      object: 'dispute',
      status: 'lost',
      amount: 3400,
      payment_intent: paid.paymentIntent,
    });
    const answers = [answerOf(await deliver(lost)), answerOf(await deliver(lost))];

    // Assess
    expect(answers).toMatchObject([
      { status: 200, outcome: 'applied' },
      { status: 200, outcome: 'duplicate' },
    ]);
    expect((await ledgerState(store, paid.practiceId, paid.clientId)).entries.filter((entry) => entry.kind === 'chargeback').map((entry) => entry.amountCents)).toEqual([3400]);
    expect((await outboxOf(store, paid.practiceId)).filter((item) => item.detailType === 'PaymentDisputeLost')).toHaveLength(1);
  });
});

describe('the webhook, per object type', () => {
  it('an event kneadpay applies nothing for is recorded and ignored (200) whatever its object’s other fields (refunds: 5, amount: -1…)', async () => {
    // Prepare
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const odd = { id: 'cbtxn_1', object: 'customer_balance_transaction', amount: -1, refunds: 5, status: { x: 1 }, currency: 'USD', hosted_invoice_url: 'javascript:x', metadata: { practiceId } };

    // Act
    const answers = [
      answerOf(await deliver(stripeEvent('customer_balance_transaction.created', odd))),
      answerOf(await deliver(stripeEvent('invoiceitem.created', { id: 'ii_1', object: 'invoiceitem', amount: -500, currency: 'usd', metadata: { practiceId } }))),
    ];

    // Assess: recorded as ignored, under the practice its metadata names
    expect(answers).toEqual([
      { status: 200, field: undefined, outcome: 'ignored' },
      { status: 200, field: undefined, outcome: 'ignored' },
    ]);
    expect((await markersAndOutbox(practiceId)).map((item) => item.type)).toEqual(['marker', 'marker']);
  });

  it('an applied event type whose object is another object type (charge.refunded carrying an invoice) is refused naming data.object.object, nothing written', async () => {
    // Prepare
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const invoice = { id: 'in_1', object: 'invoice', amount_paid: 3400, status: 'paid', metadata: { practiceId, invoiceId: 'inv_1' } };

    // Act
    const answer = await deliver(stripeEvent('charge.refunded', invoice));

    // Assess
    expect(answerOf(answer)).toMatchObject({ status: 400, field: 'data.object.object' });
    expect(JSON.parse(answer.body!).error.message).toContain("must be 'charge'");
    expect(await markersAndOutbox(practiceId)).toEqual([]);
  });
});

describe('every event the emulator emits passes the check, as the emulator sends it', () => {
  let priceId: string;
  beforeAll(async () => {
    const product = await stripe.products.create({ name: 'Bodywork session package (5)' });
    priceId = (await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 42500 })).id;
  });

  const post = (url: string, body: Record<string, unknown>) => fetch(url, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** Everything the emulator emitted on `scope` (the platform, or a connected account) since `since` (event ids seen before are left out). */
  const emittedSince = async (before: Set<string>, account?: string): Promise<Stripe.Event[]> => {
    const events: Stripe.Event[] = [];
    for await (const event of stripe.events.list({ limit: 100 }, account ? { stripeAccount: account } : undefined)) {
      if (before.has(event.id)) break;
      events.push(event);
    }
    return events;
  };
  const idsNow = async (account?: string) => new Set((await stripe.events.list({ limit: 100 }, account ? { stripeAccount: account } : undefined)).data.map((event) => event.id));

  /** The check's answer for each event, as the emulator rendered it (its JSON, parsed as the webhook parses it). */
  const refused = (events: Stripe.Event[]) =>
    events.flatMap((event) => {
      try {
        assertEventShape(JSON.parse(JSON.stringify(event)));
        return [];
      } catch (error) {
        return [`${event.type} ${event.id}: ${(error as Error).message}`];
      }
    });

  const seenTypes = new Set<string>();

  const journey = fc.record({
    checkout: fc.constantFrom('paid', 'async-paid', 'async-failed', 'expired', 'declined'),
    refundCents: fc.constantFrom(0, 1000, 42500),
    dispute: fc.constantFrom('none', 'needs_response', 'won', 'lost', 'warning_closed', 'prevented', 'inquiry-lost'),
    invoice: fc.constantFrom('paid', 'credited-then-paid', 'credit-voided-then-paid', 'failed-then-paid', 'voided', 'uncollectible', 'async-paid'),
  });
  type Journey = typeof journey extends fc.Arbitrary<infer J> ? J : never;

  const run = async (j: Journey) => {
    const before = await idsNow();
    // A package checkout on the platform (no kneadpay metadata: the webhook records each event as ignored).
    const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: priceId, quantity: 1 }], success_url: 'http://127.0.0.1:1/ok' });
    if (j.checkout === 'expired') await stripe.checkout.sessions.expire(session.id);
    else {
      const outcome = j.checkout === 'paid' ? 'succeeded' : j.checkout === 'declined' ? 'failed' : 'async';
      await post(`${session.url}/pay`, { outcome, email: 'buyer@client.example' });
      if (j.checkout.startsWith('async')) await post(`${session.url}/settle`, { outcome: j.checkout === 'async-paid' ? 'succeeded' : 'failed' });
    }
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    if (paid.payment_status === 'paid' && typeof paid.payment_intent === 'string') {
      if (j.refundCents > 0) await stripe.refunds.create({ payment_intent: paid.payment_intent, amount: j.refundCents });
      if (j.dispute !== 'none' && j.refundCents < 42500) {
        // An inquiry escalated to a chargeback and lost: charge.dispute.created, .updated, .closed.
        const status = j.dispute === 'inquiry-lost' ? 'warning_needs_response' : j.dispute;
        const made = await emulator('/_disputes', { method: 'POST', body: { payment_intent: paid.payment_intent, status } });
        expect(made.status).toBe(200);
        if (j.dispute === 'inquiry-lost') expect((await emulator(`/_disputes/${(made.body as { id: string }).id}/close`, { method: 'POST', body: { status: 'lost' } })).status).toBe(200);
      }
    }
    // A balance invoice as kneadpay makes one, then what the client or the practice does with it.
    const invoice = await balanceInvoiceOnStripe(stripe, 3400);
    if (j.invoice === 'voided') await stripe.invoices.voidInvoice(invoice.id);
    else if (j.invoice === 'uncollectible') await stripe.invoices.markUncollectible(invoice.id);
    else {
      if (j.invoice === 'credited-then-paid') await stripe.creditNotes.create({ invoice: invoice.id, amount: 500 });
      if (j.invoice === 'credit-voided-then-paid') await stripe.creditNotes.voidCreditNote((await stripe.creditNotes.create({ invoice: invoice.id, amount: 500 })).id);
      if (j.invoice === 'failed-then-paid') await post(`${invoice.hosted_invoice_url}/pay`, { outcome: 'failed' });
      if (j.invoice === 'async-paid') {
        await post(`${invoice.hosted_invoice_url}/pay`, { outcome: 'async' });
        await post(`${invoice.hosted_invoice_url}/settle`, { outcome: 'succeeded' });
      } else await post(`${invoice.hosted_invoice_url}/pay`, { outcome: 'succeeded' });
    }
    const events = await emittedSince(before);
    for (const event of events) seenTypes.add(event.type);
    return refused(events);
  };

  it('journeys of checkout, refunds, disputes and balance invoices: no event refused, and every applied platform event type among them', async () => {
    const failures: string[] = [];
    // The examples walk every branch once; the generated journeys mix them.
    const examples: [Journey][] = [
      [{ checkout: 'paid', refundCents: 1000, dispute: 'lost', invoice: 'credited-then-paid' }],
      [{ checkout: 'async-paid', refundCents: 42500, dispute: 'none', invoice: 'voided' }],
      [{ checkout: 'async-failed', refundCents: 0, dispute: 'none', invoice: 'uncollectible' }],
      [{ checkout: 'expired', refundCents: 0, dispute: 'none', invoice: 'failed-then-paid' }],
      [{ checkout: 'paid', refundCents: 0, dispute: 'warning_closed', invoice: 'async-paid' }],
      [{ checkout: 'paid', refundCents: 0, dispute: 'inquiry-lost', invoice: 'paid' }],
      [{ checkout: 'paid', refundCents: 0, dispute: 'prevented', invoice: 'credit-voided-then-paid' }],
    ];
    await fc.assert(
      fc.asyncProperty(journey, async (j) => {
        const refusedNow = await run(j);
        failures.push(...refusedNow);
        return refusedNow.length === 0;
      }),
      { numRuns: examples.length + 4, examples },
    );
    await settled();
    expect(failures).toEqual([]);
    const platformTypes = Object.keys(APPLIED_EVENT_OBJECTS).filter((type) => !type.startsWith('account.'));
    expect(platformTypes.filter((type) => !seenTypes.has(type))).toEqual([]);
  });

  it('Connect: onboarding and a disconnect on the practice’s account (account.updated, account.application.deauthorized) pass', async () => {
    // Prepare
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);

    // Act
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (status) => status.chargesEnabled === true);
    const onboarding = await emittedSince(new Set(), accountId);
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);

    // Assess: the account's events as listed (before the disconnect: after it the platform may no
    // longer read the account); the disconnect's event, applied by the webhook (its only way in, the
    // check included) as it was delivered.
    expect(onboarding.map((event) => event.type)).toContain('account.updated');
    expect(await waitForStripeStatus(practiceId, (status) => status.status === 'deauthorized')).toMatchObject({ accountId });
    const events = onboarding;
    expect(refused(events)).toEqual([]);
  });
});
