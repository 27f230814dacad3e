/**
 * The ports of core: what a core module needs from the store, as interfaces. Each is a `Pick` of
 * the store module that implements it (types only: this file loads nothing), and that store
 * module itself is the default implementation, imported by the core module that uses it. Core
 * functions take the port as their last (optional) argument or in their `deps`, so a test can pass
 * another one (test/integration/ports.test.ts). Core never builds DynamoDB items or expressions:
 * it hands domain values to these functions.
 */

export type EstimatesPort = Pick<typeof import('../store/estimates'), 'insertEstimate' | 'findEstimate'>;

/** What giving a client an estimate (core/estimates.ts) reads besides the estimates: the practice and the client. */
export type EstimateIssuePort = EstimatesPort & Pick<typeof import('../store/clients'), 'getClient'> & Pick<typeof import('../store/claims-out'), 'getCoverage'> & PracticePort;

/** What recording a balance paid at the desk (core/desk-payments.ts) reads and commits: the invoice (and the request that deletes its held Stripe draft), the practice (its Stripe account), its claim's summary, the ledger, one commit. */
export type DeskPaymentsPort = Pick<typeof import('../store/invoices'), 'getInvoice' | 'invoiceVersionedUpdate' | 'recordInvoiceProgress'> &
  Pick<typeof import('../store/practices'), 'getPractice'> &
  Pick<typeof import('../store/claim-balance'), 'claimInvoiceSummaryWrite'> &
  Pick<typeof import('../store/clients'), 'ledgerWrites'> &
  Pick<typeof import('../store/commit'), 'commitOnce'> &
  Pick<typeof import('../store/keys'), 'keys'>;

/** What writing a balance off (core/write-offs.ts) reads and commits: the invoice and its claim, the practice (its Stripe account), the ledger, the audit, one commit. */
export type WriteOffsPort = Pick<typeof import('../store/invoices'), 'getInvoice' | 'invoiceVersionedUpdate' | 'recordInvoiceProgress' | 'recordWriteOffRequest'> &
  Pick<typeof import('../store/claims'), 'getClaim'> &
  Pick<typeof import('../store/practices'), 'getPractice'> &
  Pick<typeof import('../store/write-offs'), 'claimWrittenOffWrite' | 'claimPartlyWrittenOffWrite' | 'writeOffAuditWrite' | 'writeOffReversalAuditWrite'> &
  Pick<typeof import('../store/clients'), 'ledgerWrites'> &
  Pick<typeof import('../store/commit'), 'commitOnce'> &
  Pick<typeof import('../store/keys'), 'keys'>;

/** What registering and showing a claim (core/claims.ts) read and write: the practice, the client, the claim and its adjudications (and, shown, its invoice's dispute). */
export type ClaimsPort = Pick<typeof import('../store/claims'), 'getClaim' | 'insertClaim' | 'listAdjudications'> &
  Pick<typeof import('../store/clients'), 'getClient'> &
  Pick<typeof import('../store/invoices'), 'getInvoice'> &
  PracticePort;

/** What the packages (core/packages.ts) read and write on the table: the practice and the catalog. */
export type PackagesPort = Pick<typeof import('../store/catalog'), 'getPackage' | 'insertPackage' | 'packageRequestFingerprint' | 'updatePackage'> & PracticePort;

/** What starting a Checkout and keeping a client's Stripe Customer (core/checkout.ts) read and write: the practice, the package, the client, the open purchase. */
export type CheckoutPort = Pick<typeof import('../store/catalog'), 'getPackage'> &
  Pick<typeof import('../store/clients'), 'findOrCreateClient' | 'markStripeCustomerRequested' | 'recordStripeCustomerEmail' | 'setStripeCustomer'> &
  Pick<typeof import('../store/purchases'), 'insertOpenPurchase' | 'recordCheckoutSession'> &
  Pick<typeof import('../store/client-identity'), 'extendProvisional' | 'provisionalUntil'> &
  PracticePort;

/** What registering a client without an email (core/client-contact.ts) reads and writes: the practice and the client. */
export type ClientContactPort = Pick<typeof import('../store/clients'), 'createClientWithoutEmail'> & PracticePort;

/** What claims out (core/claims-out.ts) read and write: payers, coverage, batches and their counter, the claims and their adjudications, the client, the practice. */
export type ClaimsOutPort = Pick<
  typeof import('../store/claims-out'),
  | 'recordBatchSubmitted'
  | 'recordAcknowledgement'
  | 'batchIdFor'
  | 'claimsInStates'
  | 'getBatch'
  | 'getCoverage'
  | 'getPayer'
  | 'insertSecondaryClaim'
  | 'latestBatch'
  | 'putCoverage'
  | 'putPayer'
  | 'readControlCounter'
  | 'setClaimReadiness'
> &
  Pick<typeof import('../store/claims'), 'getClaim' | 'listAdjudications'> &
  Pick<typeof import('../store/clients'), 'getClient'> &
  PracticePort;

/** What requiring the practice a request acts for (core/practice.ts) reads. */
export type PracticePort = Pick<typeof import('../store/practices'), 'getPractice'>;

/** What the CMS-1500 of a claim (core/cms1500.ts) reads itself: the practice and the claim. */
export type Cms1500Port = PracticePort & Pick<typeof import('../store/claims'), 'getClaim'>;

/** What Stripe Connect for a practice (core/connect.ts) reads and writes: its connect record, the open invoices, the commit, the practice. */
export type ConnectPort = Pick<
  typeof import('../store/connect'),
  | 'releaseMarker'
  | 'releaseAccountWrites'
  | 'releaseAuditWrite'
  | 'recordDeferredEvent'
  | 'getConnect'
  | 'markConnectRequested'
  | 'linkAccount'
  | 'accountStateWrite'
  | 'sameAccountState'
  | 'refreshMarker'
  | 'deauthorizedWrite'
  | 'chargesBlocked'
> &
  Pick<typeof import('../store/invoices'), 'listInvoices'> &
  Pick<typeof import('../store/commit'), 'commitOnce'> &
  PracticePort;

export type ReconcilerPort = Pick<typeof import('../store/reconciler'), 'readCheckpoint' | 'writeCheckpoint' | 'listConnectedAccounts' | 'isStripeEventMarked'>;

export type RedemptionsPort = Pick<
  typeof import('../store/redemptions'),
  'redemptionMarker' | 'redemptionCancelMarker' | 'purchaseExpiryMarker' | 'readRedemptionResult' | 'redeemCreditWrites' | 'cancelRedemptionWrites' | 'expirePurchaseWrites'
>;
/** What redeeming a credit and cancelling a redemption (core/redemptions.ts) read and write besides the redemption items: the redemption, the client and its purchases, the commit. */
export type RedemptionFlowPort = RedemptionsPort &
  Pick<typeof import('../store/purchases'), 'getRedemption' | 'listClientPurchases'> &
  Pick<typeof import('../store/clients'), 'getClient'> &
  Pick<typeof import('../store/commit'), 'commitOnce'>;

/** What applying adjudications and receiving an ERA (core/remittances.ts) read and write: the claims, the quarantine, the commit. */
export type RemittancesPort = Pick<typeof import('../store/remittances'), 'adjudicationMarker' | 'adjudicationWrites' | 'remittanceMarker' | 'remittanceWrite' | 'putQuarantine' | 'listQuarantine'> &
  Pick<typeof import('../store/claims'), 'getClaim' | 'getRemittance' | 'listAdjudications'> &
  /** Optional: a port without it has a file's claims read one `getClaim` at a time. */
  Partial<Pick<typeof import('../store/claims'), 'getClaims'>> &
  Pick<typeof import('../store/commit'), 'commitOnce'> &
  PracticePort;

/** What the package-credit effects of Stripe events (core/credit-effects.ts) read and write. */
export type CreditEffectsPort = Pick<typeof import('../store/purchases'), 'getPurchase' | 'findPurchaseByStripeId' | 'stripeRef'> &
  Pick<typeof import('../store/purchase-updates'), 'purchaseVersionedUpdate' | 'purchaseGrantUpdate' | 'expiringIndex'> &
  Pick<typeof import('../store/clients'), 'getClient' | 'ledgerWrites'> &
  Pick<typeof import('../store/client-identity'), 'confirmClientWrites'>;

/** What the balance-invoice effects of Stripe events (core/invoice-effects.ts) read and write. */
export type InvoiceEffectsPort = Pick<typeof import('../store/invoices'), 'getInvoice' | 'invoiceVersionedUpdate'> &
  Pick<typeof import('../store/claim-balance'), 'claimInvoiceSummaryWrite'> &
  Pick<typeof import('../store/clients'), 'ledgerWrites'>;

/** What ingesting a Stripe event (core/stripe-events.ts) needs: the practice it belongs to, its marker, the commit. */
export type StripeEventsPort = Pick<typeof import('../store/commit'), 'commitOnce'> &
  Pick<typeof import('../store/keys'), 'keys'> &
  Pick<typeof import('../store/practices'), 'findPracticeByStripeAccount'> &
  Pick<typeof import('../store/purchases'), 'findPurchaseByStripeId'> &
  Pick<typeof import('../store/stripe-event-markers'), 'recordIgnoredStripeEvent'>;

/** What opening a signed receipt link (core/receipt-links.ts) reads. */
export type ReceiptLinksPort = Pick<typeof import('../store/practices'), 'getPractice'> & Pick<typeof import('../store/receipts'), 'getReceipt' | 'currentClientName'>;

/** What the credit expirer (core/credit-expiry.ts) reads and writes: the expiring purchases, each as it is now, the expiry's items and the commit. */
export type CreditExpiryPort = Pick<typeof import('../store/redemptions'), 'purchaseExpiryMarker' | 'expirePurchaseWrites'> &
  Pick<typeof import('../store/purchases'), 'getPurchase' | 'listExpiringPurchases'> &
  Pick<typeof import('../store/commit'), 'commitOnce'>;
