import type { InvoiceStatus } from './patient-share';

/** How a balance was paid at the desk (`POST …/invoices/{invoiceId}/desk-payments`). */
export const DESK_PAYMENT_METHODS = ['cash', 'card_terminal', 'check'] as const;
export type DeskPaymentMethod = (typeof DESK_PAYMENT_METHODS)[number];

/** A balance paid at the practice (cash, a card terminal, a check): no Stripe payment behind it. */
export interface DeskPayment {
  paymentId: string;
  method: DeskPaymentMethod;
  amountCents: number;
  paidAt: string;
}

/** A dispute of a balance payment: Stripe's id and status (Dispute.status), the amount disputed, when Stripe last moved it. */
export interface BalanceDispute {
  disputeId: string;
  status: string;
  amountCents: number;
  updatedAt: string;
}

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
  /**
   * The practice's connected Stripe account cannot take charges (onboarding not finished, charges
   * turned off by Stripe, or the owner disconnected kneadpay): a hosted invoice on it could not be
   * paid, so the saga waits, with no Stripe call, until kneadpay records the account able to charge
   * (StripeAccountUpdated). Kept once sent (the resume finds an invoice a crash left on its way
   * until it is emailed). Shown as status `awaiting_stripe` while pending.
   */
  awaitingStripe?: boolean;
  stripeInvoiceId: string | null;
  /**
   * The Stripe account the invoice was made on (null: the platform's), recorded with
   * `stripeInvoiceId`: voiding it or refunding its payment goes to that account even after the
   * practice connected another one. Absent on invoices made before it was recorded: the practice's.
   */
  stripeAccountId?: string | null;
  stripeInvoiceItemId: string | null;
  hostedInvoiceUrl: string | null;
  dueAt: string | null;
  emailedAt: string | null;
  remindersSent: number[];
  paymentFailures: string[];
  paymentIntentId: string | null;
  paidAt: string | null;
  /**
   * Refunds of this invoice's payment made outside kneadpay (the Stripe Dashboard): their Stripe ids
   * (each recorded once) and their sum, which balance plans no longer count as paid. kneadpay's own
   * overpayment refunds are not here (the claim's `overpaymentSettledCents` counts those).
   */
  refundIds?: string[];
  amountRefundedCents?: number;
  /**
   * The dispute (chargeback, or the inquiry before one) of this invoice's payment, as Stripe last
   * said (a charge has at most one): shown by `GET …/invoices` so staff see a payment under dispute.
   * Only a lost one moves money: `amountDisputedCents`, what the cardholder's bank took back of the
   * payment, which balance plans no longer count as paid (docs/decisions/013-balance-disputes.md).
   */
  dispute?: BalanceDispute;
  amountDisputedCents?: number;
  /** The balance was paid at the practice instead of on Stripe (`POST …/desk-payments`). */
  deskPayment?: DeskPayment;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** The account a balance invoice's Stripe objects live on: its own record, else the practice's current one. */
export const invoiceStripeAccount = (invoice: Pick<BalanceInvoice, 'stripeAccountId'>, practice: { stripeAccountId?: string | null | undefined }): string | null =>
  invoice.stripeAccountId !== undefined ? invoice.stripeAccountId : (practice.stripeAccountId ?? null);
