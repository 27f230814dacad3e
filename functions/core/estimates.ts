import { disputeThresholdCents, estimateTiming, localDate, priceLines, type Estimate } from '../domain/estimate';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { canonicalJson } from '../shared/canonical';
import { deriveId, newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { estimateBody, estimateRequestBody } from '../shared/schemas/requests';
import type { Store } from '../store/table';
import { getClient } from '../store/clients';
import { getCoverage } from '../store/claims-out';
import * as estimatesStore from '../store/estimates';
import type { EstimateIssuePort, EstimatesPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';

/** The default implementation of the port: the table (core/ports.ts). */
export const ESTIMATES_STORE: EstimateIssuePort = { ...estimatesStore, getClient, getCoverage, ...PRACTICE_STORE };

/**
 * Validates a request for an estimate; every refusal names its field. The patient's date of birth
 * is one of the estimate's required elements (§149.610(c)(1)(i)): from the body, else from the
 * client's stored coverage (`patient.dateOfBirth`), else a 400 naming `dateOfBirth`.
 */
export const parseEstimate = (
  body: Record<string, unknown>,
  context: { practiceId: string; clientId: string; clientName: string; today: string; currency: string; estimateId: string; now: Date; storedDateOfBirth?: string | null },
  provider: Estimate['provider'],
): Estimate => {
  const { primaryService, scheduledOn, serviceDate, coversThrough, dateOfBirth: given, diagnosisCodes, lines } = parseBody(estimateBody(context.today), body);
  const { requested } = parseBody(estimateRequestBody, body);
  const dateOfBirth = given ?? context.storedDateOfBirth ?? null;
  if (dateOfBirth === null) {
    throw new ValidationError("dateOfBirth is required: a Good Faith Estimate names the patient's date of birth (45 CFR §149.610(c)(1)(i)); give it, or save the client's coverage with it", {
      field: 'dateOfBirth',
    });
  }
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
    timing: estimateTiming(scheduledOn, serviceDate, requested ?? serviceDate === null),
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
  // Read only when the body leaves the date of birth out.
  const storedDateOfBirth = typeof body.dateOfBirth === 'string' ? null : ((await port.getCoverage(store, practiceId, clientId))?.patient?.dateOfBirth ?? null);
  const estimate = parseEstimate(
    body,
    { practiceId, clientId, clientName: client.name, today: localDate(now, practice.timezone), currency: practice.currency, estimateId, now, storedDateOfBirth },
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
  const same = (e: Estimate) => canonicalJson([e.clientId, e.primaryService, e.serviceDate, e.coversThrough, e.patient.dateOfBirth, e.diagnosisCodes, e.lines, e.timing.rule]);
  if (same(first) !== same(estimate)) throw new ConflictError('this Idempotency-Key was used for a different estimate', 'idempotency_key_reused');
  return { created: false, estimate: first };
};

export const getEstimate = async (store: Store, practiceId: string, estimateId: string, estimates: EstimatesPort = estimatesStore): Promise<Estimate> => {
  const estimate = await estimates.findEstimate(store, practiceId, estimateId);
  if (!estimate) throw new NotFoundError('estimate');
  return estimate;
};
