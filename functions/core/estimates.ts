import { disputeThresholdCents, estimateTiming, localDate, priceLines, type Estimate } from '../domain/estimate';
import { ConflictError, NotFoundError } from '../shared/errors';
import { canonicalJson } from '../shared/canonical';
import { deriveId, newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { estimateBody } from '../shared/schemas/requests';
import type { Store } from '../store/table';
import { getClient } from '../store/clients';
import * as estimatesStore from '../store/estimates';
import type { EstimateIssuePort, EstimatesPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';

/** The default implementation of the port: the table (core/ports.ts). */
export const ESTIMATES_STORE: EstimateIssuePort = { ...estimatesStore, getClient, ...PRACTICE_STORE };

/** Validates a request for an estimate; every refusal names its field. */
export const parseEstimate = (
  body: Record<string, unknown>,
  context: { practiceId: string; clientId: string; clientName: string; today: string; currency: string; estimateId: string; now: Date },
  provider: Estimate['provider'],
): Estimate => {
  const { primaryService, scheduledOn, serviceDate, coversThrough, dateOfBirth, diagnosisCodes, lines } = parseBody(estimateBody(context.today), body);
  const priced = priceLines(lines);
  return {
    estimateId: context.estimateId,
    practiceId: context.practiceId,
    clientId: context.clientId,
    patient: { name: context.clientName, dateOfBirth },
    primaryService,
    scheduledOn,
    serviceDate,
    coversThrough,
    diagnosisCodes,
    lines: priced.lines,
    totalCents: priced.totalCents,
    currency: context.currency,
    disputeThresholdCents: disputeThresholdCents(priced.totalCents),
    timing: estimateTiming(scheduledOn, serviceDate),
    provider,
    issuedAt: context.now.toISOString(),
  };
};

/**
 * Gives a client a Good Faith Estimate. With an `Idempotency-Key` a retry returns the first one
 * (200) and a different body under the same key is a 409.
 */
export const createEstimate = async (
  store: Store,
  practiceId: string,
  clientId: string,
  body: Record<string, unknown>,
  idempotencyKey: string | undefined,
  now = new Date(),
  estimates: Partial<EstimateIssuePort> = ESTIMATES_STORE,
): Promise<{ created: boolean; estimate: Estimate }> => {
  // A port given in part (e.g. only the estimates) reads the rest from the table.
  const port: EstimateIssuePort = { ...ESTIMATES_STORE, ...estimates };
  const practice = await requirePractice(store, practiceId, port);
  const client = await port.getClient(store, practiceId, clientId);
  const estimateId = idempotencyKey ? deriveId('gfe', practiceId, clientId, idempotencyKey) : newId('gfe');
  const estimate = parseEstimate(
    body,
    { practiceId, clientId, clientName: client.name, today: localDate(now, practice.timezone), currency: practice.currency, estimateId, now },
    {
      name: practice.name,
      npi: practice.npi ?? null,
      taxId: practice.taxId ?? null,
      address: practice.address ?? null,
      phone: practice.phone ?? null,
      email: practice.email,
    },
  );
  if (await port.insertEstimate(store, estimate)) return { created: true, estimate };
  const first = await getEstimate(store, practiceId, estimateId, port);
  // Key order is not kept by DynamoDB maps: compare with sorted keys.
  const same = (e: Estimate) => canonicalJson([e.clientId, e.primaryService, e.serviceDate, e.coversThrough, e.patient.dateOfBirth, e.diagnosisCodes, e.lines]);
  if (same(first) !== same(estimate)) throw new ConflictError('this Idempotency-Key was used for a different estimate', 'idempotency_key_reused');
  return { created: false, estimate: first };
};

export const getEstimate = async (store: Store, practiceId: string, estimateId: string, estimates: EstimatesPort = estimatesStore): Promise<Estimate> => {
  const estimate = await estimates.findEstimate(store, practiceId, estimateId);
  if (!estimate) throw new NotFoundError('estimate');
  return estimate;
};
