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
 * The practice's time index of standing redemptions (gsi1, bug 160, decisions/019): a redemption
 * carries it from its write (`redeemCreditWrites`) until its cancellation removes it
 * (`cancelRedemptionWrites`), sorted by when it was redeemed, then by appointment id.
 */
export const redemptionsIndexPk = (practiceId: string) => `${practicePk(practiceId)}#REDEMPTIONS`;
export const redemptionIndexKeys = (practiceId: string, redemption: Pick<Redemption, 'redeemedAt' | 'appointmentId'>) => ({
  gsi1pk: redemptionsIndexPk(practiceId),
  gsi1sk: `${redemption.redeemedAt}#${redemption.appointmentId}`,
});

/**
 * Set by the practice's first `listRedemptionsSince` under the index: `indexedFrom`, from which
 * instant on every redemption of the practice carries its index entry (those stored before the
 * index do not, and were redeemed before it).
 */
export const redemptionsMarkKey = (practiceId: string) => ({ pk: practicePk(practiceId), sk: 'INDEXED#redemptions' });

/**
 * How far after its first read a practice's mark starts: a redemption's `redeemedAt` is its
 * handler's clock when it started, so one made by the code before the index while a deploy reaches
 * every instance (seconds), or on a clock a little ahead, is still redeemed before `indexedFrom`.
 */
export const REDEMPTIONS_MARK_MARGIN_MS = 15 * 60_000;

/** The practice's `indexedFrom`, its mark written first if it has none (a conditional put: the first writer wins). */
const redemptionsIndexedFrom = async (store: Store, practiceId: string, now: Date): Promise<string> => {
  // Written once and never changed: an eventually consistent read that misses a new mark only makes the put below fail.
  const mark = await getItem<{ indexedFrom: string }>(store, redemptionsMarkKey(practiceId), false);
  if (mark) return mark.indexedFrom;
  const indexedFrom = new Date(now.getTime() + REDEMPTIONS_MARK_MARGIN_MS).toISOString();
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...redemptionsMarkKey(practiceId), type: 'redemptions-mark', indexedFrom },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return indexedFrom;
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const written = await getItem<{ indexedFrom: string }>(store, redemptionsMarkKey(practiceId));
    if (!written) throw error;
    return written.indexedFrom;
  }
};

/** A page of redemption items, as the API's list hands them out. */
const redemptionPage = (page: Page<Record<string, unknown>>): Page<Redemption> => ({ items: page.items.map((item) => withoutKeys<Redemption>(item)), nextCursor: page.nextCursor });

/**
 * The practice's standing redemptions made at or after `since` by the Query of its every
 * `REDEMPTION#` item with a filter, ordered by appointment id: `listRedemptionsSince` before bug 160,
 * still its read for a `since` before the practice's mark (redemptions stored before the index).
 * It reads every redemption on record, so a page may come back short, or empty, with a cursor.
 * Exported for `bench/redemptions-since.ts`.
 */
export const redemptionsSinceByQuery = async (store: Store, practiceId: string, since: string, cursor?: string): Promise<Page<Redemption>> =>
  redemptionPage(
    await queryPage<Record<string, unknown>>(
      store,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        FilterExpression: '#status = :redeemed AND redeemedAt >= :since',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'REDEMPTION#', ':redeemed': 'redeemed', ':since': since },
        Limit: 500,
      },
      cursor,
    ),
  );

/**
 * One page (at most 500) of the practice's redemptions still standing (not cancelled) made at or
 * after `since` (an ISO instant), ordered by `redeemedAt`, then appointment id (bug 160,
 * decisions/019). It Queries the practice's time index from `since` on (gsi1: eventually consistent,
 * so a redemption just made may show a moment later), reading about the redemptions it answers, not
 * the practice's history. A `since` before the practice's mark (`indexedFrom`: its first read under
 * the index, plus a margin) may reach redemptions stored before the index, which only the old
 * Query finds (`redemptionsSinceByQuery`). A cursor belongs to the read that handed it out: one from
 * the other read is refused (DynamoDB refuses its key: 400 naming `cursor`, `queryPage`).
 */
export const listRedemptionsSince = async (store: Store, practiceId: string, since: string, cursor?: string, now: Date = new Date()): Promise<Page<Redemption>> => {
  const from = new Date(since).toISOString();
  if (from < (await redemptionsIndexedFrom(store, practiceId, now))) return redemptionsSinceByQuery(store, practiceId, from, cursor);
  const page = redemptionPage(
    await queryPage<Record<string, unknown>>(
      store,
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk >= :since',
        // A guard: a cancellation removes the entry in the same write.
        FilterExpression: '#status = :redeemed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': redemptionsIndexPk(practiceId), ':since': from, ':redeemed': 'redeemed' },
        Limit: 500,
      },
      cursor,
    ),
  );
  return page;
};

export const getRedemption = async (store: Store, practiceId: string, appointmentId: string): Promise<Redemption | undefined> => {
  const item = await getItem<Redemption>(store, redemptionKey(practiceId, appointmentId));
  return item ? withoutKeys<Redemption>(item) : undefined;
};
