/**
 * The ports of core: what a core module needs from the store, as interfaces. Each is a `Pick` of
 * the store module that implements it, and the store module itself is the default implementation;
 * core functions take the port as their last (optional) argument, so a test can pass another one.
 * Core never builds DynamoDB items or expressions: it hands domain values to these functions.
 */
import * as claimsOut from '../store/claims-out';
import * as connect from '../store/connect';
import * as estimates from '../store/estimates';
import * as reconciler from '../store/reconciler';
import * as redemptions from '../store/redemptions';
import * as remittances from '../store/remittances';

export type EstimatesPort = Pick<typeof estimates, 'insertEstimate' | 'findEstimate'>;
export const estimatesStore: EstimatesPort = estimates;

export type ClaimsOutPort = Pick<typeof claimsOut, 'recordBatchSubmitted' | 'recordAcknowledgement'>;
export const claimsOutStore: ClaimsOutPort = claimsOut;

export type ConnectPort = Pick<typeof connect, 'releaseMarker' | 'releaseAccountWrites' | 'releaseAuditWrite' | 'recordDeferredEvent'>;
export const connectStore: ConnectPort = connect;

export type ReconcilerPort = Pick<typeof reconciler, 'readCheckpoint' | 'writeCheckpoint' | 'listConnectedAccounts' | 'isStripeEventMarked'>;
export const reconcilerStore: ReconcilerPort = reconciler;

export type RedemptionsPort = Pick<
  typeof redemptions,
  'redemptionMarker' | 'redemptionCancelMarker' | 'purchaseExpiryMarker' | 'readRedemptionResult' | 'redeemCreditWrites' | 'cancelRedemptionWrites' | 'expirePurchaseWrites'
>;
export const redemptionsStore: RedemptionsPort = redemptions;

export type RemittancesPort = Pick<typeof remittances, 'adjudicationMarker' | 'adjudicationWrites' | 'remittanceMarker' | 'remittanceWrite' | 'putQuarantine'>;
export const remittancesStore: RemittancesPort = remittances;
