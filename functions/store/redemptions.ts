/**
 * The writes of redeeming a session credit, cancelling a redemption and expiring a purchase's
 * credits: core/redemptions.ts decides, these turn its decision into transaction items for
 * `commitOnce` (each with the condition that keeps it exactly once and never below zero).
 */
import type { Purchase, Redemption } from '../domain/purchase';
import type { Store } from './table';
import { ledgerWrites } from './clients';
import type { TransactItem } from './commit';
import { absent, nullValue } from './conditions';
import { getItem } from './items';
import { keys } from './keys';
import { purchaseKey, redemptionIndexKeys, redemptionKey } from './purchases';

/** One redemption per appointment id, ever. */
export const redemptionMarker = (practiceId: string, appointmentId: string) => keys.marker(practiceId, 'redemption', appointmentId);
/** One cancellation per appointment id. */
export const redemptionCancelMarker = (practiceId: string, appointmentId: string) => keys.marker(practiceId, 'redemption-cancel', appointmentId);
/** One expiry per purchase. */
export const purchaseExpiryMarker = (practiceId: string, purchaseId: string) => keys.marker(practiceId, 'purchase-expired', purchaseId);

/** What the redemption of an appointment answered the first time (kept on its marker), if it was made. */
export const readRedemptionResult = async <R>(store: Store, practiceId: string, appointmentId: string): Promise<R | undefined> =>
  (await getItem<{ result?: R }>(store, redemptionMarker(practiceId, appointmentId)))?.result;

/**
 * Takes one credit from a paid, unexpired purchase that still has one, stores the redemption (in
 * the practice's time index of standing redemptions) and books it on the client's ledger. The
 * decrement is an atomic ADD: concurrent redemptions do not conflict with each other; the condition
 * refuses the one that would go below zero. The version moves too, so a refund or dispute decided on
 * the credits before this one re-reads.
 */
export const redeemCreditWrites = (practiceId: string, redemption: Redemption, now: Date): TransactItem[] => [
  {
    Update: {
      Key: purchaseKey(practiceId, redemption.clientId, redemption.purchaseId),
      UpdateExpression: 'ADD sessionsRemaining :minus, version :one',
      ConditionExpression: `#state = :paid AND sessionsRemaining >= :one AND (${absent('expiresAt')} OR expiresAt > :now)`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':minus': -1, ':one': 1, ':paid': 'paid', ':now': now.toISOString(), ...nullValue(absent('expiresAt')) },
    },
  },
  {
    Put: {
      Item: {
        ...redemptionKey(practiceId, redemption.appointmentId),
        // The practice's time index of standing redemptions (listRedemptionsSince, decisions/019).
        ...redemptionIndexKeys(practiceId, redemption),
        type: 'redemption',
        redemptionId: redemption.redemptionId,
        appointmentId: redemption.appointmentId,
        clientId: redemption.clientId,
        purchaseId: redemption.purchaseId,
        currency: redemption.currency,
        status: redemption.status,
        redeemedAt: redemption.redeemedAt,
      },
    },
  },
  ...ledgerWrites(practiceId, redemption.clientId, [{ kind: 'redemption', amountCents: 0, sessionsDelta: -1, currency: redemption.currency, at: now.toISOString(), ref: redemption.appointmentId }]),
];

/**
 * Gives a redemption's credit back to its purchase (only while the purchase is paid), marks the
 * redemption cancelled (only if it is still redeemed), takes it out of the time index of standing
 * redemptions and books it on the ledger.
 */
export const cancelRedemptionWrites = (practiceId: string, redemption: Redemption, now: Date): TransactItem[] => [
  {
    Update: {
      Key: purchaseKey(practiceId, redemption.clientId, redemption.purchaseId),
      UpdateExpression: 'ADD sessionsRemaining :plus, version :one',
      ConditionExpression: '#state = :paid',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':plus': 1, ':one': 1, ':paid': 'paid' },
    },
  },
  {
    Update: {
      Key: redemptionKey(practiceId, redemption.appointmentId),
      // Out of the time index of standing redemptions (listRedemptionsSince, decisions/019).
      UpdateExpression: 'SET #status = :cancelled, cancelledAt = :now REMOVE gsi1pk, gsi1sk',
      ConditionExpression: '#status = :redeemed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':cancelled': 'cancelled', ':redeemed': 'redeemed', ':now': now.toISOString() },
    },
  },
  ...ledgerWrites(practiceId, redemption.clientId, [
    { kind: 'redemption_cancelled', amountCents: 0, sessionsDelta: 1, currency: redemption.currency, at: now.toISOString(), ref: redemption.appointmentId },
  ]),
];

/**
 * Records that a purchase's remaining credits expired: only on the version it was read at (a
 * redemption or refund in between makes it re-read), leaving the expiry index, with its ledger entry.
 */
export const expirePurchaseWrites = (practiceId: string, purchase: Purchase, now: Date): TransactItem[] => [
  {
    Update: {
      Key: purchaseKey(practiceId, purchase.clientId, purchase.purchaseId),
      UpdateExpression: 'SET expiredAt = :now, creditsExpired = sessionsRemaining REMOVE gsi1pk, gsi1sk ADD version :one',
      ConditionExpression: `#state = :paid AND (version = :seen OR (${absent('version')} AND :seen = :zero))`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':now': now.toISOString(), ':paid': 'paid', ':one': 1, ':seen': purchase.version, ':zero': 0, ...nullValue(absent('version')) },
    },
  },
  ...ledgerWrites(practiceId, purchase.clientId, [
    { kind: 'credits_expired', amountCents: 0, sessionsDelta: -purchase.sessionsRemaining, currency: purchase.currency, at: now.toISOString(), ref: purchase.purchaseId },
  ]),
];
