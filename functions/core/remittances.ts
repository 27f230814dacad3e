import { createHash } from 'node:crypto';
import { adjudicatesPayment, claimBalanceProblems, claimStatusName, isAdjustmentGroup, isEraParseError, parseEra, type EraClaim, type EraPayment } from '../domain/era835';
import { ValidationError } from '../shared/errors';
import { deriveId } from '../shared/ids';
import { countMetric, METRIC } from '../shared/metrics';
import type { Store } from '../store/table';
import { getClaim, getClaims, getRemittance, listAdjudications } from '../store/claims';
import type { Claim, QuarantinedClaim, RemittancePayment, RemittanceSummary } from '../domain/claim';
import { commitOnce, CommitConflictError } from '../store/commit';
import * as remittancesStore from '../store/remittances';
import type { RemittancesPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';
import { adjudicationsCounted, patientShareCents } from '../domain/patient-share';
import { isCents } from '../domain/money';
import { answersSecondaryClaim } from '../domain/cob';

/** The default implementation of the port: the table (core/ports.ts). */
export const REMITTANCES_STORE: RemittancesPort = { ...remittancesStore, getClaim, getClaims, getRemittance, listAdjudications, commitOnce, ...PRACTICE_STORE };

/** The idempotency identity of one adjudication (SPEC §4), inside the practice's partition. */
export const adjudicationIdentity = (claimId: string, traceNumber: string, statusCode: string, payerClaimControlNumber: string | null) =>
  [claimId, traceNumber, statusCode, payerClaimControlNumber ?? ''].join('|');

/** The pinned ClaimAdjudicated detail (SPEC §4): ids, codes and amounts; no patient, no payer name. */
export const claimAdjudicatedDetail = (practiceId: string, claim: EraClaim, payment: EraPayment) => ({
  version: 1,
  practiceId,
  claimId: claim.patientControlNumber,
  remittance: { traceNumber: payment.traceNumber, payerId: payment.payerId, paidAt: payment.paidAt },
  payerClaimControlNumber: claim.payerClaimControlNumber,
  statusCode: claim.statusCode,
  status: claim.status,
  chargeCents: claim.chargeCents,
  paidCents: claim.paidCents,
  patientResponsibilityCents: claim.patientResponsibilityCents,
  claimAdjustments: claim.claimAdjustments,
  lines: claim.lines.map((line) => ({
    procedureCode: line.procedureCode,
    units: line.units,
    chargeCents: line.chargeCents,
    paidCents: line.paidCents,
    allowedCents: line.allowedCents,
    adjustments: line.adjustments,
  })),
});

export type ClaimAdjudicatedDetail = ReturnType<typeof claimAdjudicatedDetail>;

const adjustmentsProblems = (adjustments: unknown, path: string): string[] => {
  if (!Array.isArray(adjustments)) return [`${path} must be a list`];
  return adjustments.flatMap((adjustment, i) => {
    const a = adjustment as { group?: unknown; reason?: unknown; amountCents?: unknown } | null;
    if (!a || typeof a !== 'object') return [`${path}[${i}] must be an adjustment`];
    return [
      ...(typeof a.group === 'string' && isAdjustmentGroup(a.group) ? [] : [`${path}[${i}].group must be CO, PR, OA, PI or CR`]),
      ...(typeof a.reason === 'string' && /^[A-Z0-9]{1,5}$/.test(a.reason) ? [] : [`${path}[${i}].reason must be a CARC`]),
      ...(isCents(a.amountCents) ? [] : [`${path}[${i}].amountCents must be integer cents`]),
    ];
  });
};

/** A ClaimAdjudicated from another claims system that is malformed or does not balance: never applied. */
export class AdjudicationRefusedError extends ValidationError {
  constructor(readonly problems: string[]) {
    super(`ClaimAdjudicated refused: ${problems.join('; ')}`, { field: 'detail', problems });
    this.name = 'AdjudicationRefusedError';
  }
}

/**
 * What is wrong with a ClaimAdjudicated that came from another claims system (SPEC §4 accepts them
 * as input), checked as an 835 claim payment is before anyone is invoiced (DOMAIN.md §4): its shape,
 * its status name against its CLP02 code, and the three balancing rules — so a patient is never
 * billed a `patientResponsibilityCents` that the adjustments do not add up to. Empty when sound.
 */
export const externalAdjudicationProblems = (detail: ClaimAdjudicatedDetail): string[] => {
  const d = detail as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['chargeCents', 'paidCents', 'patientResponsibilityCents'] as const) if (!isCents(d[field])) problems.push(`${field} must be integer cents`);
  if (typeof d.statusCode !== 'string' || claimStatusName(d.statusCode) !== d.status) problems.push('status must be the name of statusCode (CLP02)');
  const remittance = d.remittance as { traceNumber?: unknown } | undefined;
  if (typeof remittance?.traceNumber !== 'string' || remittance.traceNumber.length === 0) problems.push('remittance.traceNumber is required');
  problems.push(...adjustmentsProblems(d.claimAdjustments, 'claimAdjustments'));
  if (!Array.isArray(d.lines)) problems.push('lines must be a list');
  else {
    d.lines.forEach((line: unknown, i: number) => {
      const l = line as Record<string, unknown> | null;
      if (!l || typeof l !== 'object') return void problems.push(`lines[${i}] must be a line`);
      for (const field of ['chargeCents', 'paidCents'] as const) if (!isCents(l[field])) problems.push(`lines[${i}].${field} must be integer cents`);
      problems.push(...adjustmentsProblems(l.adjustments, `lines[${i}].adjustments`));
    });
  }
  if (problems.length > 0) return problems;
  return claimBalanceProblems({
    chargeCents: detail.chargeCents,
    paidCents: detail.paidCents,
    reportedPatientResponsibilityCents: detail.patientResponsibilityCents,
    claimAdjustments: detail.claimAdjustments,
    lines: detail.lines,
  } as Parameters<typeof claimBalanceProblems>[0]);
};

/**
 * Applies one adjudication to its claim: the adjudication item, the claim's running totals, the
 * client's ledger (claim charge, insurer payment, write-offs: their sum is the patient's share)
 * and, for an ERA import, the ClaimAdjudicated outbox event, in one transaction guarded by the
 * adjudication's identity (SPEC §4) — so the same claim payment is never applied twice, whether
 * it comes again in the same file, in another file or as an event from another claims system.
 */
export const applyAdjudication = async (
  store: Store,
  claim: Pick<Claim, 'practiceId' | 'claimId' | 'clientId' | 'currency'> & Pick<Partial<Claim>, 'secondaryClaimId' | 'payerId'>,
  detail: ClaimAdjudicatedDetail,
  opts: {
    remittanceId: string | null;
    emit: boolean;
    /**
     * Per adjudicated line, the code the practice billed when the payer re-coded it (835 SVC06).
     * Kept on the stored adjudication (not in the pinned event), so a receipt itemizes the line
     * under what was billed instead of adding a second row.
     */
    originalProcedureCodes?: (string | null)[];
    /** The answering payer's other identifiers in the file beside `detail.remittance.payerId` (835 TRN03). */
    payerOtherIds?: (string | null)[];
    /**
     * The claim payment's place in its 835 file (0 the first CLP). Every claim of a file is applied at
     * the same instant, so this alone orders a reversal before the correction that follows it (bug 149).
     */
    filePosition?: number;
  },
  now: Date,
  remittances: RemittancesPort = REMITTANCES_STORE,
) => {
  const identity = adjudicationIdentity(detail.claimId, detail.remittance.traceNumber, detail.statusCode, detail.payerClaimControlNumber);
  const when = now.toISOString();
  const writeOff = detail.chargeCents - detail.paidCents - detail.patientResponsibilityCents;
  // A predetermination or "not our claim" is kept with the claim, but decides no money: the claim's
  // totals, status and the client's ledger stay as they are.
  const decidesPayment = adjudicatesPayment(detail.statusCode);
  // The visit's secondary claim shares its CLM01: its payer's answers are told apart by that payer.
  const secondary = claim.secondaryClaimId ? await remittances.getClaim(store, claim.practiceId, claim.secondaryClaimId) : undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await commitAdjudication();
    } catch (error) {
      // Another payer's adjudication of this claim committed in between: decide again on what is there now.
      if (!(error instanceof CommitConflictError) || attempt >= 5) throw error;
    }
  }

  async function commitAdjudication() {
    // With more than one payer (coordination of benefits) the patient owes what the last payer in the
    // chain decided, not the sum of every payer's PR (patientShareCents): the ledger moves by the
    // difference in that share, and the commit holds only if no other adjudication came in between.
    const existing = await remittances.listAdjudications(store, claim.practiceId, claim.claimId);
    const payerOf = (payerId: string | null | undefined) => payerId ?? '';
    const multiPayer = decidesPayment && existing.some((adjudication) => adjudicatesPayment(adjudication.statusCode) && payerOf(adjudication.payerId) !== payerOf(detail.remittance.payerId));
    // A payer's denial staff set aside (a released payer_denied hold, decision 015 § 6) decides
    // nothing: the share moves from what the patient owes now. Read with the claim as it is now.
    const setAside = multiPayer ? ((await remittances.getClaim(store, claim.practiceId, claim.claimId))?.balanceRelease?.setAside ?? []) : [];
    const paying = adjudicationsCounted(setAside, existing).filter((adjudication) => adjudicatesPayment(adjudication.statusCode));
    const amounts = {
      statusCode: detail.statusCode,
      payerId: detail.remittance.payerId,
      chargeCents: detail.chargeCents,
      paidCents: detail.paidCents,
      patientResponsibilityCents: detail.patientResponsibilityCents,
    };
    const shareBefore = multiPayer ? patientShareCents(paying, 0) : 0;
    const shareAfter = multiPayer ? patientShareCents([...paying, amounts], 0) : 0;
    // The secondary claim's payer answered: the money stays with the visit (this claim: both payers'
    // adjudications decide the patient's share), the verdict is the secondary claim's.
    const answered =
      secondary && answersSecondaryClaim({ primary: claim.payerId, secondary: secondary.payerId }, existing, { payerId: detail.remittance.payerId, otherIds: opts.payerOtherIds }, detail.statusCode)
        ? secondary.claimId
        : undefined;
    const status = answered ? null : detail.status;
    return remittances.commitOnce(
      store,
      {
        marker: remittances.adjudicationMarker(claim.practiceId, identity),
        writes: remittances.adjudicationWrites(
          claim,
          identity,
          {
            adjudicationId: deriveId('adj', claim.practiceId, identity),
            claimId: claim.claimId,
            remittanceId: opts.remittanceId,
            traceNumber: detail.remittance.traceNumber,
            payerId: detail.remittance.payerId,
            paidAt: detail.remittance.paidAt,
            payerClaimControlNumber: detail.payerClaimControlNumber,
            statusCode: detail.statusCode,
            status: detail.status,
            chargeCents: detail.chargeCents,
            paidCents: detail.paidCents,
            patientResponsibilityCents: detail.patientResponsibilityCents,
            claimAdjustments: detail.claimAdjustments,
            lines: detail.lines.map((line, i) => (opts.originalProcedureCodes?.[i] ? { ...line, originalProcedureCode: opts.originalProcedureCodes[i] } : line)),
            appliedAt: when,
            ...(opts.filePosition !== undefined ? { filePosition: opts.filePosition } : {}),
            ...(answered ? { answersClaimId: answered } : {}),
          },
          multiPayer
            ? { kind: 'share-replaced', status, patientShareCents: shareAfter, insurerPaidCents: detail.paidCents, seenAdjudications: existing.length, seenSetAside: setAside.length }
            : decidesPayment
              ? { kind: 'share-added', status, patientResponsibilityCents: detail.patientResponsibilityCents, insurerPaidCents: detail.paidCents }
              : { kind: 'counted-only' },
          multiPayer
            ? [
                { kind: 'insurer_payment' as const, amountCents: -detail.paidCents, currency: claim.currency, at: when, ref: detail.remittance.traceNumber },
                // What the patient owes moves from the previous payer's decision to this one's.
                { kind: 'cob_adjustment' as const, amountCents: shareAfter - shareBefore + detail.paidCents, currency: claim.currency, at: when, ref: claim.claimId },
              ].filter((entry) => entry.kind !== 'cob_adjustment' || entry.amountCents !== 0)
            : decidesPayment
              ? [
                  { kind: 'claim_charge', amountCents: detail.chargeCents, currency: claim.currency, at: when, ref: claim.claimId },
                  { kind: 'insurer_payment', amountCents: -detail.paidCents, currency: claim.currency, at: when, ref: detail.remittance.traceNumber },
                  { kind: 'contractual_writeoff', amountCents: -writeOff, currency: claim.currency, at: when, ref: claim.claimId },
                ]
              : [],
          // The claim kneadpay sent to the secondary payer (its CLM01 this claim's id) is decided by that
          // payer's 835 — whatever its CLP02 (processed, denied, reversed); a predetermination or "not
          // our claim" decides nothing, there as here.
          answered && decidesPayment ? { claimId: answered, status: detail.status } : undefined,
        ),
        events: opts.emit ? [{ detailType: 'ClaimAdjudicated', detail }] : [],
      },
      now,
    );
  }
};

/**
 * The payments kept on the remittance item, in file order, within a budget that keeps the item far
 * below DynamoDB's 400 KB (a 4 MB file may hold thousands of transaction sets): the rest are counted
 * in `paymentsOmitted` (their claims are applied all the same; each adjudication keeps its trace).
 */
const PAYMENTS_BUDGET_CHARS = 200_000;
export const withinItemBudget = (payments: RemittancePayment[]): { payments: RemittancePayment[]; paymentsOmitted?: number } => {
  let used = 0;
  const kept = payments.filter((payment) => (used += JSON.stringify(payment).length) <= PAYMENTS_BUDGET_CHARS);
  return kept.length === payments.length ? { payments } : { payments: kept, paymentsOmitted: payments.length - kept.length };
};

/** Clients whose claim payments are applied at once during one file's import (each client's in file order). */
export const ADJUDICATIONS_IN_FLIGHT = 8;

/**
 * Runs `work` on every group, at most `limit` groups at once. On the first failure no further group
 * starts; the ones under way finish, then that failure is thrown.
 */
const eachBounded = async <T>(groups: T[], limit: number, work: (group: T) => Promise<void>): Promise<void> => {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < groups.length) {
      const group = groups[next++]!;
      try {
        await work(group);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, groups.length) }, lane));
  if (failure) throw failure.error;
};

/** The claims a file names, in batches when the port can (BatchGetItem), else one read each, a few at once. */
const lookUpClaims = async (store: Store, practiceId: string, claimIds: string[], remittances: RemittancesPort): Promise<Map<string, Claim>> => {
  if (remittances.getClaims) return remittances.getClaims(store, practiceId, claimIds);
  const found = new Map<string, Claim>();
  await eachBounded([...new Set(claimIds)], ADJUDICATIONS_IN_FLIGHT, async (claimId) => {
    const claim = await remittances.getClaim(store, practiceId, claimId);
    if (claim) found.set(claimId, claim);
  });
  return found;
};

/**
 * Receives an ERA (835) for a practice: parses it whole first (a file the parser rejects applies
 * nothing), reads the claims it names in batches, then applies each matched, balanced claim
 * payment; unmatched or unbalanced ones are quarantined with their reasons, in file order. Claim
 * payments of different clients are applied up to 8 at once; a client's — so a claim's, e.g. a
 * reversal (CLP02 22) and its correction — one after another in file order (one client's at once
 * would also contend for the client's balance item). The same file again answers with the first answer.
 */
export const receiveRemittance = async (
  store: Store,
  practiceId: string,
  text: string,
  now = new Date(),
  remittances: RemittancesPort = REMITTANCES_STORE,
): Promise<{ created: boolean; summary: RemittanceSummary }> => {
  await requirePractice(store, practiceId, remittances);
  const remittanceId = deriveId('rem', practiceId, createHash('sha256').update(text).digest('hex'));
  const existing = await remittances.getRemittance(store, practiceId, remittanceId);
  if (existing) return { created: false, summary: { ...existing, quarantined: await remittances.listQuarantine(store, practiceId, remittanceId) } };

  let era;
  try {
    era = parseEra(text);
  } catch (error) {
    if (!isEraParseError(error)) throw error;
    throw new ValidationError(error.message, { field: error.field ?? error.segmentId, segmentNumber: error.segmentNumber, segmentId: error.segmentId });
  }

  const known = await lookUpClaims(
    store,
    practiceId,
    era.claims.map((claim) => claim.patientControlNumber),
    remittances,
  );
  const quarantined: QuarantinedClaim[] = [];
  /** Per client, its matched and balanced claim payments in file order. */
  const byClient = new Map<string, { known: Claim; claim: EraClaim; position: number }[]>();
  for (const [position, claim] of era.claims.entries()) {
    const found = known.get(claim.patientControlNumber);
    if (!found) {
      quarantined.push({ patientControlNumber: claim.patientControlNumber, problems: [`no claim ${claim.patientControlNumber} in this practice`] });
    } else if (!claim.balanced) {
      quarantined.push({ patientControlNumber: claim.patientControlNumber, problems: claim.problems });
    } else {
      const queue = byClient.get(found.clientId) ?? [];
      if (queue.length === 0) byClient.set(found.clientId, queue);
      queue.push({ known: found, claim, position });
    }
  }
  await eachBounded([...byClient.values()], ADJUDICATIONS_IN_FLIGHT, async (queue) => {
    for (const { known: found, claim, position } of queue) {
      await applyAdjudication(
        store,
        found,
        claimAdjudicatedDetail(practiceId, claim, claim.payment),
        { remittanceId, emit: true, originalProcedureCodes: claim.lines.map((line) => line.originalProcedureCode), payerOtherIds: [claim.payment.originatorId], filePosition: position },
        now,
        remittances,
      );
    }
  });

  const summary: RemittanceSummary = {
    remittanceId,
    traceNumber: era.header.traceNumber,
    claims: era.claims.length,
    matched: era.claims.length - quarantined.length,
    quarantined,
    providerAdjustmentCents: era.providerAdjustments.reduce((sum, adjustment) => sum + adjustment.amountCents, 0),
    paymentCents: era.payments.reduce((sum, payment) => sum + payment.payment.paymentCents, 0),
    paidAt: era.header.paidAt,
    receivedAt: now.toISOString(),
    ...withinItemBudget(
      era.payments.map(({ payment, claimCount, claimsPaidCents, providerAdjustmentCents, providerAdjustments, problems }) => ({
        traceNumber: payment.traceNumber,
        payerId: payment.payerId,
        payerName: payment.payerName,
        paymentCents: payment.paymentCents,
        paidAt: payment.paidAt,
        claims: claimCount,
        claimsPaidCents,
        providerAdjustmentCents,
        providerAdjustments: providerAdjustments.map(({ providerId, fiscalPeriodDate, reason, reference, amountCents }) => ({ providerId, fiscalPeriodDate, reason, reference, amountCents })),
        problems,
      })),
    ),
  };
  await remittances.putQuarantine(store, practiceId, remittanceId, quarantined);
  const { quarantined: _list, ...stored } = summary;
  const outcome = await remittances.commitOnce(
    store,
    {
      marker: remittances.remittanceMarker(practiceId, remittanceId),
      writes: remittances.remittanceWrite(practiceId, stored, quarantined.length),
      events: quarantined.length
        ? [{ detailType: 'RemittanceQuarantined', detail: { practiceId, remittanceId, traceNumber: summary.traceNumber, claims: summary.claims, quarantinedCount: quarantined.length } }]
        : [],
    },
    now,
  );
  if (outcome.status === 'committed') countMetric(METRIC.claimsQuarantined, quarantined.length, 'remittances');
  // The same file posted twice at once: both applied idempotently; the first summary stands.
  return { created: outcome.status === 'committed', summary };
};
