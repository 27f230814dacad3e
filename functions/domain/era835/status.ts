/**
 * CLP02 claim status codes (X12 005010X221A1) and the names kneadpay shows for them (SPEC.md §2).
 * Status comes from this code only, never from the dollars: $0 paid with everything in PR-1 is a
 * processed claim applied to the deductible, not a denial.
 */
export const CLAIM_STATUSES = {
  '1': 'processed_primary',
  '2': 'processed_secondary',
  '3': 'processed_tertiary',
  '4': 'denied',
  // Code 5 ("pended") was dropped from the 5010 guide but still arrives from older payer systems;
  // SPEC.md §2 names it, so it keeps its meaning instead of falling into "other".
  '5': 'pended',
  '19': 'processed_primary_forwarded',
  '20': 'processed_secondary_forwarded',
  '21': 'processed_tertiary_forwarded',
  '22': 'reversal',
  '23': 'not_our_claim',
  '25': 'predetermination',
} as const;

export type ClaimStatus = (typeof CLAIM_STATUSES)[keyof typeof CLAIM_STATUSES] | 'other';

/**
 * CLP02 codes that adjudicate no payment: 25, a predetermination (the payer priced a service not
 * yet given), and 23, "not our claim" (the payer declines to process it). They are recorded and
 * shown with the claim, but bill the patient nothing and move nothing in the ledger.
 */
export const NON_PAYMENT_STATUS_CODES: ReadonlySet<string> = new Set(['23', '25']);

/** Whether an adjudication with this CLP02 code decides money (everything but 23 and 25). */
export const adjudicatesPayment = (statusCode: string | undefined): boolean => !NON_PAYMENT_STATUS_CODES.has(String(statusCode));

/** CLP02 of a reversal of a previous payment: its amounts are the original's, negated. */
export const REVERSAL_STATUS_CODE = '22';

/** The status name for a CLP02 code; `other` for a code outside the 835 guide. */
export const claimStatusName = (code: string): ClaimStatus => (Object.hasOwn(CLAIM_STATUSES, code) ? CLAIM_STATUSES[code as keyof typeof CLAIM_STATUSES] : 'other');

/**
 * CAS01 claim adjustment group codes. Only PR may ever be billed to the patient; CO is the
 * provider's write-off. CR (legacy corrections) is accepted on input.
 */
export const ADJUSTMENT_GROUPS = {
  contractualObligation: 'CO',
  patientResponsibility: 'PR',
  other: 'OA',
  payerInitiated: 'PI',
  correction: 'CR',
} as const;

export type AdjustmentGroup = (typeof ADJUSTMENT_GROUPS)[keyof typeof ADJUSTMENT_GROUPS];

const GROUP_CODES: ReadonlySet<string> = new Set(Object.values(ADJUSTMENT_GROUPS));

export const isAdjustmentGroup = (code: string): code is AdjustmentGroup => GROUP_CODES.has(code);
