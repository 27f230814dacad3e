/**
 * The ports of core: what a core module needs from the store, as interfaces. Each is a `Pick` of
 * the store module that implements it (types only: this file loads nothing), and that store
 * module itself is the default implementation, imported by the core module that uses it. Core
 * functions take the port as their last (optional) argument or in their `deps`, so a test can pass
 * another one (test/integration/ports.test.ts). Core never builds DynamoDB items or expressions:
 * it hands domain values to these functions.
 */

export type EstimatesPort = Pick<typeof import('../store/estimates'), 'insertEstimate' | 'findEstimate'>;

export type ClaimsOutPort = Pick<typeof import('../store/claims-out'), 'recordBatchSubmitted' | 'recordAcknowledgement'>;

export type ConnectPort = Pick<typeof import('../store/connect'), 'releaseMarker' | 'releaseAccountWrites' | 'releaseAuditWrite' | 'recordDeferredEvent'>;

export type ReconcilerPort = Pick<typeof import('../store/reconciler'), 'readCheckpoint' | 'writeCheckpoint' | 'listConnectedAccounts' | 'isStripeEventMarked'>;

export type RedemptionsPort = Pick<
  typeof import('../store/redemptions'),
  'redemptionMarker' | 'redemptionCancelMarker' | 'purchaseExpiryMarker' | 'readRedemptionResult' | 'redeemCreditWrites' | 'cancelRedemptionWrites' | 'expirePurchaseWrites'
>;

export type RemittancesPort = Pick<
  typeof import('../store/remittances'),
  'adjudicationMarker' | 'adjudicationWrites' | 'remittanceMarker' | 'remittanceWrite' | 'putQuarantine'
>;
