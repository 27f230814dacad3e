/** Claims, the adjudications applied to them, and remittance files (835). */

export interface ClaimLine {
  procedureCode: string;
  modifiers: string[];
  minutes: number | null;
  units: number;
  chargeCents: number;
  /** 1-based pointers into the claim's diagnoses (SV107, CMS-1500 24E); absent: the first up to 4. */
  diagnosisPointers?: number[];
}

/** A claim the practice submitted to a payer. Its PHI (codes, payer) stays in kneadpay. */
export interface Claim {
  claimId: string;
  practiceId: string;
  clientId: string;
  payerName: string | null;
  dateOfService: string;
  placeOfService: string;
  diagnosisCodes: string[];
  lines: ClaimLine[];
  unitMethod: string;
  chargeCents: number;
  currency: string;
  /** Collected from the client before adjudication (copay at the visit, package credit applied). */
  collectedCents: number;
  status: string;
  /** Σ PR adjustments over every adjudication applied (original, reversal, correction). */
  patientResponsibilityCents: number;
  /** What kneadpay has invoiced the client for this claim so far. */
  invoicedCents: number;
  adjudicationCount: number;
  createdAt: string;
  // Claims out (837P / CMS-1500), present on claims registered with a payerId:
  /** The claim state machine (domain/claim-state.ts); claims without a payer start `submitted`. */
  state?: string;
  payerId?: string | null;
  renderingProvider?: { firstName: string; lastName: string; npi: string } | null;
  priorAuthorization?: string | null;
  referralNumber?: string | null;
  /** 1 original, 7 replacement, 8 void (CLM05-3). */
  frequencyCode?: '1' | '7' | '8';
  /** The claim this one replaces or voids, and the payer's claim control number for REF*F8. */
  correctionOf?: string | null;
  payerClaimControlNumber?: string | null;
  /** A secondary claim: the primary claim whose adjudication it carries to the coverage's secondary payer. */
  secondaryOf?: string | null;
  /** On a primary claim: its secondary claim, once registered (one per primary). */
  secondaryClaimId?: string | null;
  /**
   * The patient's balance waits for a payer still to adjudicate (docs/decisions/015-balance-holds.md):
   * why, and since when. Absent (or null) when nothing waits. Ends by itself once that payer's 835 is
   * applied, or by a release (`balanceRelease`).
   */
  balanceHold?: BalanceHold | null;
  /**
   * The last hold ended without the payer: staff billed the patient now, or the wait timed out. Once
   * set, the claim never waits for a payer again; a later payer's denial without PR still holds it
   * (`payer_denied`), and that hold's release replaces this one.
   */
  balanceRelease?: BalanceRelease | null;
  /** What keeps a draft claim out of an 837P: each names the field to fix. */
  problems?: { field: string; message: string }[];
  batchId?: string | null;
  /** The last acknowledgement (999 / 277CA) and, when rejected, the payer's reason. */
  acknowledgement?: { kind: string; verdict: string; reason: string | null; payerClaimControlNumber: string | null; at: string } | null;
}

/** Why and since when a claim's patient balance waits (the reasons: domain/patient-share.ts BALANCE_HOLD_REASONS). */
export interface BalanceHold {
  reason: 'forwarded_claim' | 'secondary_payer' | 'payer_denied';
  since: string;
}

/** A hold ended without its payer: by staff (`POST …/claims/{c}/bill-patient`) or by the hourly sweep past `billing.payerWaitDays`. */
export interface BalanceRelease {
  releasedBy: 'staff' | 'timeout';
  /** The token's subject for staff; `sweep` for the timeout. */
  actor: string;
  releasedAt: string;
  /** The hold it ended. */
  reason: BalanceHold['reason'];
  heldSince: string;
  /**
   * The adjudications (ids) set aside for this claim's balance: a `payer_denied` hold's release sets
   * the denying payer's adjudications aside (with those an earlier release set aside), so the
   * earlier payer's share is billed and a later adjudication of that payer still counts. Absent when none.
   */
  setAside?: string[];
}

/** One ClaimAdjudicated applied to a claim, keyed by its idempotency identity (SPEC §4). */
export interface Adjudication {
  adjudicationId: string;
  claimId: string;
  remittanceId: string;
  traceNumber: string;
  payerId: string | null;
  paidAt: string | null;
  payerClaimControlNumber: string | null;
  statusCode: string;
  status: string;
  chargeCents: number;
  paidCents: number;
  patientResponsibilityCents: number;
  claimAdjustments: { group: string; reason: string; amountCents: number }[];
  lines: {
    procedureCode: string;
    units: number;
    chargeCents: number;
    paidCents: number;
    allowedCents: number | null;
    adjustments: { group: string; reason: string; amountCents: number }[];
  }[];
  appliedAt: string;
  /**
   * The claim payment's place in its 835 file (0 the first CLP): every claim of one file is applied
   * at the same `appliedAt`, so it orders a reversal and the correction after it (bug 149). Absent
   * on adjudications applied before 2026-12-07's sixth session and on those not from a file.
   */
  filePosition?: number;
  /**
   * On a primary claim, an adjudication from its secondary payer (whose 835 names the visit's
   * CLM01): the secondary claim it answered. Absent on the primary payer's own.
   */
  answersClaimId?: string;
}

export interface QuarantinedClaim {
  patientControlNumber: string;
  problems: string[];
}

/** A provider-level adjustment (PLB): withheld from (positive) or added to (negative) a payment, never claim A/R. */
export interface RemittanceProviderAdjustment {
  /** PLB01 (the payee's NPI or TIN) and PLB02 (the fiscal period date). */
  providerId: string;
  fiscalPeriodDate: string | null;
  /** PLB03-1 etc.: WO overpayment recovery, L6 interest, FB forwarding balance, … */
  reason: string;
  /** PLB03-2 etc.: the claim or account it is about. */
  reference: string | null;
  amountCents: number;
}

/** One payment of a file (an ST/SE transaction set: its BPR and TRN), balanced as BPR02 = Σ CLP04 − Σ PLB. */
export interface RemittancePayment {
  traceNumber: string;
  payerId: string | null;
  payerName: string;
  /** BPR02. */
  paymentCents: number;
  paidAt: string | null;
  /** CLP segments of this payment, and Σ CLP04. */
  claims: number;
  claimsPaidCents: number;
  /** Σ PLB amounts, and each PLB adjustment. */
  providerAdjustmentCents: number;
  providerAdjustments: RemittanceProviderAdjustment[];
  /** The file-level balancing problem when BPR02 != Σ CLP04 − Σ PLB (its claims are then quarantined). */
  problems: string[];
}

export interface RemittanceSummary {
  remittanceId: string;
  /** The first payment's TRN02 (every payment's is in `payments`). */
  traceNumber: string;
  claims: number;
  matched: number;
  quarantined: QuarantinedClaim[];
  providerAdjustmentCents: number;
  paymentCents: number;
  paidAt: string | null;
  receivedAt: string;
  /** Every payment of the file, in file order (absent on remittances recorded before it was kept). */
  payments?: RemittancePayment[];
  /** Payments left out of `payments` to keep the record small (files with thousands of transaction sets). */
  paymentsOmitted?: number;
}
