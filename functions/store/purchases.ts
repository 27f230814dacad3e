import { PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from './table';
import { getItem, queryAll, queryPage, withoutKeys, type Page } from './items';
import { practicePk } from './keys';

import type { Purchase, Redemption } from '../domain/purchase';
export const purchaseKey = (practiceId: string, clientId: string, purchaseId: string) => ({
  pk: practicePk(practiceId),
  sk: `PURCHASE#${clientId}#${purchaseId}`,
});

/** Index entry for finding a purchase from its Stripe payment intent (refunds, disputes). */
export const stripeRef = (stripeId: string) => ({ gsi2pk: `STRIPE#${stripeId}`, gsi2sk: 'PURCHASE' });

export const getPurchase = async (store: Store, practiceId: string, clientId: string, purchaseId: string): Promise<Purchase | undefined> => {
  const item = await getItem<Purchase>(store, purchaseKey(practiceId, clientId, purchaseId));
  return item ? withoutKeysKeepVersion(item) : undefined;
};

const withoutKeysKeepVersion = (item: object): Purchase => ({
  ...withoutKeys<Purchase>(item),
  version: (item as { version?: number }).version ?? 0,
});

export const listClientPurchases = async (store: Store, practiceId: string, clientId: string): Promise<Purchase[]> =>
  (
    await queryAll<Record<string, unknown>>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': `PURCHASE#${clientId}#` },
      ConsistentRead: true,
    })
  ).map(withoutKeysKeepVersion);

/** The purchase a Stripe object belongs to (GSI2, eventually consistent: a miss may mean "not yet"). */
export const findPurchaseByStripeId = async (store: Store, stripeId: string): Promise<Purchase | undefined> => {
  const answer = await store.doc.send(
    new QueryCommand({
      TableName: store.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :id AND gsi2sk = :kind',
      ExpressionAttributeValues: { ':id': `STRIPE#${stripeId}`, ':kind': 'PURCHASE' },
    }),
  );
  const item = answer.Items?.[0];
  return item ? withoutKeysKeepVersion(item) : undefined;
};

/** Purchases of a practice whose expiry has passed and that are not marked expired yet. */
export const listExpiringPurchases = async (store: Store, practiceId: string, now: Date): Promise<Purchase[]> =>
  (
    await queryAll<Record<string, unknown>>(store, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :now',
      ExpressionAttributeValues: { ':pk': `${practicePk(practiceId)}#EXPIRING`, ':now': now.toISOString() },
    })
  ).map(withoutKeysKeepVersion);

/**
 * An open purchase whose checkout never completes — Stripe refused the session, or its
 * `checkout.session.expired` never reached us — is deleted by the table's TTL after this long.
 * Any state change removes the TTL (`PURCHASE_KEEP`). A session lives at most 24 h and Stripe
 * retries an event for 3 days, so no event can still be on its way for a purchase this old.
 */
export const OPEN_PURCHASE_TTL_SECONDS = 7 * 24 * 3600;
/** Update-expression clause (with `#ttl` → `ttl`) that keeps a purchase once its state moves on. */
export const PURCHASE_KEEP = { clause: 'REMOVE #ttl', names: { '#ttl': 'ttl' } } as const;

export const insertOpenPurchase = async (store: Store, purchase: Purchase): Promise<void> => {
  await store.doc.send(
    new PutCommand({
      TableName: store.tableName,
      Item: {
        ...purchaseKey(purchase.practiceId, purchase.clientId, purchase.purchaseId),
        type: 'purchase',
        ...purchase,
        ttl: Math.floor(Date.parse(purchase.createdAt) / 1000) + OPEN_PURCHASE_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
};

/** Stores the Checkout Session id as soon as Stripe answers, with a pointer from the session. */
export const recordCheckoutSession = async (store: Store, purchase: Purchase, sessionId: string, priceCents: number = purchase.priceCents): Promise<void> => {
  await store.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: store.tableName,
            Key: purchaseKey(purchase.practiceId, purchase.clientId, purchase.purchaseId),
            // The price the session charges (a price change during checkout moves it).
            UpdateExpression: 'SET checkoutSessionId = :id, priceCents = :price',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':id': sessionId, ':price': priceCents },
          },
        },
        {
          Put: {
            TableName: store.tableName,
            Item: { ...checkoutKey(purchase.practiceId, sessionId), type: 'checkout', clientId: purchase.clientId, purchaseId: purchase.purchaseId },
          },
        },
      ],
    }),
  );
};

const checkoutKey = (practiceId: string, sessionId: string) => ({ pk: practicePk(practiceId), sk: `CHECKOUT#${sessionId}` });

/** The purchase a Checkout Session started (the storefront's success page looks it up). */
export const findPurchaseByCheckoutSession = async (store: Store, practiceId: string, sessionId: string): Promise<Purchase | undefined> => {
  const pointer = await getItem<{ clientId: string; purchaseId: string }>(store, checkoutKey(practiceId, sessionId));
  return pointer ? getPurchase(store, practiceId, pointer.clientId, pointer.purchaseId) : undefined;
};

// Redemptions --------------------------------------------------------------------------------

export const redemptionKey = (practiceId: string, appointmentId: string) => ({
  pk: practicePk(practiceId),
  sk: `REDEMPTION#${appointmentId}`,
});

/**
 * One page of the practice's redemptions still standing (not cancelled) made at or after `since`
 * (an ISO instant). A filtered Query over the practice's `REDEMPTION#` items: no index by time, so
 * it reads every redemption on record and a page may come back short with a cursor (docs/api.md).
 */
export const listRedemptionsSince = async (store: Store, practiceId: string, since: string, cursor?: string): Promise<Page<Redemption>> => {
  const page = await queryPage<Record<string, unknown>>(
    store,
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      FilterExpression: '#status = :redeemed AND redeemedAt >= :since',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'REDEMPTION#', ':redeemed': 'redeemed', ':since': since },
      Limit: 500,
    },
    cursor,
  );
  return { items: page.items.map((item) => withoutKeys<Redemption>(item)), nextCursor: page.nextCursor };
};

export const getRedemption = async (store: Store, practiceId: string, appointmentId: string): Promise<Redemption | undefined> => {
  const item = await getItem<Redemption>(store, redemptionKey(practiceId, appointmentId));
  return item ? withoutKeys<Redemption>(item) : undefined;
};
