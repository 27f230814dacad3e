/**
 * The baseline of bench/remittance-import.ts: `receiveRemittance` as it was until 2026-12-07 (commit
 * 6bd5a16), kept here and not in the product — one `getClaim` per claim payment and each matched
 * one applied before the next is read, one after another. The rest (practice check, same-file
 * answer, parse, quarantine, summary commit) is the product's own code, as then.
 */
import { createHash } from 'node:crypto';
import { isEraParseError, parseEra } from '../functions/domain/era835';
import type { QuarantinedClaim, RemittanceSummary } from '../functions/domain/claim';
import { applyAdjudication, claimAdjudicatedDetail, REMITTANCES_STORE, withinItemBudget } from '../functions/core/remittances';
import { requirePractice } from '../functions/core/practice';
import { deriveId } from '../functions/shared/ids';
import { ValidationError } from '../functions/shared/errors';
import type { Store } from '../functions/store/table';

export const oldLoop = async (store: Store, practiceId: string, text: string, now = new Date(), remittances = REMITTANCES_STORE): Promise<RemittanceSummary> => {
  await requirePractice(store, practiceId, remittances);
  const remittanceId = deriveId('rem', practiceId, createHash('sha256').update(text).digest('hex'));
  const existing = await remittances.getRemittance(store, practiceId, remittanceId);
  if (existing) return { ...existing, quarantined: await remittances.listQuarantine(store, practiceId, remittanceId) };

  let era;
  try {
    era = parseEra(text);
  } catch (error) {
    if (!isEraParseError(error)) throw error;
    throw new ValidationError(error.message, { field: error.field ?? error.segmentId });
  }

  const quarantined: QuarantinedClaim[] = [];
  for (const claim of era.claims) {
    const known = await remittances.getClaim(store, practiceId, claim.patientControlNumber);
    if (!known) {
      quarantined.push({ patientControlNumber: claim.patientControlNumber, problems: [`no claim ${claim.patientControlNumber} in this practice`] });
    } else if (!claim.balanced) {
      quarantined.push({ patientControlNumber: claim.patientControlNumber, problems: claim.problems });
    } else {
      await applyAdjudication(
        store,
        known,
        claimAdjudicatedDetail(practiceId, claim, claim.payment),
        { remittanceId, emit: true, originalProcedureCodes: claim.lines.map((line) => line.originalProcedureCode) },
        now,
        remittances,
      );
    }
  }

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
  await remittances.commitOnce(
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
  return summary;
};
