/**
 * Powertools Metrics (EMF) for what operators watch, read from the EMF lines the functions write:
 * Stripe events applied / duplicate / ignored / of an unknown account (the webhook), balance
 * invoices issued, receipts sent, claims quarantined. Real parts: DynamoDB Local, the Stripe
 * emulator, the local SES; the functions run in this process so their lines can be read here.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { receiveRemittance } from '../../functions/core/remittances';
import { countMetric, METRICS_NAMESPACE, observeMetrics, setMetricsSink } from '../../functions/shared/metrics';
import { METRIC_ALARMS } from '../../lib/constructs/MetricAlarms';
import { createStore } from '../../functions/store/table';
import { getStripe } from '../../functions/stripe/client';
import { checkoutSession, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { adjudicated, claimReady } from '../support/invoicing';
import { balancePaid, deliverToReceiptIssuer, paidIntent, practiceWithAdjudicatedClaim } from '../support/receipts';
import { newPracticeId } from '../support/store';
import { deliver, stripeEvent } from '../support/stripe-events';

const store = createStore();
const lines: string[] = [];
setMetricsSink(() => undefined);
const stop = observeMetrics((line) => lines.push(line));
afterAll(() => {
  stop();
  setMetricsSink((line) => process.stdout.write(`${line}\n`));
});
beforeEach(() => {
  lines.length = 0;
});

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  service: string;
  [metric: string]: unknown;
}

/** The EMF lines written so far, parsed. */
const emitted = (): Emf[] => lines.map((line) => JSON.parse(line) as Emf);
/** The total of one metric for one service, over the EMF lines written so far. */
const total = (name: string, service?: string): number =>
  emitted()
    .filter((emf) => emf._aws.CloudWatchMetrics[0]!.Metrics.some((metric) => metric.Name === name) && (!service || emf.service === service))
    .reduce((sum, emf) => sum + Number(emf[name]), 0);

describe('metrics (EMF)', () => {
  it('writes one EMF line a count: namespace kneadpay, dimension service, unit Count', () => {
    // Act
    countMetric('ReceiptSent', 2, 'receipt-issuer');

    // Assess
    expect(emitted()).toEqual([
      {
        _aws: { Timestamp: expect.any(Number), CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: [{ Name: 'ReceiptSent', Unit: 'Count' }] }] },
        service: 'receipt-issuer',
        ReceiptSent: 2,
      },
    ]);
  });

  it('the webhook counts a Stripe event applied, then the same event as a duplicate, and an event it does not act on as ignored', async () => {
    // Prepare
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchase = await seedOpenPurchase(store, practiceId);
    const event = stripeEvent('checkout.session.completed', checkoutSession(purchase));

    // Act
    const first = await deliver(event);
    const again = await deliver(event);
    const other = await deliver(stripeEvent('customer.created', { id: 'cus_metrics', object: 'customer', metadata: { practiceId } }));

    // Assess
    expect([first.statusCode, again.statusCode, other.statusCode]).toEqual([200, 200, 200]);
    expect({ applied: total('StripeEventApplied', 'stripe-webhook'), duplicate: total('StripeEventDuplicate', 'stripe-webhook'), ignored: total('StripeEventIgnored', 'stripe-webhook') }).toEqual({
      applied: 1,
      duplicate: 1,
      ignored: 1,
    });
  });

  it("counts an event of a connected account no practice onboarded (the alarm's metric, also as EMF)", async () => {
    // Act
    const answer = await deliver(stripeEvent('account.updated', { id: 'acct_never_onboarded', object: 'account' }, { account: 'acct_never_onboarded' }));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(total('StripeEventUnknownAccount')).toBe(1);
    expect(total('StripeEventIgnored', 'stripe-webhook')).toBe(1);
    // The series its alarm watches (lib/constructs/MetricAlarms.ts; the stack test holds the template to the same spec).
    expect(total(METRIC_ALARMS.StripeUnknownAccount.metric, METRIC_ALARMS.StripeUnknownAccount.service)).toBe(1);
  });

  it('counts a balance invoice issued once, however often the adjudication is delivered', async () => {
    // Prepare
    const { practiceId } = await claimReady();
    const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

    // Act
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);

    // Assess
    expect(total('BalanceInvoiceIssued', 'balance-invoicer')).toBe(1);
  });

  it('counts a receipt email sent once, however often its payment is delivered', async () => {
    // Prepare: a balance payment's PaymentSucceeded built here, not committed: the test stack's own
    // bus (another process, whose EMF lines this test cannot read) never sees it and cannot send first.
    const { practiceId, clientId } = await practiceWithAdjudicatedClaim();
    const intent = await paidIntent(3400);
    const event = balancePaid(practiceId, clientId, intent.id);
    lines.length = 0;

    // Act
    await deliverToReceiptIssuer(event);
    await deliverToReceiptIssuer(event);

    // Assess
    expect(total('ReceiptSent', 'receipt-issuer')).toBe(1);
  });

  it('counts the claims an imported ERA quarantined, once per file', async () => {
    // Prepare: the worked example's claim CLM-1001 does not exist in this practice.
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const era = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8');

    // Act
    const first = await receiveRemittance(store, practiceId, era);
    await receiveRemittance(store, practiceId, era);

    // Assess
    expect(first.summary).toMatchObject({ matched: 0 });
    expect(total('ClaimsQuarantined', 'remittances')).toBe(1);
    expect(total(METRIC_ALARMS.ClaimsQuarantined.metric, METRIC_ALARMS.ClaimsQuarantined.service)).toBe(1);
  });
});
