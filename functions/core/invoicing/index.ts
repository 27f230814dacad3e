/**
 * Balance invoicing, one idea a file: `plan` (what to bill, once per state of the claim),
 * `stripe-saga` (one invoice through Stripe), `notify` (issued and emailed once; waiting for an
 * email), `resume` (after staff add one, or once the practice's Stripe account can charge), `sweep` (the hourly
 * resume of every held invoice whose reason is gone, when its event was lost), `refunds` (overpayments paid out), `holds` (a balance
 * waiting for a payer, released by staff or the sweep's timeout), `consumer` (the balance invoicer); `deps` holds what they need. Import from here: `core/invoicing`.
 */
export { INVOICE_INNER_STEPS, INVOICE_STEPS, REFUND_STEPS, type InvoiceStep, type InvoicingDeps, type RefundStep } from './deps';
export { BALANCE_LINE_DESCRIPTION, driveInvoice } from './stripe-saga';
export { resumeInvoicesAwaitingEmail, resumeInvoicesAwaitingStripe } from './resume';
export { invoiceClaimBalance, replanAfterPaymentOverVoid } from './consumer';
export { sweepHeldInvoices, sweepPracticeHeldInvoices, type PracticeSweep } from './sweep';
export { billReleasedBalance, releaseOverdueBalanceHolds } from './holds';
export { releaseBalanceHold, type BalanceReleaseOutcome } from './release';
