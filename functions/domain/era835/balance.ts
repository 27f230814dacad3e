import type { EraAdjustment, EraClaim, EraPaymentSummary, EraSummary } from './model';
import { ADJUSTMENT_GROUPS } from './status';

const sumAdjustments = (adjustments: readonly EraAdjustment[]): number => adjustments.reduce((sum, adjustment) => sum + adjustment.amountCents, 0);

/** Σ PR adjustments: the patient's share, the only group a patient may be billed for. */
export const patientShareCents = (adjustments: readonly EraAdjustment[]): number =>
  adjustments.reduce((sum, adjustment) => (adjustment.group === ADJUSTMENT_GROUPS.patientResponsibility ? sum + adjustment.amountCents : sum), 0);

type BalanceInput = Pick<EraClaim, 'chargeCents' | 'paidCents' | 'reportedPatientResponsibilityCents' | 'claimAdjustments'> & {
  lines: readonly Pick<EraClaim['lines'][number], 'chargeCents' | 'paidCents' | 'adjustments'>[];
};

/**
 * The claim's balancing problems (DOMAIN.md §4), empty when it balances:
 * - line N: SVC02 − Σ line CAS = SVC03;
 * - claim: CLP03 − Σ all CAS (claim and line level) = CLP04;
 * - patient: CLP05 = Σ PR adjustments (claim and line level).
 * Signs are taken as they are, so a reversal (all amounts negated) balances like its original.
 */
export const claimBalanceProblems = (claim: BalanceInput): string[] => {
  const problems: string[] = [];
  let lineAdjustmentCents = 0;
  let patientCents = patientShareCents(claim.claimAdjustments);
  claim.lines.forEach((line, index) => {
    const adjustmentCents = sumAdjustments(line.adjustments);
    lineAdjustmentCents += adjustmentCents;
    patientCents += patientShareCents(line.adjustments);
    if (line.chargeCents - adjustmentCents !== line.paidCents) {
      problems.push(`line ${index + 1}: charge ${line.chargeCents} - adjustments ${adjustmentCents} != paid ${line.paidCents}`);
    }
  });
  const adjustmentCents = sumAdjustments(claim.claimAdjustments) + lineAdjustmentCents;
  if (claim.chargeCents - adjustmentCents !== claim.paidCents) {
    problems.push(`claim: charge ${claim.chargeCents} - adjustments ${adjustmentCents} != paid ${claim.paidCents}`);
  }
  if (claim.reportedPatientResponsibilityCents !== patientCents) {
    problems.push(`patient: responsibility ${claim.reportedPatientResponsibilityCents} != PR adjustments ${patientCents}`);
  }
  return problems;
};

/** File-level balancing for one payment: BPR02 = Σ CLP04 − Σ PLB. */
export const paymentBalanceProblems = (totals: Pick<EraPaymentSummary, 'claimsPaidCents' | 'providerAdjustmentCents'> & { paymentCents: number }): string[] =>
  totals.paymentCents === totals.claimsPaidCents - totals.providerAdjustmentCents
    ? []
    : [`file: payment ${totals.paymentCents} != claims paid ${totals.claimsPaidCents} - provider adjustments ${totals.providerAdjustmentCents}`];

/**
 * Applies a payment's file-level problems to one of its claims.
 *
 * A payment whose total does not match its claims means the file lost or garbled something, so
 * no claim in it can be trusted to invoice a patient from: every claim of that payment becomes
 * `balanced: false` with the `file: …` problem added, and is quarantined like any other unbalanced
 * claim. Other payments (transaction sets) in the same file are not affected.
 */
export const applyFileProblems = (claim: EraClaim, summary: Pick<EraSummary, 'payments'>): EraClaim => {
  const problems = summary.payments[claim.payment.index]?.problems ?? [];
  if (problems.length === 0) return claim;
  return { ...claim, balanced: false, problems: [...claim.problems, ...problems] };
};
