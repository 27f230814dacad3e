import type { AdjustmentGroup, ClaimStatus } from './status';

/**
 * The delimiters of an interchange, read from its ISA segment (never assumed).
 * `lineBreak` is what follows each terminator (`''`, `'\n'`, `'\r\n'`): the parser accepts any of
 * them on input; the serializer writes the one given.
 */
export interface Delimiters {
  /** The 4th character of the file. */
  element: string;
  /** ISA16. */
  component: string;
  /** ISA11 from version 00501 on; null for older interchanges, where ISA11 is a standards id. */
  repetition: string | null;
  /** The character after ISA16. */
  segment: string;
  lineBreak: string;
}

/** One CAS reason/amount pair. Key order is the pinned output's (SPEC.md §2). */
export interface EraAdjustment {
  group: AdjustmentGroup;
  /** CARC, e.g. `45`, `1`, `B15`. */
  reason: string;
  amountCents: number;
}

/** A service line: one SVC loop. */
export interface EraLine {
  /** 1-based position of the line in its claim (what `line N` in problems refers to). */
  lineNumber: number;
  /** The SVC segment's number in the file. */
  segmentNumber: number;
  /** SVC01-1: HC (CPT/HCPCS), NU (revenue code), … */
  qualifier: string;
  /** SVC01-2: the code as adjudicated. */
  procedureCode: string;
  /** SVC01-3 … SVC01-6. */
  modifiers: string[];
  /** SVC01-7. */
  description: string | null;
  chargeCents: number;
  paidCents: number;
  /** SVC04 (NUBC revenue code), mostly institutional. */
  revenueCode: string | null;
  /** SVC05 paid units; 1 when absent, as the guide says. */
  units: number;
  /** SVC06-2: the code originally billed, when the payer changed it. */
  originalProcedureCode: string | null;
  originalModifiers: string[];
  /** SVC07: units originally billed, when they differ. */
  originalUnits: number | null;
  /** DTM*472, else DTM*150 (service period start), else the claim's DTM*232; YYYY-MM-DD. */
  serviceDate: string | null;
  /** AMT*B6; null when absent. Informational: not part of balancing. */
  allowedCents: number | null;
  /** REF*6R: the line item control number we sent. */
  controlNumber: string | null;
  adjustments: EraAdjustment[];
  /** Σ PR adjustments on the line. */
  patientResponsibilityCents: number;
}

export interface EraPatient {
  lastName: string;
  firstName: string | null;
  memberId: string | null;
}

/**
 * One payment in an 835: an ST/SE transaction set (a file usually holds one). Its trace number is
 * part of every idempotency key for the remittance.
 */
export interface EraPayment {
  /** 0-based position of the transaction set in the file. */
  index: number;
  /** ST02. */
  transactionSetControlNumber: string;
  /** TRN02: the check or EFT trace number. */
  traceNumber: string;
  /** TRN03: the payer's originating company id (`1` + EIN). */
  originatorId: string | null;
  /** N1*PR N102. */
  payerName: string;
  /** N1*PR N104, else REF*2U in the payer loop, else TRN03. */
  payerId: string | null;
  /** N1*PE N102. */
  payeeName: string | null;
  /** N1*PE N104 (NPI or TIN). */
  payeeId: string | null;
  /** BPR01: I (remittance and payment), H (notification only), … */
  handlingCode: string;
  /** BPR02, negative when BPR03 = D (the provider is debited). */
  paymentCents: number;
  /** BPR04: ACH, CHK, BOP, FWT, NON. */
  paymentMethod: string | null;
  /** BPR16 as YYYY-MM-DD. */
  paidAt: string | null;
}

/** PLB: money withheld from (positive) or added to (negative) the payment, not claim A/R. */
export interface ProviderAdjustment {
  segmentNumber: number;
  /** PLB01. */
  providerId: string;
  /** PLB02 as YYYY-MM-DD. */
  fiscalPeriodDate: string | null;
  /** PLB03-1 etc.: WO (overpayment recovery), L6 (interest), FB (forwarding balance), … */
  reason: string;
  /** PLB03-2 etc.: usually the claim or account the adjustment is about. */
  reference: string | null;
  amountCents: number;
}

/** One claim payment: a CLP loop, checked against DOMAIN.md §4. */
export interface EraClaim {
  /** The CLP segment's number in the file. */
  segmentNumber: number;
  /** The payment (transaction set) this claim belongs to. */
  payment: EraPayment;
  /** CLP01: our claim id, echoed from CLM01. */
  patientControlNumber: string;
  /** CLP02. */
  statusCode: string;
  status: ClaimStatus;
  /** CLP03. */
  chargeCents: number;
  /** CLP04. */
  paidCents: number;
  /** CLP05; 0 when absent. */
  reportedPatientResponsibilityCents: number;
  /** Σ PR adjustments at claim and line level: the only amount a patient may be billed. */
  patientResponsibilityCents: number;
  /** CLP06. */
  claimFilingIndicator: string | null;
  /** CLP07. */
  payerClaimControlNumber: string | null;
  /** NM1*QC. */
  patient: EraPatient | null;
  /** DTM*232 (claim statement period start), YYYY-MM-DD. */
  serviceDate: string | null;
  claimAdjustments: EraAdjustment[];
  lines: EraLine[];
  /** False when any balancing rule failed: the claim is quarantined, never invoiced. */
  balanced: boolean;
  problems: string[];
}

/** The totals of one payment, known once its SE is read. */
export interface EraPaymentSummary {
  payment: EraPayment;
  claimCount: number;
  /** Σ CLP04. */
  claimsPaidCents: number;
  providerAdjustments: ProviderAdjustment[];
  /** Σ PLB amounts. */
  providerAdjustmentCents: number;
  /** File-level balancing (`BPR02 = Σ CLP04 − Σ PLB`); empty when it holds. */
  problems: string[];
}

/** What the whole file held, known once IEA is read. */
export interface EraSummary {
  /** ISA13. */
  interchangeControlNumber: string;
  delimiters: Delimiters;
  payments: EraPaymentSummary[];
  claimCount: number;
  /** Every payment's file-level problems, in file order. */
  fileProblems: string[];
}

/** A whole 835 read at once (see `parseEra`). */
export interface EraRemittance extends EraSummary {
  /** The first (usually the only) payment. */
  header: EraPayment;
  /** In file order, with file-level problems already applied (see `applyFileProblems`). */
  claims: EraClaim[];
  /** Every PLB of every payment, in file order. */
  providerAdjustments: ProviderAdjustment[];
}
