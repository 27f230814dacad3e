import {
  disputeThresholdCents, estimateTiming, localDate, priceLines, type Estimate,
} from '../domain/estimate';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { canonicalJson } from '../shared/canonical';
import { deriveId, newId } from '../shared/ids';
import { fields, isCalendarDate } from '../shared/validate';
import type { Store } from '../store/table';
import { getClient } from '../store/clients';
import * as estimatesStore from '../store/estimates';
import type { EstimatesPort } from './ports';
import { readDiagnosisCodes } from './claims';
import { requirePractice } from './practice';

/** CPT (5 digits) or HCPCS level II (a letter and 4 digits). */
const SERVICE_CODE = /^(\d{4}[0-9A-Z]|[A-Z]\d{4})$/;

const plusMonths = (date: string, months: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
};

const dateField = (f: ReturnType<typeof fields>, field: string) => {
  const value = f.string(field, { optional: true, max: 10, pattern: /^\d{4}-\d{2}-\d{2}$/, hint: 'YYYY-MM-DD' });
  if (value !== undefined && !isCalendarDate(value)) throw new ValidationError(`${field} is not a calendar date`, { field });
  return value ?? null;
};

/** Validates a request for an estimate; every refusal names its field. */
export const parseEstimate = (
  body: Record<string, unknown>,
  context: { practiceId: string; clientId: string; clientName: string; today: string; currency: string; estimateId: string; now: Date },
  provider: Estimate['provider'],
): Estimate => {
  const f = fields(body);
  const primaryService = f.string('primaryService', { max: 200 });
  const scheduledOn = dateField(f, 'scheduledOn') ?? context.today;
  if (scheduledOn > context.today) throw new ValidationError('scheduledOn cannot be in the future', { field: 'scheduledOn' });
  const serviceDate = dateField(f, 'serviceDate');
  if (serviceDate !== null && serviceDate < scheduledOn) throw new ValidationError('serviceDate must not be before scheduledOn', { field: 'serviceDate' });
  const coversThrough = dateField(f, 'coversThrough');
  const start = serviceDate ?? scheduledOn;
  if (coversThrough !== null && coversThrough < start) throw new ValidationError('coversThrough must not be before the service date', { field: 'coversThrough' });
  if (coversThrough !== null && coversThrough > plusMonths(start, 12)) {
    throw new ValidationError('coversThrough may be at most 12 months after the service date (give a new estimate for the next year)', { field: 'coversThrough' });
  }
  const dateOfBirth = dateField(f, 'dateOfBirth');
  if (dateOfBirth !== null && dateOfBirth > context.today) throw new ValidationError('dateOfBirth cannot be in the future', { field: 'dateOfBirth' });
  const diagnosisCodes = readDiagnosisCodes(f, { optional: true });
  const rawLines = f.array('lines', { max: 50 }) ?? [];
  if (rawLines.length === 0) throw new ValidationError('lines needs at least one service', { field: 'lines' });
  const lines = rawLines.map((raw, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError(`lines[${i}] must be an object`, { field: `lines[${i}]` });
    const line = fields(raw as Record<string, unknown>, `lines[${i}]`);
    return {
      serviceCode: line.string('serviceCode', { pattern: SERVICE_CODE, hint: 'a CPT or HCPCS code such as 97124' }),
      description: line.string('description', { max: 200 }),
      quantity: line.int('quantity', { optional: true, min: 1, max: 500 }) ?? 1,
      unitChargeCents: line.int('unitChargeCents', { min: 0, max: 10_000_000 }),
    };
  });
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
  estimates: EstimatesPort = estimatesStore,
): Promise<{ created: boolean; estimate: Estimate }> => {
  const practice = await requirePractice(store, practiceId);
  const client = await getClient(store, practiceId, clientId);
  const estimateId = idempotencyKey ? deriveId('gfe', practiceId, clientId, idempotencyKey) : newId('gfe');
  const estimate = parseEstimate(
    body,
    { practiceId, clientId, clientName: client.name, today: localDate(now, practice.timezone), currency: practice.currency, estimateId, now },
    {
      name: practice.name, npi: practice.npi ?? null, taxId: practice.taxId ?? null, address: practice.address ?? null,
      phone: practice.phone ?? null, email: practice.email,
    },
  );
  if (await estimates.insertEstimate(store, estimate)) return { created: true, estimate };
  const first = await getEstimate(store, practiceId, estimateId, estimates);
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
