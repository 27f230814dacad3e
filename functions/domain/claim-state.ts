/**
 * A claim's life, one state machine (docs/claims.md):
 *
 *   draft → ready → submitted → accepted | rejected → adjudicated → closed
 *
 * - draft: something an 837P needs is missing or invalid (`problems` names each field);
 * - ready: every element the 837P 005010X222A1 requires is present and valid;
 * - submitted: in an 837P batch (`batchId`);
 * - accepted: a 999 accepted its transaction set (A/E) or a 277CA put it into adjudication (A1/A2);
 * - rejected: a 999 rejected the set, or a 277CA returned the claim (A3/A6/A7/A8) — with the reason;
 *   fixed, it can be batched again;
 * - adjudicated: an 835 decided it (the patient's share is then invoiced);
 * - closed: the balance invoice is paid. A reversal in a later 835 reopens it (adjudicated).
 *
 * Claims registered without a payer (sent to the payer outside kneadpay) start `submitted`.
 * Corrections are new claims with frequency code 7 (replacement) or 8 (void) carrying REF*F8.
 */
export const CLAIM_STATES = ['draft', 'ready', 'submitted', 'accepted', 'rejected', 'adjudicated', 'closed'] as const;
export type ClaimState = (typeof CLAIM_STATES)[number];

const NEXT: Record<ClaimState, readonly ClaimState[]> = {
  draft: ['draft', 'ready', 'submitted'],
  ready: ['draft', 'ready', 'submitted'],
  submitted: ['accepted', 'rejected', 'adjudicated'],
  accepted: ['accepted', 'rejected', 'adjudicated'],
  rejected: ['draft', 'ready', 'submitted', 'adjudicated'],
  adjudicated: ['adjudicated', 'closed'],
  closed: ['adjudicated', 'closed'],
};

export const canMove = (from: ClaimState, to: ClaimState): boolean => NEXT[from].includes(to);

/** States from which a claim may go into an 837P batch (after validation passes). */
export const BATCHABLE: readonly ClaimState[] = ['draft', 'ready', 'rejected'];

/** States an acknowledgement may move (a claim already decided by an 835 keeps its state). */
export const ACKNOWLEDGEABLE: readonly ClaimState[] = ['submitted', 'accepted'];
