import type Stripe from 'stripe';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CREDIT_EFFECTS } from '../../functions/core/credit-effects';
import { ingestStripeEvent } from '../../functions/core/stripe-events';
import { listLedger } from '../../functions/store/clients';
import { commitOnce } from '../../functions/store/commit';
import { keys, practicePk } from '../../functions/store/keys';
import { EVENTS_PER_ITEM, OUTBOX_PIPE_BATCH_SIZE } from '../../functions/store/outbox';
import { startEventBus, type EventEnvelope, type LocalEventBus } from '../../local/event-bus';
import { checkoutSession, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { stripeEvent } from '../support/stripe-events';
import { newPracticeId, testStore } from '../support/store';
import { eventually } from '../support/eventually';

/**
 * The lighter commit (issue 15, point 7): a package sale is one TransactWriteItems of 3 items —
 * the event-id marker that is also the outbox item of both events, the purchase, one ledger item
 * holding the sale and its payment — and the stream still carries each event to the bus.
 */
const store = testStore();
const transactions: number[] = [];
store.doc.middlewareStack.add(
  (next) => async (args) => {
    const items = (args.input as { TransactItems?: unknown[] }).TransactItems;
    if (items) transactions.push(items.length);
    return next(args);
  },
  { step: 'initialize', name: 'countTransactItems' },
);
const noStripe = async (): Promise<Stripe> => {
  throw new Error('the hot path must not call Stripe');
};

const buses: LocalEventBus[] = [];
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.stop()));
});

const busFor = async (practiceId: string, detailTypes: string[]) => {
  const received: EventEnvelope[] = [];
  const bus = await startEventBus({
    endpoint: inject('dynamoEndpoint'),
    tableName: inject('tableName'),
    startAt: 'latest',
    pollIntervalMs: 100,
    retry: { maxAttempts: 2, baseDelayMs: 5 },
    schedules: false,
    log: () => undefined,
    rules: detailTypes.map((detailType) => ({ detailType, fn: 'probe' })),
    handlers: {
      probe: (event) => {
        if (event.detail.practiceId === practiceId) received.push(event);
      },
    },
  });
  buses.push(bus);
  return { bus, received };
};

/** Until the bus has delivered `count` events (10 s, then the assertions below say what is missing). */
const untilReceived = (received: unknown[], count: number) => eventually(`${count} events on the bus`, () => (received.length >= count ? true : undefined), 10_000, 100).catch(() => undefined);

describe('the webhook commit of a package sale', () => {
  it('is one transaction of 3 items; both events reach the bus once; the ledger lists the sale and the payment', async () => {
    // Prepare
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchase = await seedOpenPurchase(store, practiceId, { sessions: 5, priceCents: 42500 });
    const session = checkoutSession(purchase);
    const event = stripeEvent('checkout.session.completed', { ...session, metadata: { ...session.metadata, sessionsTotal: '5', expiresInDays: '365' } });
    const { received } = await busFor(practiceId, ['PackagePurchased', 'PaymentSucceeded']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    transactions.length = 0;

    // Act
    const first = await ingestStripeEvent({ store, stripe: noStripe, effects: CREDIT_EFFECTS }, event);
    const again = await ingestStripeEvent({ store, stripe: noStripe, effects: CREDIT_EFFECTS }, event);
    await untilReceived(received, 2);
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess
    expect(first.outcome).toBe('applied');
    expect(again.outcome).toBe('duplicate');
    expect(transactions[0]).toBe(3);
    expect(received.map((envelope) => envelope['detail-type']).sort()).toEqual(['PackagePurchased', 'PaymentSucceeded']);
    expect(new Set(received.map((envelope) => envelope.id)).size).toBe(2);
    expect(received.find((envelope) => envelope['detail-type'] === 'PackagePurchased')!.detail).toMatchObject({
      version: 1,
      practiceId,
      purchaseId: purchase.purchaseId,
      sessionsTotal: 5,
      amountCents: 42500,
    });
    const ledger = (await listLedger(store, practiceId, purchase.clientId)).items;
    expect(ledger.map(({ kind, amountCents, sessionsDelta, ref, clientId }) => ({ kind, amountCents, sessionsDelta, ref, clientId }))).toEqual([
      { kind: 'package_sale', amountCents: 42500, sessionsDelta: 5, ref: purchase.purchaseId, clientId: purchase.clientId },
      { kind: 'payment', amountCents: -42500, sessionsDelta: undefined, ref: `pi_${purchase.purchaseId}`, clientId: purchase.clientId },
    ]);
    expect(new Set(ledger.map((entry) => entry.entryId)).size).toBe(2);
    expect(ledger.every((entry) => entry.at === ledger[0]!.at)).toBe(true);
  });

  it('a commit with more events than its marker carries puts the rest in outbox items, and every event reaches the bus', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const count = 2 * EVENTS_PER_ITEM + 1;
    const { received } = await busFor(practiceId, ['ManyProbe']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    transactions.length = 0;

    // Act
    await commitOnce(store, {
      marker: keys.marker(practiceId, 'many', '1'),
      writes: [{ Put: { Item: { pk: practicePk(practiceId), sk: 'THING#many', type: 'thing' } } }],
      events: Array.from({ length: count }, (_, n) => ({ detailType: 'ManyProbe', detail: { practiceId, n } })),
    });
    await untilReceived(received, count);

    // Assess: marker (with EVENTS_PER_ITEM events) + the write + ⌈rest / EVENTS_PER_ITEM⌉ outbox items.
    expect(transactions).toEqual([1 + 1 + Math.ceil((count - EVENTS_PER_ITEM) / EVENTS_PER_ITEM)]);
    expect(received.map((envelope) => envelope.detail.n).sort()).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(OUTBOX_PIPE_BATCH_SIZE * EVENTS_PER_ITEM).toBeLessThanOrEqual(10);
  });
});
