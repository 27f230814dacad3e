import type { Adjudication, ClaimLine } from './claim';
import type { ClaimProblem } from './claim-validation';
import type { Adjustment837, Claim837, OtherPayerLine837, Relationship, X12Address } from './x12/837p';

/**
 * Coordination of benefits for a secondary claim (docs/claims.md § Secondary claims): which of the
 * primary claim's adjudications the secondary payer is told about, and its amounts line by line.
 * Pure: the caller reads the primary claim and its adjudications from the table.
 *
 * The secondary payer may only be billed when the primary processed the claim as primary and did
 * not forward it (CLP02 1): a 19 means the primary sent it on itself (a crossover), and the
 * secondary would get the claim twice.
 */

/** What the 837P's 2320 AMT*D / CAS and 2430 loops carry, from the primary's 835 claim payment. */
export interface PrimaryAdjudication837 {
  paidCents: number;
  claimAdjustments: Adjustment837[];
  lines: OtherPayerLine837[];
}

const REVERSAL = '22';
const PROCESSED_AS_PRIMARY = '1';
const FORWARDED = new Set(['19', '20', '21']);

/**
 * The primary's adjudication a secondary claim carries: the primary payer's (the first to decide)
 * latest payment of the claim, which must be CLP02 1 and not reversed since; or why there is none
 * (`field` secondaryOf, for a 409).
 */
export const primaryAdjudicationOf = (adjudications: readonly Adjudication[]): { adjudication: Adjudication } | { problem: string } => {
  // Predeterminations (25) and "not our claim" (23) decide nothing (DOMAIN.md §4); the secondary
  // payer's answers, marked when it is told apart (answersSecondaryClaim), are never the primary's.
  const paying = adjudications.filter((a) => a.statusCode !== '25' && a.statusCode !== '23' && !a.answersClaimId);
  if (paying.length === 0) return { problem: 'the primary claim has no adjudication from its payer yet: bill the secondary payer once the primary 835 is imported' };
  // The primary payer decides first; later payers' 835s (the secondary's, CLM01 being this claim's
  // id) are applied to the same claim and are not the primary's adjudication.
  const primaryPayer = paying[0]!.payerId;
  const own = paying.filter((a) => a.payerId === primaryPayer);
  const last = own[own.length - 1]!;
  if (last.statusCode === REVERSAL) return { problem: "the primary payer's last adjudication reverses its payment (CLP02 22): wait for its corrected adjudication" };
  if (FORWARDED.has(last.statusCode)) {
    return {
      problem: `the primary payer processed the claim and forwarded it to the next payer itself (CLP02 ${last.statusCode}): the secondary payer already has it, a claim from kneadpay would be a duplicate`,
    };
  }
  if (last.statusCode !== PROCESSED_AS_PRIMARY) {
    return {
      problem: `the primary claim's last adjudication is ${last.status} (CLP02 ${last.statusCode}), not processed as primary (CLP02 1): only a claim the primary payer processed is billed to the secondary`,
    };
  }
  return { adjudication: last };
};

/**
 * The primary's adjudication line by line against the claim's billed lines (each 835 SVC matched
 * to the line with its code and charge, in order), as the 837P's 2320 and 2430 loops carry it.
 * The guide's balancing (005010X222A1 2320/2430): each line's charge less its CAS is its SVD02,
 * and the claim's charge less every CAS is AMT*D — so the 835 must adjudicate every billed line,
 * at the billed charge.
 */
export const primaryAdjudication837 = (
  billedLines: readonly Pick<ClaimLine, 'procedureCode' | 'modifiers' | 'chargeCents'>[],
  chargeCents: number,
  adjudication: Adjudication,
): { problems: ClaimProblem[]; cob?: PrimaryAdjudication837 } => {
  const field = 'secondaryOf';
  const problems: ClaimProblem[] = [];
  if (adjudication.chargeCents !== chargeCents) {
    problems.push({ field, message: `the primary's 835 adjudicated a charge of ${adjudication.chargeCents} cents, the claim bills ${chargeCents}: the secondary claim could not balance` });
  }
  const adjudicatedOn = (adjudication.paidAt ?? adjudication.appliedAt).slice(0, 10);
  const unused = adjudication.lines.map((_, i) => i);
  const lines: OtherPayerLine837[] = [];
  billedLines.forEach((line, index) => {
    // The same code at the same charge first; else the line at the same place when the payer re-coded it.
    let k = unused.findIndex((i) => adjudication.lines[i]!.procedureCode === line.procedureCode && adjudication.lines[i]!.chargeCents === line.chargeCents);
    if (k === -1 && unused.includes(index) && adjudication.lines[index]!.chargeCents === line.chargeCents) k = unused.indexOf(index);
    if (k === -1) {
      problems.push({ field, message: `line ${index + 1} (${line.procedureCode}, ${line.chargeCents} cents) has no service line in the primary's 835` });
      return;
    }
    const adjudicated = adjudication.lines[unused[k]!]!;
    unused.splice(k, 1);
    lines.push({
      paidCents: adjudicated.paidCents,
      procedureCode: adjudicated.procedureCode,
      modifiers: line.modifiers,
      paidUnits: adjudicated.units,
      adjustments: adjudicated.adjustments,
      adjudicatedOn,
    });
  });
  if (unused.length > 0 && problems.length === 0) {
    problems.push({ field, message: `the primary's 835 has ${unused.length} service line(s) the claim does not bill` });
  }
  if (problems.length > 0) return { problems };
  return { problems, cob: { paidCents: adjudication.paidCents, claimAdjustments: adjudication.claimAdjustments, lines } };
};

/** The primary plan as 2320/2330A/2330B name it. */
export interface PrimaryPlan837 {
  relationship: Relationship;
  groupNumber: string | null;
  memberId: string;
  subscriber: { firstName: string; lastName: string; address?: X12Address | null };
  payer: { name: string; payerId: string; claimFilingIndicator?: string };
}

/**
 * The 837P claim to the secondary payer: the claim as validated against the secondary plan, with
 * 2000B SBR01 S, CLM01 the primary claim's id (the patient control number of the visit: the
 * secondary payer's 835 echoes it and comes back to the claim the primary's 835 decided), and the
 * primary in 2320 (SBR01 P) with its adjudication.
 */
export const secondaryClaim837 = (claim: Claim837, primaryClaimId: string, primary: PrimaryPlan837, cob: PrimaryAdjudication837): Claim837 => ({
  ...claim,
  patientControlNumber: primaryClaimId,
  payerSequence: 'S',
  otherPayers: [
    {
      sequence: 'P',
      relationship: primary.relationship,
      groupNumber: primary.groupNumber,
      claimFilingIndicator: primary.payer.claimFilingIndicator ?? 'CI',
      memberId: primary.memberId,
      subscriber: primary.subscriber,
      payer: { name: primary.payer.name, payerId: primary.payer.payerId },
      ...cob,
    },
  ],
});

// Answers of the visit's two payers ---------------------------------------------------------------

/** CLP02 of a payer that processed the claim as secondary (2, or 20 when it forwarded it on). */
const PROCESSED_AS_SECONDARY = new Set(['2', '20']);
/** CLP02 that decide no payment (predetermination, not our claim): never the primary payer's identity. */
const DECIDES_NOTHING = new Set(['23', '25']);

/** The payer an 835 claim payment (or a ClaimAdjudicated) comes from, as the file names it. */
export interface AnsweringPayer {
  /** The 835's payer id kneadpay records (1000A N1*PR N104, else REF*2U, else TRN03). */
  payerId: string | null;
  /** Other identifiers of the same payer in the file (TRN03, the Originating Company Identifier). */
  otherIds?: readonly (string | null | undefined)[];
}

/**
 * Whether an 835 claim payment naming a visit's CLM01 answers its secondary claim rather than its
 * primary: the secondary claim goes out with the primary's CLM01 (docs/claims.md § Secondary claims),
 * so CLP01 names the visit, and the payer that answers tells the two apart — never CLP02 alone (a
 * secondary payer's denial is CLP02 4, its reversal 22, neither says "secondary"):
 * 1. the file's payer identifiers name the secondary claim's payer (its saved payer id, as 2010BB
 *    sent it) and not the primary's → the secondary; the primary's and not the secondary's → the primary;
 * 2. else the file's payer id against the primary payer's own 835 (the payer of the primary claim's
 *    first adjudication that decides payment — the secondary claim exists only after it): the same
 *    payer → the primary, another → the secondary (a payer whose id changes between its own files
 *    is read as another payer, as patient-share.ts reads it);
 * 3. a file naming no payer id at all (no N104, REF*2U or TRN03), or a primary with no adjudication
 *    of its payer: as before 2026-12-07, CLP02 2 or 20 (processed as secondary) → the secondary,
 *    anything else → the primary.
 */
export const answersSecondaryClaim = (
  payers: { primary: string | null | undefined; secondary: string | null | undefined },
  primaryClaimAdjudications: readonly Pick<Adjudication, 'statusCode' | 'payerId'>[],
  payer: AnsweringPayer,
  statusCode: string,
): boolean => {
  const ids = [payer.payerId, ...(payer.otherIds ?? [])].filter((id): id is string => typeof id === 'string' && id.length > 0);
  const byCode = PROCESSED_AS_SECONDARY.has(statusCode);
  if (ids.length === 0) return byCode;
  const namesSecondary = !!payers.secondary && ids.includes(payers.secondary);
  const namesPrimary = !!payers.primary && ids.includes(payers.primary);
  if (namesSecondary !== namesPrimary) return namesSecondary;
  const primaryAnswer = primaryClaimAdjudications.find((a) => !DECIDES_NOTHING.has(a.statusCode));
  if (!primaryAnswer) return byCode;
  return (payer.payerId ?? '') !== (primaryAnswer.payerId ?? '');
};

/**
 * A claim's adjudications from the payer it was sent to (the first to decide payment): without the
 * 835s of a payer after it kept beside them — its secondary claim's payer (marked `answersClaimId`;
 * before 2026-12-07 unmarked) or the payer the first forwarded it to (CLP02 19). What a
 * correction's REF*F8 is read from: the claim control number the destination payer gave the
 * original (005010X222A1 2300 REF*F8, "Payer Claim Control Number").
 */
export const ownPayerAdjudications = <A extends Pick<Adjudication, 'statusCode' | 'payerId'> & { answersClaimId?: string | null }>(adjudications: readonly A[]): A[] => {
  const own = adjudications.filter((a) => !a.answersClaimId);
  const primaryAnswer = own.find((a) => !DECIDES_NOTHING.has(a.statusCode));
  return primaryAnswer ? own.filter((a) => (a.payerId ?? '') === (primaryAnswer.payerId ?? '')) : own;
};
