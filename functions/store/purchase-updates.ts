/**
 * Changes of a purchase decided by a Stripe event (checkout, refunds, disputes): writes that go in
 * the event's commit (commitOnce). Any state change removes the open purchase's TTL (PURCHASE_KEEP).
 */
import type { TransactItem } from './commit';
import { absent, nullValue } from './conditions';
import { practicePk } from './keys';
import { PURCHASE_KEEP, purchaseKey } from './purchases';
import type { Purchase } from '../domain/purchase';

/** GSI1 entry of a paid purchase with an expiry: the credit expirer finds it by date (listExpiringPurchases). */
export const expiringIndex = (practiceId: string, expiresAt: string, purchaseId: string) => ({
  gsi1pk: `${practicePk(practiceId)}#EXPIRING`,
  gsi1sk: `${expiresAt}#${purchaseId}`,
});

const setClause = (set: Record<string, unknown>) => {
  const entries = Object.entries(set);
  return {
    clause: entries.map((_, i) => `#f${i} = :v${i}`).join(', '),
    names: Object.fromEntries(entries.map(([key], i) => [`#f${i}`, key])),
    values: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
  };
};

/** The purchase is at the version read (`:seen`; one without a version is at 0). */
const VERSION_SEEN = `attribute_exists(pk) AND (version = :seen OR (${absent('version')} AND :seen = :zero))`;

/** A change of the purchase that applies only to the version the decision was made on. */
export const purchaseVersionedUpdate = (purchase: Purchase, set: Record<string, unknown>): TransactItem => {
  const fields = setClause(set);
  return {
    Update: {
      Key: purchaseKey(purchase.practiceId, purchase.clientId, purchase.purchaseId),
      UpdateExpression: `SET ${fields.clause}, version = :next ${PURCHASE_KEEP.clause}`,
      ConditionExpression: VERSION_SEEN,
      ExpressionAttributeNames: { ...fields.names, ...PURCHASE_KEEP.names },
      ExpressionAttributeValues: {
        ...fields.values,
        ':seen': purchase.version,
        ':next': purchase.version + 1,
        ':zero': 0,
        ...nullValue(VERSION_SEEN),
      },
    },
  };
};

/**
 * A grant decided from the event's own payload, without reading the purchase: the condition stands
 * in for the read — only an open or pending purchase of these terms is granted.
 */
export const purchaseGrantUpdate = (practiceId: string, clientId: string, purchaseId: string, sessionsTotal: number, set: Record<string, unknown>): TransactItem => {
  const fields = setClause(set);
  return {
    Update: {
      Key: purchaseKey(practiceId, clientId, purchaseId),
      UpdateExpression: `SET ${fields.clause} ADD version :one ${PURCHASE_KEEP.clause}`,
      ConditionExpression: 'attribute_exists(pk) AND #s IN (:open, :pending) AND sessionsTotal = :total',
      ExpressionAttributeNames: { ...fields.names, '#s': 'state', ...PURCHASE_KEEP.names },
      ExpressionAttributeValues: { ...fields.values, ':one': 1, ':open': 'open', ':pending': 'pending', ':total': sessionsTotal },
    },
  };
};
