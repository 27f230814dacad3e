/**
 * Receipts, one idea a file: `events` (what a receipt is issued for), `gather` (the facts it
 * states), `issue` (written once), `number` (gapless per practice), `deliver` (emailed once, resent
 * by hand), `consumer` (the receipt issuer), `list` (the practice's list); `deps` holds what they
 * need. Links are core/receipt-links.ts. Import from here: `core/receipts`.
 */
export { defaultReceiptDeps, ReceiptDataError, RECEIPT_STEPS, type NumberedReceipt, type ReceiptDeps, type ReceiptStep } from './deps';
export { parsePaymentRefunded, parsePaymentSucceeded, type PaymentRefundedDetail, type PaymentSucceededDetail } from './events';
export { issuePaymentReceipt, issueRefundReceipt } from './issue';
export { numberReceipt } from './number';
export { deliverReceipt, EMAIL_LEASE_MS, isPermanentEmailError, resendReceipt, type DeliveryOutcome } from './deliver';
export { handleReceiptEvent, type ReceiptEventEnvelope, type ReceiptEventOutcome } from './consumer';
export { listReceiptsView, type ReceiptListItem } from './list';
export { openReceiptLink, receiptLink, type OpenedReceipt } from '../receipt-links';
