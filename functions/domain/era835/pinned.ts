import type { EraAdjustment, EraClaim, EraPayment } from './model';
import type { ClaimStatus } from './status';

/** An adjustment as `kneadpay era parse` prints it. */
export interface PinnedAdjustment {
  group: string;
  reason: string;
  amountCents: number;
}

/** A service line as `kneadpay era parse` prints it. */
export interface PinnedLine {
  procedureCode: string;
  modifiers: string[];
  units: number;
  serviceDate: string | null;
  chargeCents: number;
  paidCents: number;
  allowedCents: number | null;
  patientResponsibilityCents: number;
  adjustments: PinnedAdjustment[];
}

/** One line of `kneadpay era parse` output (SPEC.md §2, pinned: names and key order). */
export interface PinnedClaim {
  traceNumber: string;
  payerName: string;
  patientControlNumber: string;
  payerClaimControlNumber: string | null;
  statusCode: string;
  status: ClaimStatus;
  chargeCents: number;
  paidCents: number;
  patientResponsibilityCents: number;
  reportedPatientResponsibilityCents: number;
  balanced: boolean;
  problems: string[];
  claimAdjustments: PinnedAdjustment[];
  lines: PinnedLine[];
}

const pinnedAdjustment = ({ group, reason, amountCents }: EraAdjustment): PinnedAdjustment => ({ group, reason, amountCents });

/**
 * The claim as SPEC.md §2 pins it for `kneadpay era parse`, keys in the pinned order (JSON.stringify
 * keeps insertion order). Nothing identifying the patient beyond the claim id is included.
 *
 * @param payment - the payment the claim came in; defaults to the claim's own.
 */
export const toPinnedClaimJson = (claim: EraClaim, payment: EraPayment = claim.payment): PinnedClaim => ({
  traceNumber: payment.traceNumber,
  payerName: payment.payerName,
  patientControlNumber: claim.patientControlNumber,
  payerClaimControlNumber: claim.payerClaimControlNumber,
  statusCode: claim.statusCode,
  status: claim.status,
  chargeCents: claim.chargeCents,
  paidCents: claim.paidCents,
  patientResponsibilityCents: claim.patientResponsibilityCents,
  reportedPatientResponsibilityCents: claim.reportedPatientResponsibilityCents,
  balanced: claim.balanced,
  problems: [...claim.problems],
  claimAdjustments: claim.claimAdjustments.map(pinnedAdjustment),
  lines: claim.lines.map((line) => ({
    procedureCode: line.procedureCode,
    modifiers: [...line.modifiers],
    units: line.units,
    serviceDate: line.serviceDate,
    chargeCents: line.chargeCents,
    paidCents: line.paidCents,
    allowedCents: line.allowedCents,
    patientResponsibilityCents: line.patientResponsibilityCents,
    adjustments: line.adjustments.map(pinnedAdjustment),
  })),
});
