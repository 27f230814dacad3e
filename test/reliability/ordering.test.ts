/**
 * Reliability 2 — delivery order (docs/reliability.md §2).
 * Small sets of related events are delivered in every order (each order on a fresh copy of the
 * same starting state; refused deliveries come back later, as Stripe redelivers them; then every
 * event is redelivered once more, late). Every order must end in the same state.
 */
import { readFileSync } from 'node:fs';
import type Stripe from 'stripe';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { invoiceClaimBalance, type InvoiceStep } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { createStore } from '../../functions/store/table';
import { getClaim } from '../../functions/store/claims';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { connectTestAccount } from '../support/connect';
import { api, practiceProfile } from '../support/api';
import { checkoutSession, ledgerState, outboxOf, reloadPurchase, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { adjudicated, claimReady } from '../support/invoicing';
import {
  assertNoPhiLeaks,
  captureLogs,
  checkInvariants,
  clientEmail,
  CLIENT_NAME,
  deliverLikeStripe,
  inPool,
  newAccount,
  permutations,
  recordFigures,
  sleep,
  track,
  trackAccount,
  trackedAccounts,
} from '../support/reliability';
import { stripeEvent } from '../support/stripe-events';
import { newPracticeId } from '../support/store';

const store = createStore();
const logs = captureLogs();
const figures = { sets: 0, orders: 0, deliveries: 0, perSet: [] as { set: string; orders: number; distinctFinalStates: number }[] };

afterEach(async () => {
  await checkInvariants(store);
});
afterAll(() => logs.restore());

const normalizedLedger = async (practiceId: string, clientId: string) => {
  const ledger = await ledgerState(store, practiceId, clientId);
  return {
    balanceCents: ledger.balanceCents,
    // Zero-amount credit notes (frozen, restored) record history, which differs by order; money and credits must not.
    money: ledger.entries
      .filter((entry) => entry.amountCents !== 0)
      .map((entry) => `${entry.kind}:${entry.amountCents}`)
      .sort(),
    credits: ledger.entries.reduce((sum, entry) => sum + (entry.sessionsDelta ?? 0), 0),
  };
};
const eventsOf = async (practiceId: string, types: string[]) =>
  Object.fromEntries(
    types
      .map((type) => [type, 0])
      .concat(
        Object.entries((await outboxOf(store, practiceId)).reduce<Record<string, number>>((count, item) => ({ ...count, [item.detailType]: (count[item.detailType] ?? 0) + 1 }), {})).filter(([type]) =>
          types.includes(type),
        ),
      ),
  );

/** Runs every order of `names` on a fresh fixture each and returns the final state of each. */
const everyOrder = async <F>(
  label: string,
  names: readonly string[],
  prepare: () => Promise<F>,
  eventsFor: (fixture: F) => Record<string, Stripe.Event>,
  finalState: (fixture: F) => Promise<unknown>,
  concurrency = 4,
) => {
  const orders = permutations(names);
  const finals = await inPool(orders, concurrency, async (order) => {
    const fixture = await prepare();
    const events = eventsFor(fixture);
    const sequence = order.map((name) => events[name]!);
    const answers = await deliverLikeStripe([...sequence, ...[...sequence].reverse()]);
    figures.deliveries += answers.length;
    return { order: order.join(' → '), state: await finalState(fixture) };
  });
  figures.sets += 1;
  figures.orders += orders.length;
  figures.perSet.push({ set: label, orders: orders.length, distinctFinalStates: new Set(finals.map((final) => JSON.stringify(final.state))).size });
  return finals;
};

const expectOneFinalState = (finals: { order: string; state: unknown }[], expected: unknown) => {
  for (const final of finals) expect({ order: final.order, state: final.state }).toEqual({ order: final.order, state: expected });
};

// Package purchases ----------------------------------------------------------------------------

/**
 * A purchase paid with a real PaymentIntent on the practice's connected account, carrying the
 * metadata Checkout copies onto it (`payment_intent_data.metadata`): refunds and disputes name it.
 */
const paidPurchase = async (alreadyPaid: boolean) => {
  const practiceId = newPracticeId();
  const account = newAccount();
  trackAccount(account);
  await seedPractice(store, practiceId, { stripeAccountId: account });
  track(practiceId);
  const purchase = await seedOpenPurchase(store, practiceId, { email: clientEmail() });
  const intent = await (
    await getStripe()
  ).paymentIntents.create(
    {
      amount: purchase.priceCents,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { practiceId, clientId: purchase.clientId, packageId: purchase.packageId, purchaseId: purchase.purchaseId },
    },
    { stripeAccount: account },
  );
  const session = checkoutSession(purchase, { payment_intent: intent.id });
  if (alreadyPaid) await deliverLikeStripe([stripeEvent('checkout.session.completed', session, { account })]);
  return { practiceId, account, purchase, paymentIntent: intent.id, session };
};
type PurchaseFixture = Awaited<ReturnType<typeof paidPurchase>>;

const refundEvent = ({ purchase, account, paymentIntent }: PurchaseFixture, refunds: [string, number][]) =>
  stripeEvent(
    'charge.refunded',
    {
      id: `ch_${purchase.purchaseId}`,
      object: 'charge',
      amount: 42500,
      payment_intent: paymentIntent,
      amount_refunded: refunds.reduce((sum, [, amount]) => sum + amount, 0),
      refunds: {
        object: 'list',
        has_more: false,
        data: refunds.map(([id, amount], i) => ({ id: `${id}_${purchase.purchaseId}`, object: 'refund', amount, status: 'succeeded', created: 1_800_000_000 + 100 * i })),
      },
    },
    { account },
  );
const disputeEvent = ({ purchase, account, paymentIntent }: PurchaseFixture, type: string, status: string, amount = 42500) =>
  stripeEvent(type, { id: `dp_${purchase.purchaseId}`, object: 'dispute', amount, status, payment_intent: paymentIntent }, { account });

const purchaseFinal = async ({ practiceId, purchase }: PurchaseFixture) => {
  const stored = await reloadPurchase(store, purchase);
  return {
    purchase: { state: stored.state, sessionsRemaining: stored.sessionsRemaining, refundedCents: stored.refundedCents, creditsRemoved: stored.creditsRemoved },
    ledger: await normalizedLedger(practiceId, purchase.clientId),
    events: await eventsOf(practiceId, ['PackagePurchased', 'PaymentSucceeded', 'PaymentRefunded']),
  };
};

describe('reliability: every delivery order of related Stripe events ends in one state', () => {
  it.each([
    ['completed(unpaid), async_payment_succeeded', 'checkout.session.async_payment_succeeded', 'paid', 5],
    ['completed(unpaid), async_payment_failed', 'checkout.session.async_payment_failed', 'failed', 0],
  ])('delayed payment {%s}: both orders', async (_name, second, state, remaining) => {
    const finals = await everyOrder(
      `{completed(unpaid), ${second.replace('checkout.session.', '')}}`,
      ['completed', 'settled'],
      () => paidPurchase(false),
      ({ session, account }) => ({
        completed: stripeEvent('checkout.session.completed', { ...session, payment_status: 'unpaid' }, { account }),
        settled: stripeEvent(second, state === 'paid' ? session : { ...session, payment_status: 'unpaid' }, { account }),
      }),
      purchaseFinal,
    );
    expect(finals).toHaveLength(2);
    expectOneFinalState(finals, expect.objectContaining({ purchase: expect.objectContaining({ state, sessionsRemaining: remaining }) }));
    expect(new Set(finals.map((final) => JSON.stringify(final.state))).size).toBe(1);
  });

  it('a paid package: two partial refunds (one event each) and a dispute opened then won, in all 24 orders', async () => {
    // $100 then $80 refunded of $425 for 5 sessions ($85 each): 1, then 2 credits taken back in total.
    const finals = await everyOrder(
      'paid package: 2 partial refunds + dispute won',
      ['refund-a', 'refund-a+b', 'dispute-created', 'dispute-won'],
      () => paidPurchase(true),
      (f) => ({
        'refund-a': refundEvent(f, [['re_a', 10000]]),
        'refund-a+b': refundEvent(f, [
          ['re_a', 10000],
          ['re_b', 8000],
        ]),
        'dispute-created': disputeEvent(f, 'charge.dispute.created', 'needs_response'),
        'dispute-won': disputeEvent(f, 'charge.dispute.closed', 'won'),
      }),
      purchaseFinal,
    );
    expect(finals).toHaveLength(24);
    expectOneFinalState(finals, {
      purchase: { state: 'paid', sessionsRemaining: 3, refundedCents: 18000, creditsRemoved: 2 },
      ledger: { balanceCents: 0, credits: 3, money: ['package_sale:42500', 'payment:-42500', 'refund:10000', 'refund:8000', 'sale_adjustment:-10000', 'sale_adjustment:-8000'] },
      events: { PackagePurchased: 1, PaymentSucceeded: 1, PaymentRefunded: 2 },
    });
  });

  it('two refunds of one charge made in the same second: recorded in the order they were made (Stripe lists newest first), never in the order of their ids', async () => {
    // $85 (one session's worth of $425 for 5) then $10, both at the same `created` second, listed as
    // Stripe lists them: the newer ($10, id re_a…) first. In the order made, the $85 takes the
    // session back and its receipt says $85 refunded so far; sorted by id, the $10 came first (bug 148).
    const f = await paidPurchase(true);
    const refunds = [
      { id: `re_a_${f.purchase.purchaseId}`, amount: 1000 },
      { id: `re_z_${f.purchase.purchaseId}`, amount: 8500 },
    ];
    const event = stripeEvent(
      'charge.refunded',
      {
        id: `ch_${f.purchase.purchaseId}`,
        object: 'charge',
        amount: 42500,
        payment_intent: f.paymentIntent,
        amount_refunded: 9500,
        refunds: { object: 'list', has_more: false, data: refunds.map((refund) => ({ ...refund, object: 'refund', status: 'succeeded', created: 1_800_000_000 })) },
      },
      { account: f.account },
    );
    await deliverLikeStripe([event]);
    const refunded = (await outboxOf(store, f.practiceId)).filter((item) => item.detailType === 'PaymentRefunded');
    const byRunningTotal = refunded
      .map((item) => [item.detail.refundId, item.detail.amountCents, item.detail.totalRefundedCents, item.detail.creditsRemoved])
      .sort((a, b) => Number(a[2]) - Number(b[2]));
    expect(byRunningTotal).toEqual([
      [refunds[1]!.id, 8500, 8500, 1],
      [refunds[0]!.id, 1000, 9500, 0],
    ]);
  });

  it('a paid package: a partial refund and a dispute opened then lost, in all 6 orders', async () => {
    const finals = await everyOrder(
      'paid package: partial refund + dispute lost',
      ['refund', 'dispute-created', 'dispute-lost'],
      () => paidPurchase(true),
      (f) => ({
        refund: refundEvent(f, [['re_a', 10000]]),
        'dispute-created': disputeEvent(f, 'charge.dispute.created', 'needs_response', 32500),
        'dispute-lost': disputeEvent(f, 'charge.dispute.closed', 'lost', 32500),
      }),
      purchaseFinal,
    );
    expect(finals).toHaveLength(6);
    expectOneFinalState(finals, {
      purchase: { state: 'voided', sessionsRemaining: 0, refundedCents: 10000, creditsRemoved: 5 },
      ledger: { balanceCents: 0, credits: 0, money: ['chargeback:32500', 'package_sale:42500', 'payment:-42500', 'refund:10000', 'sale_adjustment:-10000', 'sale_adjustment:-32500'] },
      events: { PackagePurchased: 1, PaymentSucceeded: 1, PaymentRefunded: 1 },
    });
  });

  // Regression (docs/reliability.md, bug 3 "refund or dispute before the payment is recorded", fixed):
  // such an event found no purchase by payment intent and was recorded as ignored for good; the
  // late completion then granted every credit of a refunded (or disputed) purchase.
  it('a full refund or a dispute that arrives before checkout.session.completed: both orders end alike', async () => {
    const refundFirst = await everyOrder(
      'completed + full refund (refund may come first)',
      ['completed', 'refund'],
      () => paidPurchase(false),
      (f) => ({ completed: stripeEvent('checkout.session.completed', f.session, { account: f.account }), refund: refundEvent(f, [['re_full', 42500]]) }),
      purchaseFinal,
      2,
    );
    const disputeFirst = await everyOrder(
      'completed + dispute opened (dispute may come first)',
      ['completed', 'dispute'],
      () => paidPurchase(false),
      (f) => ({ completed: stripeEvent('checkout.session.completed', f.session, { account: f.account }), dispute: disputeEvent(f, 'charge.dispute.created', 'needs_response') }),
      purchaseFinal,
      2,
    );
    expect(refundFirst.map((final) => (final.state as { purchase: unknown }).purchase)).toEqual([
      { state: 'refunded', sessionsRemaining: 0, refundedCents: 42500, creditsRemoved: 5 },
      { state: 'refunded', sessionsRemaining: 0, refundedCents: 42500, creditsRemoved: 5 },
    ]);
    expect(disputeFirst.map((final) => (final.state as { purchase: { state: string } }).purchase.state)).toEqual(['disputed', 'disputed']);
  });
});

// Balance invoices -----------------------------------------------------------------------------

/** A $34 balance invoice whose saga stopped after its line: our record is `draft`. */
const draftInvoice = async () => {
  const account = newAccount();
  trackAccount(account);
  const ready = await claimReady({ practice: { stripeAccountId: account } });
  track(ready.practiceId, { account });
  const stop = (step: InvoiceStep) => {
    if (step === 'line') throw new Error('stop after the line');
  };
  await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000', after: stop }, adjudicated(ready.practiceId).original).catch(() => undefined);
  const [invoice] = await listClaimInvoices(store, ready.practiceId, 'CLM-1001');
  const stripeInvoice = await (await getStripe()).invoices.retrieve(invoice!.stripeInvoiceId!, {}, { stripeAccount: account });
  return { ...ready, account, invoice: invoice!, stripeInvoice };
};

describe("reliability: every delivery order of a balance invoice's events ends in one state", () => {
  it('finalized, payment_failed, marked_uncollectible and paid in all 24 orders → paid once, one failure recorded', async () => {
    const finals = await everyOrder(
      'balance invoice: finalized, payment_failed, marked_uncollectible, paid',
      ['finalized', 'payment_failed', 'marked_uncollectible', 'paid'],
      draftInvoice,
      (f) => {
        const object = (status: string, paid = 0) => ({
          ...(f.stripeInvoice as unknown as Record<string, unknown>),
          status,
          amount_paid: paid,
          hosted_invoice_url: `http://emulator/invoice/${f.stripeInvoice.id}`,
        });
        return {
          finalized: stripeEvent('invoice.finalized', object('open'), { account: f.account }),
          payment_failed: stripeEvent('invoice.payment_failed', object('open'), { account: f.account }),
          marked_uncollectible: stripeEvent('invoice.marked_uncollectible', object('uncollectible'), { account: f.account }),
          paid: stripeEvent('invoice.paid', object('paid', 3400), { account: f.account }),
        };
      },
      async (f) => {
        const stored = (await getInvoice(store, f.practiceId, f.invoice.invoiceId))!;
        const claim = (await getClaim(store, f.practiceId, 'CLM-1001')) as unknown as { invoice?: { status: string } };
        return {
          invoice: { status: stored.status, amountPaidCents: stored.amountPaidCents, failures: stored.paymentFailures.length },
          claimShows: claim.invoice?.status,
          ledger: await normalizedLedger(f.practiceId, f.clientId),
          events: await eventsOf(f.practiceId, ['PaymentSucceeded']),
        };
      },
    );
    expect(finals).toHaveLength(24);
    expectOneFinalState(finals, {
      invoice: { status: 'paid', amountPaidCents: 3400, failures: 1 },
      claimShows: 'paid',
      ledger: { balanceCents: 0, credits: 0, money: ['claim_charge:13000', 'contractual_writeoff:-4000', 'insurer_payment:-5600', 'payment:-3400'] },
      events: { PaymentSucceeded: 1 },
    });
  });
});

// Adjudications ---------------------------------------------------------------------------------

describe('reliability: every order of an original, its reversal and its correction ends with $24 billed', () => {
  it('ClaimAdjudicated original, reversal (22) and correction in all 6 orders, each delivered twice', async () => {
    const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
    const orders = permutations(['original', 'reversal', 'correction'] as const);
    const finals = await inPool(orders, 3, async (order) => {
      const account = newAccount();
      trackAccount(account);
      const ready = await claimReady({ practice: { stripeAccountId: account } });
      track(ready.practiceId, { account });
      const details = adjudicated(ready.practiceId);
      for (const name of [...order, ...[...order].reverse()]) await invoiceClaimBalance(deps, details[name]);
      figures.deliveries += 2 * order.length;
      const invoices = (await (await getStripe()).invoices.list({ limit: 100 }, { stripeAccount: account })).data;
      const claim = await getClaim(store, ready.practiceId, 'CLM-1001');
      return {
        order: order.join(' → '),
        state: {
          openOnStripe: invoices.filter((invoice) => invoice.status === 'open').map((invoice) => invoice.amount_due),
          othersOnStripe: [...new Set(invoices.filter((invoice) => invoice.status !== 'open').map((invoice) => invoice.status))],
          claim: { share: claim?.patientResponsibilityCents, invoiced: claim?.invoicedCents },
          ledger: (await normalizedLedger(ready.practiceId, ready.clientId)).balanceCents,
        },
      };
    });
    figures.sets += 1;
    figures.orders += orders.length;
    figures.perSet.push({
      set: 'ClaimAdjudicated original, reversal, correction (×2 each)',
      orders: orders.length,
      distinctFinalStates: new Set(finals.map((final) => JSON.stringify({ ...final.state, othersOnStripe: undefined }))).size,
    });
    for (const final of finals) {
      expect({ order: final.order, ...final.state, othersOnStripe: undefined }).toEqual({
        order: final.order,
        openOnStripe: [2400],
        othersOnStripe: undefined,
        claim: { share: 2400, invoiced: 2400 },
        ledger: 2400,
      });
      expect(final.state.othersOnStripe.every((status) => status === 'void')).toBe(true);
    }
  });

  it('the two ERA files (original; reversal + correction) posted in either order: the bus settles on one open $24 invoice', async () => {
    const era = (name: string) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8');
    const orders = permutations(['worked-example.835', 'reversal-correction.835']);
    const finals = await inPool(orders, 2, async (order) => {
      // Prepare: a practice on its own connected account, a client, claim CLM-1001.
      const practiceId = newPracticeId();
      const account = newAccount();
      trackAccount(account);
      track(practiceId, { account });
      expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
      await connectTestAccount(store, practiceId, account);
      const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: clientEmail(), name: CLIENT_NAME } });
      const claim = await api('POST', `/practices/${practiceId}/claims`, {
        practiceId,
        body: {
          claimId: 'CLM-1001',
          clientId: client.body.clientId,
          payerName: 'ACME HEALTH',
          dateOfService: '2026-10-02',
          diagnosisCodes: ['M54.2'],
          lines: [
            { procedureCode: '97124', units: 2, chargeCents: 6000 },
            { procedureCode: '97140', units: 2, chargeCents: 7000 },
          ],
        },
      });
      expect(claim.status).toBe(201);

      // Act: the files are posted one after the other; the bus delivers ClaimAdjudicated to the invoicer.
      for (const file of order)
        expect((await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: era(file), headers: { 'content-type': 'application/edi-x12' } })).status).toBe(202);
      const deadline = Date.now() + 30_000;
      let open: number[] = [];
      let view: { body: { invoicedCents?: number; patientResponsibilityCents?: number } } = { body: {} };
      do {
        await sleep(300);
        open = (await (await getStripe()).invoices.list({ limit: 100, status: 'open' }, { stripeAccount: account })).data.map((invoice) => invoice.amount_due);
        view = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
      } while (!(open.length === 1 && open[0] === 2400 && view.body.invoicedCents === 2400) && Date.now() < deadline);
      return { order: order.join(' → '), state: { open, share: view.body.patientResponsibilityCents, invoiced: view.body.invoicedCents } };
    });
    figures.sets += 1;
    figures.orders += orders.length;
    figures.perSet.push({ set: 'two ERA files over HTTP, then the bus', orders: orders.length, distinctFinalStates: new Set(finals.map((final) => JSON.stringify(final.state))).size });
    expectOneFinalState(finals, { open: [2400], share: 2400, invoiced: 2400 });
  });
});

describe('reliability: ordering leaves no PHI behind', () => {
  it('no client name, email, code, payer or claim number in any log line or Stripe request of this file', async () => {
    const scan = await assertNoPhiLeaks(logs.lines, trackedAccounts);
    recordFigures('ordering', { ...figures, logLines: scan.logLines, stripeRequests: scan.stripeRequests, phiHits: scan.hits.length });
    expect(scan.hits).toEqual([]);
  });
});
