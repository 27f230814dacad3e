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
 * The desk is taking a balance whose Stripe draft exists (held as `awaiting_stripe` after Stripe made
 * it, bug 92): recorded before the draft is deleted, so a send that then finds the draft gone stops
 * quietly, and the desk request's retry after a crash between the delete and the record finishes it
 * (bug 101). `stripeInvoiceId`: the draft it deletes.
 */
export interface DeskPaymentRequest {
  paymentId: string;
  stripeInvoiceId: string;
  requestedAt: string;
  /**
   * What staff recorded (recorded with the request since audit f3): the balance invoicer's hourly
   * sweep finishes a request that died between the delete and the record with them (core/invoicing/sweep.ts).
   */
  method?: DeskPaymentMethod;
  amountCents?: number;
  /** The draft could not be deleted: its account's owner disconnected kneadpay (never payable, never sent; left there). */
  draftLeftOnAccount?: boolean;
}

/** A dispute of a balance payment: Stripe's id and status (Dispute.status), the amount disputed, when Stripe last moved it. */
export interface BalanceDispute {
  disputeId: string;
  status: string;
  amountCents: number;
  updatedAt: string;
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
  /**
   * Set on a partial write-off's request only (`amountCents` less than the invoice still asks for):
   * the part forgiven. Absent: all of what the invoice still asks for.
   */
  amountCents?: number;
}

/**
 * Whether staff asked to write off all of what the invoice asks for and it is not recorded yet (a
 * partial write-off's request, with `amountCents`, leaves the rest owed: the invoice is still sent and
 * emailed). A cleared request is `null`.
 */
export const writeOffAskedInFull = <T extends { writeOffRequest?: WriteOffRequest | null }>(invoice: T): invoice is T & { writeOffRequest: WriteOffRequest } =>
  !!invoice.writeOffRequest && invoice.writeOffRequest.amountCents === undefined;

/** A write-off done: the balance forgiven (`amountCents`), the invoice closed on Stripe or never sent. */
export interface WriteOff extends WriteOffRequest {
  amountCents: number;
  writtenOffAt: string;
  /**
   * The invoice's Stripe draft could not be deleted: its account's owner disconnected kneadpay
   * (never payable, never sent by kneadpay; left there, as a desk payment of it leaves it).
   */
  draftLeftOnAccount?: boolean;
}

/**
 * Part of a balance written off (docs/decisions/014-write-offs.md, "Part of a balance"): the invoice
 * stays as it was (open on Stripe, or held) and asks `amountCents` less — on Stripe through a
 * pre-payment credit note (`creditNoteId`; null for a held invoice, never on Stripe then).
 */
export interface PartialWriteOff extends WriteOff {
  creditNoteId: string | null;
  /**
   * When its credit note was voided on Stripe (`credit_note.voided`: the invoice asks the amount
   * again): the write-off is reversed, its record kept. Absent while it stands.
   */
  voidedAt?: string;
}

/** What staff wrote off of an invoice: its partial write-offs that stand (not voided) and its write-off of the rest, if any. */
export const amountWrittenOffCents = (invoice: Pick<BalanceInvoice, 'writeOff' | 'partialWriteOffs'>): number =>
  (invoice.writeOff?.amountCents ?? 0) + (invoice.partialWriteOffs ?? []).reduce((sum, part) => sum + (part.voidedAt ? 0 : part.amountCents), 0);

/** An invoice for a claim's patient balance, and how far its Stripe saga has come. */
export interface BalanceInvoice {
  invoiceId: string;
  practiceId: string;
  claimId: string;
  clientId: string;
  /** 1, 2, … per claim: the n-th invoice kneadpay decided to send for this claim. */
  seq: number;
  /** What the invoice asks for: the amount billed, less its partial write-offs (`partialWriteOffs`). */
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
  /**
   * The client paid this invoice before a plan's void of it reached Stripe (bug 91): the balance
   * invoicer plans the claim again when the payment's `PaymentSucceeded` arrives (bug 100).
   */
  paidOverVoid?: boolean;
  /** The balance was paid at the practice instead of on Stripe (`POST …/desk-payments`). */
  deskPayment?: DeskPayment;
  /** The desk is deleting the invoice's Stripe draft to record a desk payment (core/desk-payments.ts). */
  deskPaymentRequest?: DeskPaymentRequest;
  /**
   * Staff asked to write the balance off and kneadpay is closing the invoice on Stripe (voiding it):
   * recorded before the Stripe call, so a retry after a crash finishes the same write-off.
   */
  writeOffRequest?: WriteOffRequest;
  /** The balance was written off (status `void`, shown `written_off`): forgiven, never collected. */
  writeOff?: WriteOff;
  /**
   * Parts of the balance written off while the invoice goes on asking for the rest, oldest first.
   * Each lowered `amountDueCents` (what the invoice asks for) by its amount; `amountWrittenOffCents`
   * sums them with `writeOff`.
   */
  partialWriteOffs?: PartialWriteOff[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * A balance invoice as a plan first decides it: pending, nothing on Stripe yet, nothing paid, sent or
 * reminded (core/invoicing/plan.ts).
 */
export const pendingInvoice = (of: { invoiceId: string; practiceId: string; claimId: string; clientId: string; currency: string }, seq: number, amountCents: number, now: Date): BalanceInvoice => ({
  ...of,
  seq,
  amountDueCents: amountCents,
  amountPaidCents: 0,
  status: 'pending',
  voidRequested: false,
  stripeInvoiceId: null,
  stripeInvoiceItemId: null,
  hostedInvoiceUrl: null,
  dueAt: null,
  emailedAt: null,
  remindersSent: [],
  paymentFailures: [],
  paidAt: null,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  version: 0,
});

/** The account a balance invoice's Stripe objects live on: its own record, else the practice's current one. */
export const invoiceStripeAccount = (invoice: Pick<BalanceInvoice, 'stripeAccountId'>, practice: { stripeAccountId?: string | null | undefined }): string | null =>
  invoice.stripeAccountId !== undefined ? invoice.stripeAccountId : (practice.stripeAccountId ?? null);

// The hold rule --------------------------------------------------------------------------------
// One rule for the three reasons a balance invoice is kept from going out (bug 89 came from the
// same question answered in six places). The stored flags stay as they are: this reads them.

/** Why a balance invoice is kept from going out, in the order one is shown when several are recorded. */
export const INVOICE_HOLDS = ['below_minimum', 'needs_email', 'awaiting_stripe'] as const;
export type InvoiceHold = (typeof INVOICE_HOLDS)[number];

/** What a hold means for the rest of kneadpay. */
export interface InvoiceHoldRule {
  /** The invoice attribute that records it (stored since the hold was added; read, never migrated). */
  flag: 'belowMinimum' | 'needsEmail' | 'awaitingStripe';
  /**
   * What sends the invoice on once the reason is gone: the client's email (`PATCH …/clients/{c}`),
   * the practice's connected account able to charge (`StripeAccountUpdated`), or nothing (the
   * amount never changes: it never goes to Stripe). The hourly sweep of the balance invoicer
   * resumes the first two too, when their event was lost.
   */
  resumedBy: 'client_email' | 'account_can_charge' | null;
  /** Staff may record it paid at the desk — only while nothing of it is on Stripe. */
  settledAtDesk: boolean;
}

export const INVOICE_HOLD_RULES: Readonly<Record<InvoiceHold, InvoiceHoldRule>> = {
  below_minimum: { flag: 'belowMinimum', resumedBy: null, settledAtDesk: true },
  needs_email: { flag: 'needsEmail', resumedBy: 'client_email', settledAtDesk: false },
  awaiting_stripe: { flag: 'awaitingStripe', resumedBy: 'account_can_charge', settledAtDesk: true },
};

/** What the hold rule reads of an invoice. */
export type InvoiceHoldView = Pick<BalanceInvoice, 'status' | 'needsEmail' | 'belowMinimum' | 'awaitingStripe' | 'stripeInvoiceId' | 'emailedAt' | 'voidRequested'>;

const stillGoingOut = (invoice: InvoiceHoldView) => (invoice.status === 'pending' || invoice.status === 'draft' || invoice.status === 'open') && !invoice.emailedAt;

/**
 * Every hold recorded on an invoice that has not reached its client yet (not emailed, not settled),
 * the shown one first. A flag stays until the email is sent (bug 89): a resume after a crash on the
 * way finds the invoice by it. Empty once the invoice is emailed, paid, void or uncollectible.
 */
export const invoiceHolds = (invoice: InvoiceHoldView): InvoiceHold[] => (stillGoingOut(invoice) ? INVOICE_HOLDS.filter((hold) => invoice[INVOICE_HOLD_RULES[hold].flag] === true) : []);

/** The hold the invoice is under (the first of `invoiceHolds`), or null. */
export const invoiceHold = (invoice: InvoiceHoldView): InvoiceHold | null => invoiceHolds(invoice)[0] ?? null;

/**
 * Held as `awaiting_stripe` with its Stripe draft made (charges turned off between the create and the
 * finalize, bug 92; or a resume on its way): pending or a draft, not finalized. A draft is never
 * payable and Stripe sends nothing for it (docs.stripe.com/api/invoices/delete), so it is held as
 * one not yet made on Stripe is, until the finalize (bug 101).
 */
const heldDraftOnStripe = (invoice: InvoiceHoldView): boolean =>
  !!invoice.stripeInvoiceId && (invoice.status === 'pending' || invoice.status === 'draft') && invoiceHolds(invoice).includes('awaiting_stripe');

/**
 * The hold shown as the invoice's status (`GET …/invoices`): while it is pending and nothing of it
 * is on Stripe; and `awaiting_stripe` for its Stripe draft until the finalize, as the claim's view
 * shows it (bug 101). Otherwise, once Stripe made it, the invoice is on its way (its flag kept for a
 * resume) and shows its own status.
 */
export const shownInvoiceHold = (invoice: InvoiceHoldView): InvoiceHold | null => {
  const hold = invoiceHold(invoice);
  if (hold && invoice.status === 'pending' && !invoice.stripeInvoiceId) return hold;
  return heldDraftOnStripe(invoice) ? 'awaiting_stripe' : null;
};

/**
 * Whether staff may record the invoice paid at the desk (`POST …/desk-payments`): not being voided,
 * and either pending with nothing of it on Stripe and held for a reason that allows it (below the
 * minimum charge, or the account cannot charge; an invoice waiting for an email goes out once it
 * has one), or held as `awaiting_stripe` with a Stripe draft not yet finalized — the desk deletes
 * the draft first (core/desk-payments.ts; bug 101).
 */
export const invoiceSettledAtDesk = (invoice: InvoiceHoldView): boolean =>
  !invoice.voidRequested && ((invoice.status === 'pending' && !invoice.stripeInvoiceId && invoiceHolds(invoice).some((hold) => INVOICE_HOLD_RULES[hold].settledAtDesk)) || heldDraftOnStripe(invoice));

/** Whether the desk payment must first delete the invoice's Stripe draft (a held draft, bug 101). */
export const deskPaymentDeletesDraft = (invoice: InvoiceHoldView): boolean => heldDraftOnStripe(invoice);

/**
 * Whether the invoice keeps the practice's Stripe account from being released (`DELETE
 * …/stripe`; on a disconnected account: named in `leftOpen`). An invoice Stripe made is on the
 * account; one not yet made counts too — it may be sent on the account any moment — unless it is held
 * for a reason that keeps it off Stripe there (below the minimum charge; the account cannot charge).
 */
export const invoiceKeepsAccountOpen = (invoice: InvoiceHoldView): boolean =>
  !!invoice.stripeInvoiceId || !invoiceHolds(invoice).some((hold) => hold === 'below_minimum' || hold === 'awaiting_stripe');

/**
 * Where a practice's balance invoices would be charged now: the platform's own account (never
 * onboarded, or its account released), or its connected account, able to charge or not.
 */
export type ChargingAccount = 'platform' | 'connected_can_charge' | 'connected_cannot_charge';

/**
 * Whether the account keeps the invoice off Stripe (`awaiting_stripe`): a connected account that
 * cannot charge would take no payment on it (Stripe: `charges_enabled` false). An invoice already
 * held also stays held once the account is released: it waits for the practice's next connected
 * account rather than going out on the platform's, where its payment would land in the platform's
 * Stripe balance (docs/decisions/006: the practice is the merchant of its balances); the desk may
 * take it meanwhile.
 */
export const heldForAccount = (invoice: InvoiceHoldView, account: ChargingAccount): boolean =>
  account === 'connected_cannot_charge' || (account === 'platform' && invoiceHolds(invoice).includes('awaiting_stripe'));
