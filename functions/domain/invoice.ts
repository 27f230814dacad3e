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

/**
 * Why staff wrote a patient balance off (`POST …/invoices/{invoiceId}/write-offs`): a hardship or
 * courtesy waiver, a balance too small to collect, a bad debt, or another reason the note explains.
 * A fixed list, so reports can count them; the free-text note stays in kneadpay (never on the bus or on Stripe).
 */
export const WRITE_OFF_REASONS = ['hardship', 'courtesy', 'small_balance', 'bad_debt', 'other'] as const;
export type WriteOffReason = (typeof WRITE_OFF_REASONS)[number];

/** A staff decision to stop collecting what a balance invoice still asks for (docs/decisions/014-write-offs.md). */
export interface WriteOffRequest {
  writeOffId: string;
  reason: WriteOffReason;
  note: string | null;
  /** Who decided (the token's subject), and when they asked. */
  writtenOffBy: string;
  requestedAt: string;
}

/** A write-off done: the balance forgiven (`amountCents`), the invoice closed on Stripe or never sent. */
export interface WriteOff extends WriteOffRequest {
  amountCents: number;
  writtenOffAt: string;
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
  /** The balance was paid at the practice instead of on Stripe (`POST …/desk-payments`). */
  deskPayment?: DeskPayment;
  /**
   * Staff asked to write the balance off and kneadpay is closing the invoice on Stripe (voiding it):
   * recorded before the Stripe call, so a retry after a crash finishes the same write-off.
   */
  writeOffRequest?: WriteOffRequest;
  /** The balance was written off (status `void`, shown `written_off`): forgiven, never collected. */
  writeOff?: WriteOff;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** The account a balance invoice's Stripe objects live on: its own record, else the practice's current one. */
export const invoiceStripeAccount = (invoice: Pick<BalanceInvoice, 'stripeAccountId'>, practice: { stripeAccountId?: string | null | undefined }): string | null =>
  invoice.stripeAccountId !== undefined ? invoice.stripeAccountId : (practice.stripeAccountId ?? null);
