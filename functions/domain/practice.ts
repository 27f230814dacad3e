/** A practice (a massage/bodywork business): its profile and billing choices. */

export const UNIT_METHODS = ['cms', 'per-code'] as const;
export const OVERPAYMENT_POLICIES = ['refund', 'credit'] as const;
/** A claim the payer processed and forwarded to the next payer: wait for that payer (`hold`), or bill now. */
export const FORWARDED_CLAIM_POLICIES = ['hold', 'invoice'] as const;
/** A claim the primary processed (CLP02 1) for a client with a secondary plan: wait for the secondary payer (`hold`), or bill now. */
export const SECONDARY_CLAIM_POLICIES = ['hold', 'invoice'] as const;
/**
 * Days a patient's balance waits for a payer still to adjudicate (a secondary or forwarded claim)
 * before the hourly sweep bills it on what the payers have said: 45 by default
 * (docs/decisions/015-balance-holds.md: about two weeks to file the secondary claim after the
 * primary's ERA, plus the 30 days prompt-payment rules give a payer for a clean electronic claim).
 */
export const DEFAULT_PAYER_WAIT_DAYS = 45;
export const RECEIPT_MODES = ['link', 'full'] as const;

export interface PracticeAddress {
  line1: string;
  line2?: string;
  city: string;
  state: string;
  postalCode: string;
  country: string;
}

export interface Practice {
  practiceId: string;
  name: string;
  email: string;
  phone?: string;
  address?: PracticeAddress;
  taxId?: string;
  npi?: string;
  licenseNumber?: string;
  /** The billing provider's NUCC taxonomy code (837P PRV*BI), e.g. 225700000X massage therapist. */
  taxonomyCode?: string;
  /** Who receives the practice's 837P files (ISA/GS sender and receiver ids, 1000A/1000B). */
  clearinghouse?: { name: string; receiverId: string; submitterId: string; usage: 'P' | 'T' };
  timezone: string;
  currency: string;
  stripeAccountId?: string;
  billing: {
    unitMethod: (typeof UNIT_METHODS)[number];
    invoiceDueDays: number;
    overpayment: (typeof OVERPAYMENT_POLICIES)[number];
    /** Absent on profiles saved before it existed: `hold`. */
    forwardedClaims?: (typeof FORWARDED_CLAIM_POLICIES)[number];
    /** Absent on profiles saved before it existed: `hold`. */
    secondaryClaims?: (typeof SECONDARY_CLAIM_POLICIES)[number];
    /** Absent on profiles saved before it existed: DEFAULT_PAYER_WAIT_DAYS. */
    payerWaitDays?: number;
    reminderDays: number[];
  };
  receipts: { mode: (typeof RECEIPT_MODES)[number]; linkLifetimeDays: number };
  createdAt: string;
  updatedAt: string;
}
