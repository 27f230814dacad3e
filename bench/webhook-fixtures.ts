import type { Store } from '../functions/store/table';
import { newId } from '../functions/shared/ids';
import { servePutPractice } from '../functions/practices';
import { findOrCreateClient } from '../functions/store/clients';
import { insertOpenPurchase } from '../functions/store/purchases';
import type { Purchase } from '../functions/domain/purchase';
import type Stripe from 'stripe';
import { EFFECTS } from '../functions/stripe-webhook';
import { commitItems } from '../functions/store/commit';
import { keys } from '../functions/store/keys';

export const seedPracticeAndPurchases = async (store: Store, count: number): Promise<Purchase[]> => {
  const practiceId = newId('prac');
  await servePutPractice(store, practiceId, { name: 'Bench Bodywork', email: 'bench@example.com' });
  const purchases: Purchase[] = [];
  for (let i = 0; i < count; i += 1) {
    const client = await findOrCreateClient(store, { practiceId, email: `c${i}@bench.example`, name: 'Bench Client', currency: 'usd' });
    const purchase: Purchase = {
      purchaseId: newId('pur'),
      practiceId,
      clientId: client.clientId,
      packageId: 'pkg_bench',
      state: 'open',
      sessionsTotal: 5,
      sessionsRemaining: 0,
      sessionMinutes: 60,
      priceCents: 42500,
      currency: 'usd',
      expiresInDays: 365,
      expiresAt: null,
      refundedCents: 0,
      creditsRemoved: 0,
      createdAt: new Date().toISOString(),
      version: 0,
    };
    await insertOpenPurchase(store, purchase);
    purchases.push(purchase);
  }
  return purchases;
};

export const checkoutEvent = (purchase: Purchase) => ({
  id: newId('evt'),
  object: 'event',
  api_version: '2026-10-28.endive',
  created: Math.floor(Date.now() / 1000),
  type: 'checkout.session.completed',
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  data: {
    object: {
      id: `cs_${purchase.purchaseId}`,
      object: 'checkout.session',
      payment_status: 'paid',
      status: 'complete',
      amount_total: purchase.priceCents,
      payment_intent: `pi_${purchase.purchaseId}`,
      metadata: { practiceId: purchase.practiceId, clientId: purchase.clientId, packageId: purchase.packageId, purchaseId: purchase.purchaseId, sessionsTotal: '5', expiresInDays: '365' },
      currency: 'usd',
    },
  },
});

export const apiEvent = (body: string, signature: string) =>
  ({
    version: '2.0',
    routeKey: 'POST /webhooks/stripe',
    rawPath: '/webhooks/stripe',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body,
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/webhooks/stripe', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Stripe/1.0' },
      requestId: 'bench',
      routeKey: 'POST /webhooks/stripe',
      stage: '$default',
    },
  }) as never;

/** The Stripe client a sale's effect is given: the hot path never calls Stripe. */
export const noStripe = async (): Promise<Stripe> => {
  throw new Error('the hot path does not call Stripe');
};

/**
 * kneadpay's own transaction for the sale of `purchase`, as commitOnce would send it (the webhook's
 * effect, the ingest's marker): built before a bench's clock starts, so sending it is the DynamoDB
 * work alone.
 */
export const saleItems = async (store: Store, purchase: Purchase) => {
  const event = checkoutEvent(purchase) as unknown as Stripe.Event;
  const now = new Date();
  const decision = await EFFECTS['checkout.session.completed']!({ store, stripe: noStripe, practiceId: purchase.practiceId, event, now, attempt: 1 });
  if (decision.kind !== 'apply') throw new Error(`the effect decided ${decision.kind}`);
  const outcome = { eventId: event.id, type: event.type, outcome: 'applied' };
  return commitItems(
    store.tableName,
    { marker: { ...keys.marker(purchase.practiceId, 'stripe-event', event.id), result: outcome, ttlSeconds: 30 * 86_400 }, writes: decision.writes, events: decision.events },
    now,
  );
};
