/**
 * X12 835 (005010X221A1) electronic remittance advice: read, check and write. Pure: no I/O.
 * See docs/era.md.
 */
export { EraParser, ERA_TRANSACTION_SET } from './EraParser';
export { parseEra, readEra } from './parse';
export { toPinnedClaimJson } from './pinned';
export type { PinnedAdjustment, PinnedClaim, PinnedLine } from './pinned';
export { applyFileProblems, claimBalanceProblems, patientShareCents, paymentBalanceProblems } from './balance';
export { serializeEra, serializeEraSegments } from './serialize';
export type { EraAdjustmentInput, EraClaimInput, EraDocumentInput, EraLineInput, EraPaymentInput, ProviderAdjustmentInput } from './serialize';
export { DEFAULT_DELIMITERS, ISA_LENGTH, readDelimiters } from './delimiters';
export { EraParseError, isEraParseError } from './errors';
export type { EraErrorLocation } from './errors';
export { ADJUSTMENT_GROUPS, CLAIM_STATUSES, NON_PAYMENT_STATUS_CODES, REVERSAL_STATUS_CODE, adjudicatesPayment, claimStatusName, isAdjustmentGroup } from './status';
export type { AdjustmentGroup, ClaimStatus } from './status';
export type { Delimiters, EraAdjustment, EraClaim, EraLine, EraPatient, EraPayment, EraPaymentSummary, EraRemittance, EraSummary, ProviderAdjustment } from './model';
