/**
 * The one wiring table: every function, every HTTP route and every event rule and schedule.
 * The CDK stack (lib/kneadpay-stack.ts) is generated from it and the local runtime (local/) reads
 * it too, so what runs on a laptop is wired exactly as what is deployed.
 * Only functions that exist are listed: the table grows with the features.
 */
export const AUTH = {
  /** Practice staff: a Cognito JWT (a local token on a laptop); the path's practice must match. */
  jwt: 'jwt',
  /** Clients and the storefront: no credentials. */
  public: 'public',
  /** Stripe: authenticated by the Stripe-Signature header inside the function, not by API Gateway. */
  stripeSignature: 'stripe-signature',
} as const;
export type Auth = (typeof AUTH)[keyof typeof AUTH];

export interface FunctionSpec {
  /** Source file exporting `handler`, relative to the project root. */
  entry: string;
  description: string;
  memoryMb?: number;
  timeoutSeconds?: number;
  /**
   * Reserved concurrency. For a consumer that calls Stripe per event: Stripe allows 25 requests/s in
   * test mode (100 live) and stripe-node does not retry a 429, so a burst of events (a large ERA
   * makes one ClaimAdjudicated per claim) must not fan out to hundreds of instances. Throttled
   * asynchronous events wait in Lambda's queue (up to the 6-hour event age), they are not lost.
   */
  reservedConcurrency?: number;
  /** What the function may touch; the stack grants exactly this. */
  access: {
    table: 'read' | 'readwrite';
    stripe?: boolean;
    ses?: boolean;
    /** Signs and verifies receipt links (`/r/{token}`) with the receipt-link secret. */
    receiptLinks?: boolean;
  };
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `{name}` parameters. */
  path: string;
  fn: FunctionName;
  /**
   * The route's handler: a key of the function module's `routeHandlers` export, which
   * `dispatchRoutes` (functions/shared/http.ts) calls for this route key. `handler` names the
   * module's Lambda `handler` export itself, for a function that serves this one route only.
   */
  handler: string;
  auth: Auth;
}

export interface RuleSpec {
  /** EventBridge detail-type on the `kneadpay` bus (source `kneadpay`). */
  detailType: string;
  fn: FunctionName;
}

export interface ScheduleSpec {
  fn: FunctionName;
  /** EventBridge schedule expression, e.g. `rate(1 hour)`. */
  expression: string;
  description: string;
}

export const FUNCTIONS = {
  practices: {
    entry: 'functions/practices.ts',
    description: 'Practice profile: create or update, read',
    access: { table: 'readwrite' },
  },
  packages: {
    entry: 'functions/packages.ts',
    description: 'Session packages: create (with Stripe Product and Price), list, change price, deactivate',
    access: { table: 'readwrite', stripe: true },
  },
  storefront: {
    entry: 'functions/storefront.ts',
    description: 'Public storefront page, Buy → Stripe Checkout, success page',
    access: { table: 'readwrite', stripe: true },
  },
  clients: {
    entry: 'functions/clients.ts',
    description: 'Clients, purchases (credits), ledger, redemptions, Good Faith Estimates',
    // Stripe and SES: adding a client's email resumes the balance invoices that waited for it.
    access: { table: 'readwrite', stripe: true, ses: true },
  },
  claims: {
    entry: 'functions/claims.ts',
    description: 'Claims: register (units from minutes), read with adjudications and balances',
    access: { table: 'readwrite' },
  },
  'claims-out': {
    entry: 'functions/claims-out.ts',
    description: 'Claims out: payers, coverage, 837P batches, 999/277CA acknowledgements, claims by state',
    access: { table: 'readwrite' },
  },
  'claim-forms': {
    entry: 'functions/claim-forms.ts',
    description: 'The CMS-1500 (02/12) PDF of a claim (pdfkit)',
    memoryMb: 1024,
    access: { table: 'read' },
  },
  remittances: {
    entry: 'functions/remittances.ts',
    description: 'ERA (X12 835) import: parse, balance, apply per claim, quarantine',
    memoryMb: 1024,
    timeoutSeconds: 29,
    access: { table: 'readwrite' },
  },
  'stripe-webhook': {
    entry: 'functions/stripe-webhook.ts',
    description: 'Stripe webhooks: verify, apply exactly once with the outbox',
    access: { table: 'readwrite', stripe: true },
  },
  invoices: {
    entry: 'functions/invoices.ts',
    description: 'Balance invoices: list by status; record a held balance paid at the desk; write a balance off (voiding its Stripe invoice)',
    access: { table: 'readwrite', stripe: true },
  },
  'balance-invoicer': {
    entry: 'functions/balance-invoicer.ts',
    description:
      'ClaimAdjudicated → invoice the patient balance on Stripe, exactly once; correct it on reversals; StripeAccountUpdated → send the balances held while the account could not charge; hourly: send every held balance whose reason is gone',
    // 300 s: the hourly sweep reads every practice's unfinished invoices (three Queries a practice).
    timeoutSeconds: 300,
    // About 6 Stripe requests per invoice in about a second: 4 at once stay under test mode's 25/s.
    reservedConcurrency: 4,
    access: { table: 'readwrite', stripe: true, ses: true },
  },
  'invoice-reminder': {
    entry: 'functions/invoice-reminder.ts',
    description: 'Scheduled: email reminders for unpaid balance invoices',
    timeoutSeconds: 300,
    access: { table: 'readwrite', ses: true },
  },
  'receipt-issuer': {
    entry: 'functions/receipt-issuer.ts',
    description: 'PaymentSucceeded / PaymentRefunded → one numbered receipt, emailed (ReceiptIssued)',
    timeoutSeconds: 60,
    access: { table: 'readwrite', stripe: true, ses: true, receiptLinks: true },
  },
  receipts: {
    entry: 'functions/receipts.ts',
    description: 'Receipts: list with signed links and email status, resend',
    access: { table: 'readwrite', ses: true, receiptLinks: true },
  },
  'receipt-page': {
    entry: 'functions/receipt-page.ts',
    description: 'Public receipt page /r/{token}: HTML and PDF (pdfkit)',
    memoryMb: 1024,
    access: { table: 'read', receiptLinks: true },
  },
  'web-app': {
    entry: 'functions/web-app.ts',
    description: 'The staff web app: its page shell and static files under /app (docs/app.md)',
    access: { table: 'read' },
  },
  'stripe-connect': {
    entry: 'functions/stripe-connect.ts',
    description: 'Stripe Connect: onboarding (account + Account Link), status, audited release, return pages',
    access: { table: 'readwrite', stripe: true },
  },
  'credit-expirer': {
    entry: 'functions/credit-expirer.ts',
    description: 'Scheduled: marks expired package credits (CreditsExpired)',
    timeoutSeconds: 300,
    access: { table: 'readwrite' },
  },
  'stripe-reconciler': {
    entry: 'functions/stripe-reconciler.ts',
    description: 'Scheduled: lists Stripe events since its checkpoint (platform and connected accounts) and applies the ones the webhook missed, exactly once',
    timeoutSeconds: 300,
    // One run at a time: two would list and apply the same events (harmless, exactly once, but wasted).
    reservedConcurrency: 1,
    access: { table: 'readwrite', stripe: true },
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

const P = '/practices/{practiceId}';

export const ROUTES: readonly RouteSpec[] = [
  { method: 'PUT', path: P, fn: 'practices', handler: 'putProfile', auth: AUTH.jwt },
  { method: 'GET', path: P, fn: 'practices', handler: 'getProfile', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/packages`, fn: 'packages', handler: 'createPackage', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/packages`, fn: 'packages', handler: 'listPackages', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/packages/{packageId}`, fn: 'packages', handler: 'getPackage', auth: AUTH.jwt },
  { method: 'PATCH', path: `${P}/packages/{packageId}`, fn: 'packages', handler: 'changePackage', auth: AUTH.jwt },
  { method: 'DELETE', path: `${P}/packages/{packageId}`, fn: 'packages', handler: 'deactivatePackage', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/clients`, fn: 'clients', handler: 'registerClient', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/clients`, fn: 'clients', handler: 'findClients', auth: AUTH.jwt },
  { method: 'PATCH', path: `${P}/clients/{clientId}`, fn: 'clients', handler: 'correctClient', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/clients/{clientId}/purchases`, fn: 'clients', handler: 'listPurchases', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/clients/{clientId}/ledger`, fn: 'clients', handler: 'getLedger', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/clients/{clientId}/redemptions`, fn: 'clients', handler: 'redeemCredit', auth: AUTH.jwt },
  { method: 'DELETE', path: `${P}/clients/{clientId}/redemptions/{appointmentId}`, fn: 'clients', handler: 'cancelRedemption', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/redemptions`, fn: 'clients', handler: 'listRedemptionsSince', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/clients/{clientId}/estimates`, fn: 'clients', handler: 'createEstimate', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/clients/{clientId}/estimates/{estimateId}`, fn: 'clients', handler: 'getEstimate', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/claims`, fn: 'claims', handler: 'registerClaim', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/claims/{claimId}`, fn: 'claims', handler: 'getClaim', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/claims/{claimId}/bill-patient`, fn: 'claims', handler: 'billPatientNow', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/claims`, fn: 'claims-out', handler: 'listClaims', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/claims/{claimId}/cms1500`, fn: 'claim-forms', handler: 'cms1500Pdf', auth: AUTH.jwt },
  { method: 'PUT', path: `${P}/payers/{payerId}`, fn: 'claims-out', handler: 'putPayer', auth: AUTH.jwt },
  { method: 'PUT', path: `${P}/clients/{clientId}/coverage`, fn: 'claims-out', handler: 'putCoverage', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/payers`, fn: 'claims-out', handler: 'listPayers', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/clients/{clientId}/coverage`, fn: 'claims-out', handler: 'getCoverage', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/claim-batches`, fn: 'claims-out', handler: 'createBatch', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/claim-batches/{batchId}`, fn: 'claims-out', handler: 'getBatch', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/acknowledgements`, fn: 'claims-out', handler: 'receiveAcknowledgement', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/remittances`, fn: 'remittances', handler: 'receiveRemittance', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/remittances`, fn: 'remittances', handler: 'listRemittances', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/remittances/{remittanceId}`, fn: 'remittances', handler: 'getRemittance', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/invoices`, fn: 'invoices', handler: 'listInvoices', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/invoices/{invoiceId}/desk-payments`, fn: 'invoices', handler: 'recordDeskPayment', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/invoices/{invoiceId}/write-offs`, fn: 'invoices', handler: 'writeOffBalance', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/receipts`, fn: 'receipts', handler: 'listReceipts', auth: AUTH.jwt },
  { method: 'POST', path: `${P}/receipts/{receiptId}/send`, fn: 'receipts', handler: 'resendReceipt', auth: AUTH.jwt },
  { method: 'GET', path: '/r/{token}', fn: 'receipt-page', handler: 'receiptPage', auth: AUTH.public },
  { method: 'GET', path: '/p/{practiceId}', fn: 'storefront', handler: 'storefrontPage', auth: AUTH.public },
  { method: 'GET', path: '/p/{practiceId}/success', fn: 'storefront', handler: 'successPage', auth: AUTH.public },
  { method: 'POST', path: '/p/{practiceId}/packages/{packageId}/checkout', fn: 'storefront', handler: 'startCheckout', auth: AUTH.public },
  { method: 'POST', path: '/webhooks/stripe', fn: 'stripe-webhook', handler: 'handler', auth: AUTH.stripeSignature },
  // The staff web app; API Gateway routes `/app/` to `/app` too (no route path may end in '/').
  { method: 'GET', path: '/app', fn: 'web-app', handler: 'appShell', auth: AUTH.public },
  { method: 'GET', path: '/app/{asset+}', fn: 'web-app', handler: 'appAsset', auth: AUTH.public },
  { method: 'POST', path: `${P}/stripe/onboarding`, fn: 'stripe-connect', handler: 'startOnboarding', auth: AUTH.jwt },
  { method: 'GET', path: `${P}/stripe`, fn: 'stripe-connect', handler: 'getStripeStatus', auth: AUTH.jwt },
  { method: 'DELETE', path: `${P}/stripe`, fn: 'stripe-connect', handler: 'releaseStripeAccount', auth: AUTH.jwt },
  { method: 'GET', path: '/p/{practiceId}/stripe/{step}', fn: 'stripe-connect', handler: 'onboardingReturnPage', auth: AUTH.public },
];

export const RULES: readonly RuleSpec[] = [
  { detailType: 'ClaimAdjudicated', fn: 'balance-invoicer' },
  // Balance invoices held while the practice's Stripe account could not charge go out once it can.
  { detailType: 'StripeAccountUpdated', fn: 'balance-invoicer' },
  { detailType: 'PaymentSucceeded', fn: 'receipt-issuer' },
  // A balance paid just before a plan's void of it reached Stripe: the claim is planned again (bug 100).
  { detailType: 'PaymentSucceeded', fn: 'balance-invoicer' },
  { detailType: 'PaymentRefunded', fn: 'receipt-issuer' },
  // A patient balance that waited for a payer, released by staff ("bill the patient now"): billed at once.
  { detailType: 'PatientBalanceReleased', fn: 'balance-invoicer' },
];

export const SCHEDULES: readonly ScheduleSpec[] = [
  { fn: 'credit-expirer', expression: 'rate(1 hour)', description: 'Mark package credits past their expiry' },
  { fn: 'invoice-reminder', expression: 'rate(1 day)', description: 'Remind clients of unpaid balance invoices' },
  { fn: 'stripe-reconciler', expression: 'rate(1 hour)', description: 'Apply Stripe events the webhook missed' },
  // A step of the balance invoicer, not a function of its own: it sends what the invoicer sends, with
  // its Stripe and SES grants, inside its reserved concurrency (Stripe's rate limit).
  { fn: 'balance-invoicer', expression: 'rate(1 hour)', description: 'Send held balance invoices whose reason is gone (a lost event)' },
];

/** Detail-types a consumer or integrator may see on the bus; documented in docs/events.md. */
export const EVENT_SOURCE = 'kneadpay' as const;
