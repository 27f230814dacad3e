/** A practice's client and their ledger. Pure types: `store/clients.ts` keeps them in DynamoDB. */

export interface Client {
  clientId: string;
  practiceId: string;
  /** null: staff registered the client without one (a balance invoice then waits: `needs_email`). */
  email: string | null;
  name: string;
  stripeCustomerId: string | null;
  /**
   * The Stripe account the Customer lives on (`null`: the platform's; a Customer belongs to one
   * account). Undefined on clients recorded before practices connected their own accounts.
   */
  stripeCustomerAccount?: string | null;
  /** The email kneadpay last set on the Stripe Customer (the Customer is updated when it differs). */
  stripeCustomerEmail?: string | null;
  /** When kneadpay first asked Stripe for the customer (set before the call: a crash may hide its answer). */
  stripeCustomerRequestedAt?: string;
  /** What the client owes the practice, in minor units (negative: the practice holds a credit). */
  balanceCents: number;
  currency: string;
  createdAt: string;
  /**
   * Who typed the name: `staff` (registered or corrected by the practice) or `storefront` (an
   * anonymous buyer). A storefront buyer never overwrites a name; staff always may. Absent on
   * clients saved before it existed: `staff`.
   */
  nameSource?: 'staff' | 'storefront';
  /**
   * True while the client exists only because a storefront buyer started a checkout that is not
   * paid: the client and its email pointer carry the open purchase's TTL and vanish with it unless
   * the payment or the practice confirms them.
   */
  provisional?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Ledger: every money or credit movement of a client is an entry; the client's balance is their sum.

export const LEDGER_KINDS = [
  'package_sale',
  'payment',
  'refund',
  'sale_adjustment',
  'chargeback',
  'chargeback_reversed',
  'credits_frozen',
  'credits_restored',
  'credits_voided',
  'credits_expired',
  'redemption',
  'redemption_cancelled',
  'claim_charge',
  'insurer_payment',
  'contractual_writeoff',
  'overpayment_refund',
  'copay_payment',
  // The part of an overpayment refund no payment could take back: it stays the client's credit.
  'overpayment_refund_not_paid',
  // A later payer's adjudication (coordination of benefits): the patient's share moves to what it decided.
  'cob_adjustment',
  // Staff corrected the client's name or email (amount 0): the audit trail of who the client is.
  'client_corrected',
  // Staff wrote off what a balance invoice still asked for (the patient's share forgiven; not CO, the payer's).
  'balance_writeoff',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntry {
  entryId: string;
  clientId: string;
  kind: LedgerKind;
  /** Positive: the client owes more; negative: the client owes less. */
  amountCents: number;
  currency: string;
  /** Credits moved by this entry (redemptions, voids), when it is about credits. */
  sessionsDelta?: number;
  at: string;
  /** The kneadpay or Stripe id this entry is about (purchase, invoice, refund, appointment). */
  ref: string;
  /** `client_corrected`: what changed, from what to what. */
  changes?: Partial<Record<'name' | 'email', { from: string | null; to: string | null }>>;
}
