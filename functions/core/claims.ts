import { UNIT_METHODS, isTimedCode, unitsForVisit, type UnitMethod } from '../domain/units';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { canonicalJson } from '../shared/canonical';
import { fields, isCalendarDate } from '../shared/validate';
import type { Store } from '../store/table';
import { getClient } from '../store/clients';
import { getClaim, insertClaim, listAdjudications } from '../store/claims';
import type { Claim, ClaimLine } from '../domain/claim';
import { requirePractice } from './practice';
import { prepareClaimOut } from './claims-out';
import { CLAIM_ID } from '../domain/claim-validation';

/** An ICD-10-CM code, e.g. M54.2 (the dot optional). */
export const ICD10 = /^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$/;
const PROCEDURE = /^[A-Z0-9]{5}$/;
const MODIFIER = /^[A-Z0-9]{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** CMS place-of-service codes seen in bodywork: 11 office, 02 telehealth, 12 home (others allowed). */
const PLACE_OF_SERVICE = /^\d{2}$/;

/** `diagnosisCodes` (at most 12 ICD-10-CM codes, upper-cased); each refusal names its index. */
export const readDiagnosisCodes = (f: ReturnType<typeof fields>, opts: { optional?: boolean } = {}): string[] =>
  (f.array('diagnosisCodes', { max: 12, optional: opts.optional }) ?? []).map((code, i) => {
    if (typeof code !== 'string' || !ICD10.test(code.toUpperCase())) {
      throw new ValidationError(`diagnosisCodes[${i}] is not an ICD-10-CM code (e.g. M54.2)`, { field: `diagnosisCodes[${i}]` });
    }
    return code.toUpperCase();
  });


/**
 * Validates a claim and fills in units from minutes with the practice's unit method (8-minute
 * rule, DOMAIN.md §3). Lines given with explicit units keep them; lines with minutes are computed
 * together, as CMS counts the day's timed minutes as a whole.
 *
 * - A timed code's units always come from its minutes: a timed line with both `minutes` and
 *   `units` is refused (400 naming `units`), because units set by hand would keep those minutes
 *   out of the day's total and could bill more units than the rule allows.
 * - A line whose minutes earn no unit (7 + 7 minutes make 1 unit, for one of the two codes) is
 *   kept with `units: 0`: its minutes count toward the day's total and stay on record, but it is
 *   not billed, so its `chargeCents` must be 0 (kneadpay does not re-price lines; a charge there
 *   is refused with a 400 naming `chargeCents` rather than silently dropped or moved).
 * - A visit where no line earns a unit has nothing to bill and is refused.
 */
export const parseClaim = (practiceId: string, body: Record<string, unknown>, unitMethod: UnitMethod, currency: string, now: Date): Claim => {
  const f = fields(body);
  const claimId = f.string('claimId', { max: 38, pattern: CLAIM_ID, hint: 'up to 38 letters, digits, _ . -' });
  const dateOfService = f.string('dateOfService', { pattern: DATE, hint: 'YYYY-MM-DD' });
  if (!isCalendarDate(dateOfService)) throw new ValidationError('dateOfService is not a calendar date', { field: 'dateOfService' });
  const diagnosisCodes = readDiagnosisCodes(f);
  if (diagnosisCodes.length === 0) throw new ValidationError('diagnosisCodes needs at least one ICD-10 code', { field: 'diagnosisCodes' });
  const rawLines = f.array('lines', { max: 50 }) ?? [];
  if (rawLines.length === 0) throw new ValidationError('lines needs at least one service line', { field: 'lines' });
  const lines: ClaimLine[] = rawLines.map((raw, i) => {
    if (!raw || typeof raw !== 'object') throw new ValidationError(`lines[${i}] must be an object`, { field: `lines[${i}]` });
    const line = fields(raw as Record<string, unknown>, `lines[${i}]`);
    const procedureCode = line.string('procedureCode', { pattern: PROCEDURE, hint: 'a 5-character CPT/HCPCS code' });
    const modifiers = (line.array('modifiers', { optional: true, max: 4 }) ?? []).map((modifier, m) => {
      if (typeof modifier !== 'string' || !MODIFIER.test(modifier)) {
        throw new ValidationError(`lines[${i}].modifiers[${m}] must be 2 letters or digits (e.g. GP, 59)`, { field: `lines[${i}].modifiers[${m}]` });
      }
      return modifier;
    });
    const minutes = line.int('minutes', { optional: true, min: 0, max: 1440 }) ?? null;
    const units = line.int('units', { optional: true, min: 1, max: 99 }) ?? null;
    if (minutes === null && units === null) throw new ValidationError(`lines[${i}] needs minutes or units`, { field: `lines[${i}].minutes` });
    const timed = isTimedCode(procedureCode);
    if (minutes !== null && units === null && timed === undefined) {
      throw new ValidationError(`lines[${i}]: kneadpay does not know whether ${procedureCode} is timed; give units`, { field: `lines[${i}].units` });
    }
    if (minutes !== null && units !== null && timed === true) {
      throw new ValidationError(
        `lines[${i}]: give minutes or units for ${procedureCode}, not both: a timed code's units come from the day's timed minutes (8-minute rule); leave out units to have them computed, or minutes to bill units you computed yourself`,
        { field: `lines[${i}].units` },
      );
    }
    const pointers = line.array('diagnosisPointers', { optional: true, max: 4 });
    const diagnosisPointers = pointers?.map((pointer, p) => {
      if (!Number.isSafeInteger(pointer) || (pointer as number) < 1 || (pointer as number) > 12) {
        throw new ValidationError(`lines[${i}].diagnosisPointers[${p}] must be a diagnosis number from 1 to 12`, { field: `lines[${i}].diagnosisPointers[${p}]` });
      }
      return pointer as number;
    });
    if (diagnosisPointers && diagnosisPointers.length === 0) throw new ValidationError(`lines[${i}].diagnosisPointers needs 1 to 4 pointers`, { field: `lines[${i}].diagnosisPointers` });
    return {
      procedureCode, modifiers, minutes, units: units ?? 0, chargeCents: line.int('chargeCents', { min: 0, max: 100_000_000 }),
      ...(diagnosisPointers ? { diagnosisPointers } : {}),
    };
  });
  const fromMinutes = lines.map((line, index) => ({ line, index })).filter(({ line }) => line.units === 0 && line.minutes !== null);
  if (fromMinutes.length > 0) {
    const computed = unitsForVisit(fromMinutes.map(({ line }) => ({ code: line.procedureCode, minutes: line.minutes! })), unitMethod);
    computed.lines.forEach((result, k) => {
      fromMinutes[k]!.line.units = result.units;
    });
    if (lines.every((line) => line.units === 0)) {
      const why = unitMethod === UNIT_METHODS.perCode
        ? `no timed code reaches 8 minutes under the per-code method (${computed.totalTimedMinutes} timed minutes in all)`
        : `the visit's ${computed.totalTimedMinutes} timed minutes earn no unit under the ${unitMethod} method (8-minute rule: at least 8 are needed)`;
      throw new ValidationError(`lines: ${why}; there is nothing to bill`, { field: 'lines[0].minutes' });
    }
    for (const { line, index } of fromMinutes) {
      if (line.units === 0 && line.chargeCents !== 0) {
        throw new ValidationError(
          `lines[${index}]: ${line.minutes} minutes of ${line.procedureCode} earn no unit under the ${unitMethod} method (the visit's ${computed.totalTimedMinutes} timed minutes earn ${computed.totalUnits} unit${computed.totalUnits === 1 ? '' : 's'} in all, none on this line); the line is kept for its minutes but not billed, so its chargeCents must be 0`,
          { field: `lines[${index}].chargeCents` },
        );
      }
    }
  }
  return {
    claimId,
    practiceId,
    clientId: f.string('clientId', { max: 64 }),
    payerName: f.string('payerName', { optional: true, max: 120 }) ?? null,
    dateOfService,
    placeOfService: f.string('placeOfService', { optional: true, pattern: PLACE_OF_SERVICE, hint: 'a 2-digit CMS place of service, e.g. 11' }) ?? '11',
    diagnosisCodes,
    lines,
    unitMethod,
    chargeCents: lines.reduce((sum, line) => sum + line.chargeCents, 0),
    currency,
    collectedCents: f.int('collectedCents', { optional: true, min: 0, max: 100_000_000 }) ?? 0,
    status: f.has('payerId') ? 'draft' : 'submitted',
    patientResponsibilityCents: 0,
    invoicedCents: 0,
    adjudicationCount: 0,
    createdAt: now.toISOString(),
    ...claimsOutFields(f),
  };
};

const NPI = /^\d{10}$/;
const PAYER_ID = /^[A-Za-z0-9]{2,80}$/;
const REFERENCE = /^[A-Za-z0-9-]{1,50}$/;

/**
 * The fields of claims out (SPEC §7): `payerId`, `renderingProvider`, `priorAuthorization`,
 * `referralNumber`, and for a correction `correction: {of, kind: "replacement" | "void"}`. Their
 * form is checked here (400 naming the field); whether the claim is complete for an 837P is the
 * claim's `state` (draft with `problems`, or ready). Without `payerId` the claim is registered as
 * before: already sent to the payer outside kneadpay (`submitted`).
 */
const claimsOutFields = (f: ReturnType<typeof fields>): Partial<Claim> => {
  const payerId = f.string('payerId', { optional: true, max: 80, pattern: PAYER_ID, hint: 'the clearinghouse payer id, 2–80 letters or digits' });
  const rendering = f.object('renderingProvider', { optional: true });
  const correction = f.object('correction', { optional: true });
  if (!payerId) {
    for (const name of ['renderingProvider', 'priorAuthorization', 'referralNumber', 'correction']) {
      if (f.has(name)) throw new ValidationError(`${name} needs payerId: claims out are billed to a saved payer`, { field: 'payerId' });
    }
    return { state: 'submitted' };
  }
  return {
    state: 'draft',
    payerId,
    renderingProvider: rendering
      ? {
          firstName: rendering.string('firstName', { max: 35 }),
          lastName: rendering.string('lastName', { max: 60 }),
          npi: rendering.string('npi', { pattern: NPI, hint: '10 digits' }),
        }
      : null,
    priorAuthorization: f.string('priorAuthorization', { optional: true, max: 50, pattern: REFERENCE, hint: 'up to 50 letters, digits, -' }) ?? null,
    referralNumber: f.string('referralNumber', { optional: true, max: 50, pattern: REFERENCE, hint: 'up to 50 letters, digits, -' }) ?? null,
    frequencyCode: correction ? (correction.oneOf('kind', ['replacement', 'void'] as const) === 'void' ? '8' : '7') : '1',
    correctionOf: correction ? correction.string('of', { max: 38, pattern: CLAIM_ID, hint: 'the claimId of the claim corrected' }) : null,
    payerClaimControlNumber: correction?.string('payerClaimControlNumber', { optional: true, max: 50 }) ?? null,
    problems: [],
    batchId: null,
    acknowledgement: null,
  };
};

/** Key order is not kept by DynamoDB maps: the stored claim is compared with sorted keys. */
const sameSubmission = (a: Claim, b: Claim) =>
  canonicalJson([a.clientId, a.payerName, a.dateOfService, a.placeOfService, a.diagnosisCodes, a.lines, a.collectedCents, ...claimsOutIdentity(a)]) ===
  canonicalJson([b.clientId, b.payerName, b.dateOfService, b.placeOfService, b.diagnosisCodes, b.lines, b.collectedCents, ...claimsOutIdentity(b)]);
const claimsOutIdentity = (c: Claim) => [c.payerId ?? null, c.renderingProvider ?? null, c.priorAuthorization ?? null, c.referralNumber ?? null, c.correctionOf ?? null, c.frequencyCode ?? null];

/** Registers a claim. The same claim again answers 200 with it; a different claim under the same id is 409. */
export const createClaim = async (store: Store, practiceId: string, body: Record<string, unknown>, now = new Date()) => {
  const practice = await requirePractice(store, practiceId);
  const parsed = parseClaim(practiceId, body, practice.billing.unitMethod, practice.currency, now);
  await getClient(store, practiceId, parsed.clientId);
  const claim = parsed.payerId ? await prepareClaimOut(store, practice, parsed) : parsed;
  if (await insertClaim(store, claim)) return { created: true, claim };
  const existing = (await getClaim(store, practiceId, claim.claimId))!;
  if (!sameSubmission(existing, claim)) throw new ConflictError(`claim ${claim.claimId} already exists with other content`, 'claim_exists');
  return { created: false, claim: existing };
};

/** The claim as GET /claims/{id} shows it (SPEC §3), with every adjudication applied. */
export const claimView = async (store: Store, practiceId: string, claimId: string) => {
  const claim = await getClaim(store, practiceId, claimId);
  if (!claim) throw new NotFoundError('claim');
  const adjudications = await listAdjudications(store, practiceId, claimId);
  const { invoice, ...rest } = claim as Claim & { invoice?: unknown };
  return {
    ...rest,
    adjudications,
    ...(invoice ? { invoice } : {}),
  };
};
