/**
 * Missed Stripe events (issue 14, point 7): the webhook endpoint is down for the emulator's whole
 * retry schedule, so every delivery fails for good; the reconciler then lists the events and applies
 * each exactly once. A second run applies none; a run that dies mid-page loses nothing.
 *
 * A private emulator (its own event log and delivery schedule) is used so the shared stack's
 * endpoint, which every other test file relies on, is never taken down; kneadpay's code, DynamoDB
 * and the local API are the shared ones.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckout } from '../../functions/core/checkout';
import { createPackage } from '../../functions/core/packages';
import { reconcileStripeEvents, type ReconcileDeps } from '../../functions/core/reconcile';
import { createStripe } from '../../functions/stripe/client';
import { EFFECTS } from '../../functions/stripe-webhook';
import { newId } from '../../functions/shared/ids';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/stripe-emulator/testing';
import { api, practiceProfile } from '../support/api';
import { ledgerState } from '../support/fixtures';
import { recordFigures } from '../support/reliability';
import { purchasesOf } from '../support/purchase-flow';
import { store } from '../support/invoicing';
import { newPracticeId } from '../support/store';

let emulator: StripeEmulator;
let down: WebhookReceiver;
let stripe: Stripe;
const deps = (over: Partial<ReconcileDeps> = {}): ReconcileDeps => ({ store, stripe: async () => stripe, effects: EFFECTS, ...over });

beforeAll(async () => {
  // The endpoint answers 500 to every attempt: the whole retry schedule (3 attempts here) fails.
  down = await startWebhookReceiver({ statuses: Array.from({ length: 1000 }, () => 500) });
  emulator = await startStripeEmulator({ port: 0, webhookUrls: [down.url], webhookRetryDelaysMs: [20, 40] });
  stripe = await createStripe({ apiKey: 'sk_test_emulator', apiBase: emulator.url });
});
afterAll(async () => {
  await emulator.stop();
  await down.close();
});

/** A practice and `count` clients who each buy and pay a package while the endpoint is down. */
const purchasesWhileDown = async (count: number) => {
  const practiceId = newPracticeId();
  await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
  const { pkg } = await createPackage(
    { store, stripe },
    practiceId,
    { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' },
    newId('k'),
  );
  const bought: { clientId: string; paymentIntent: string }[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = await startCheckout({ store, stripe, publicUrl: 'http://127.0.0.1:3000' }, practiceId, pkg.packageId, { email: `${newId('rc')}@client.example`, name: 'Jane Buyer' });
    const paid = await fetch(`${emulator.url}/checkout/${started.checkoutSessionId}/pay`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'succeeded' }),
    });
    expect(paid.status).toBe(200);
    const session = await stripe.checkout.sessions.retrieve(started.checkoutSessionId);
    bought.push({ clientId: started.clientId, paymentIntent: String(session.payment_intent) });
  }
  // One of them is refunded too (charge.refunded, listed refunds).
  await stripe.refunds.create({ payment_intent: bought[0]!.paymentIntent });
  await emulator.waitForWebhooks(15_000);
  return { practiceId, bought };
};

const handledEvents = () => emulator.events().filter((event) => Object.hasOwn(EFFECTS, event.type));

describe('the Stripe event reconciler', () => {
  it('endpoint down for the whole retry schedule → one run applies every event once; a second run applies none', async () => {
    const before = new Set(handledEvents().map((event) => event.id));
    const { practiceId, bought } = await purchasesWhileDown(3);
    const missed = handledEvents().filter((event) => !before.has(event.id));
    const deliveries = emulator.deliveries().filter((delivery) => missed.some((event) => event.id === delivery.eventId));
    // Every delivery of every missed event failed, after the whole schedule.
    expect(missed.length).toBe(4); // 3 × checkout.session.completed, 1 × charge.refunded
    expect(deliveries.length).toBe(missed.length);
    expect(deliveries.every((delivery) => delivery.state === 'failed' && delivery.attempts.length === 3)).toBe(true);
    expect(await purchasesOf(practiceId, bought[1]!.clientId)).toEqual([]); // nothing applied yet: the purchase is still open

    const first = await reconcileStripeEvents(deps());
    const second = await reconcileStripeEvents(deps());

    expect(first.failed).toEqual([]);
    expect(first.applied).toBe(missed.length);
    expect(second.applied).toBe(0);
    expect(second.alreadyApplied).toBeGreaterThanOrEqual(missed.length);
    expect(await purchasesOf(practiceId, bought[0]!.clientId)).toEqual([expect.objectContaining({ status: 'refunded', sessionsRemaining: 0 })]);
    for (const { clientId } of bought.slice(1)) {
      expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'active', sessionsRemaining: 5 })]);
      // One sale and one payment in the ledger: applied once, not twice.
      expect(await ledgerState(store, practiceId, clientId)).toMatchObject({ balanceCents: 0, sumCents: 0 });
    }
    recordFigures('reconciler', {
      eventsMissed: missed.length,
      failedDeliveries: deliveries.length,
      deliveryAttempts: deliveries.reduce((sum, d) => sum + d.attempts.length, 0),
      appliedFirstRun: first.applied,
      appliedSecondRun: second.applied,
      duplicates: 0,
    });
  });

  it('a run that dies mid-page loses nothing: the next run applies the rest, each event once', async () => {
    const before = new Set(handledEvents().map((event) => event.id));
    const { practiceId, bought } = await purchasesWhileDown(3);
    const missed = handledEvents().filter((event) => !before.has(event.id));

    // Dies right after the second missed event went through (pages of 2: mid-listing, checkpoint not moved).
    const missedIds = new Set(missed.map((event) => event.id));
    let seen = 0;
    const crashing = await reconcileStripeEvents(
      deps({
        pageSize: 2,
        afterEvent: (eventId) => {
          if (missedIds.has(eventId)) seen += 1;
          if (seen === 2) throw Object.assign(new Error('the process died mid-page'), { name: 'InjectedCrash' });
        },
      }),
    );
    const recovery = await reconcileStripeEvents(deps({ pageSize: 2 }));
    const again = await reconcileStripeEvents(deps({ pageSize: 2 }));

    expect(crashing.failed).toEqual([expect.objectContaining({ account: null, error: 'InjectedCrash' })]);
    expect(recovery.failed).toEqual([]);
    // Applied before the crash + applied after it = every missed event, once.
    expect(2 + recovery.applied).toBe(missed.length);
    expect(again.applied).toBe(0);
    expect(await purchasesOf(practiceId, bought[0]!.clientId)).toEqual([expect.objectContaining({ status: 'refunded' })]);
    for (const { clientId } of bought.slice(1)) {
      expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'active', sessionsRemaining: 5 })]);
      expect(await ledgerState(store, practiceId, clientId)).toMatchObject({ balanceCents: 0, sumCents: 0 });
    }
    recordFigures('reconciler-crash', { eventsMissed: missed.length, appliedBeforeCrash: 2, appliedAfterCrash: recovery.applied, appliedThirdRun: again.applied, duplicates: 0 });
  });

  it('a listed event kneadpay cannot read (the webhook would refuse it, 400) is skipped and logged, not left to fail the account every run; the rest apply', async () => {
    const before = new Set(handledEvents().map((event) => event.id));
    const { practiceId, bought } = await purchasesWhileDown(2);
    const missed = handledEvents().filter((event) => !before.has(event.id));
    const refund = missed.find((event) => event.type === 'charge.refunded')!;
    // Stripe's own listing does not produce a malformed event, so the listing is tampered with here
    // (a stand-in for the real part): its charge.refunded without the charge's id, which bug 120
    // showed would list every refund on the account.
    const tampered = new Proxy(stripe, {
      get: (target, key) =>
        key === 'events'
          ? {
              list: async (...args: Parameters<Stripe['events']['list']>) => {
                const page = await target.events.list(...args);
                return { ...page, data: page.data.map((event) => (event.id === refund.id ? { ...event, data: { object: { ...event.data.object, id: undefined } } } : event)) };
              },
            }
          : Reflect.get(target, key),
    });
    const warnings: { message: string; fields: Record<string, unknown> }[] = [];
    const logger = { info: () => undefined, warn: (message: string, fields: Record<string, unknown>) => warnings.push({ message, fields }), error: () => undefined };
    const run = await reconcileStripeEvents(deps({ stripe: async () => tampered as Stripe, logger: logger as never }));
    expect(run.failed).toEqual([]);
    expect(run.refused).toBe(1);
    // (Other files' connected accounts in the shared table add warnings of their own: only this one's are read.)
    expect(warnings.filter((warning) => warning.message.includes('listed Stripe event'))).toEqual([
      { message: 'a listed Stripe event kneadpay cannot read was skipped', fields: { eventId: refund.id, type: 'charge.refunded', field: 'data.object.id' } },
    ]);
    // The purchases were applied; the refund was not (nothing recorded for the event it could not read).
    expect(run.applied).toBe(missed.length - 1);
    expect(await purchasesOf(practiceId, bought[0]!.clientId)).toEqual([expect.objectContaining({ status: 'active', sessionsRemaining: 5 })]);
    // The real listing, next run: the refund applies (its marker was never written), the others are already applied.
    const next = await reconcileStripeEvents(deps());
    expect([next.failed, next.refused]).toEqual([[], 0]);
    expect(await purchasesOf(practiceId, bought[0]!.clientId)).toEqual([expect.objectContaining({ status: 'refunded' })]);
  });
});
