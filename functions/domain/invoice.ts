import type { InvoiceStatus } from './patient-share';

/** An invoice for a claim's patient balance, and how far its Stripe saga has come. */
export interface BalanceInvoice {
  invoiceId: string;
  practiceId: string;
  claimId: string;
  clientId: string;
  /** 1, 2, … per claim: the n-th invoice kneadpay decided to send for this claim. */
  seq: number;
  amountDueCents: number;
  amountPaidCents: number;
  currency: string;
  status: InvoiceStatus;
  /** Set when a later adjustment decided to void it; the saga voids it on Stripe. */
  voidRequested: boolean;
  /**
   * The client has no email, so Stripe cannot send the invoice (`send_invoice` needs one): the saga
   * waits, with no Stripe call, until the client has one. Shown as status `needs_email`.
   */
  needsEmail?: boolean;
  /**
   * The amount is below Stripe's minimum charge for the currency (domain/charge-minimum.ts): Stripe
   * would mark the invoice paid with nothing paid and add the amount to the client's next Stripe
   * invoice, so it is not sent to Stripe. Shown as status `below_minimum`.
   */
  belowMinimum?: boolean;
  stripeInvoiceId: string | null;
  stripeInvoiceItemId: string | null;
  hostedInvoiceUrl: string | null;
  dueAt: string | null;
  emailedAt: string | null;
  remindersSent: number[];
  paymentFailures: string[];
  paymentIntentId: string | null;
  paidAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}
