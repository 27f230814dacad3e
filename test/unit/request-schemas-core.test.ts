/**
 * The bodies the core modules read (packages, checkout, redemptions, a client without an email,
 * payers, coverage, claim batches, estimates, claims) answer from the zod catalog
 * (functions/shared/schemas/requests.ts) exactly as `fields()` did: the same value, or the same
 * 400 naming the same field first, in the same words. The old readers are kept here, as they were
 * in the core modules, over `fields()` (test/support/legacy-fields.ts), and compared on generated
 * bodies: a quarter of the stated runs in `npm test`, all of them in `npm run test:fuzz`
 * (test/support/property-runs.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/shared/errors';
import { parseBody } from '../../functions/shared/schemas/parse';
import {
  APPOINTMENT_ID,
  checkoutBody,
  claimBody,
  estimateBody,
  claimBatchBody,
  clientWithoutEmailBody,
  coverageBody,
  FILING_INDICATORS,
  MAX_BATCH_CLAIMS,
  PAYER_ID,
  packageChangeBody,
  packageCreateBody,
  payerBody,
  redemptionBody,
} from '../../functions/shared/schemas/requests';
import { CURRENCY_PATTERN, EMAIL_PATTERN, isCalendarDate } from '../../functions/shared/validate';
import { fields, type FieldReader } from '../support/legacy-fields';
import { propertyRuns } from '../support/property-runs';
import { UNIT_METHODS, isTimedCode, unitsForVisit, type UnitMethod } from '../../functions/domain/units';
import { CLAIM_ID } from '../../functions/domain/claim-validation';
import type { ClaimLine } from '../../functions/domain/claim';
import { parsePaymentRefunded, parsePaymentSucceeded } from '../../functions/core/receipts/events';

export const outcome = (parse: () => unknown) => {
  try {
    return { ok: JSON.parse(JSON.stringify(parse() ?? null)) as unknown };
  } catch (error) {
    const e = error as ValidationError;
    if (!(e instanceof ValidationError)) throw error;
    return { error: e.name, status: e.status, code: e.code, message: e.message, details: e.details };
  }
};

/** Values a client may send in any field: absent, blank, the wrong type, too long, near-valid. */
export const anyValue = (...near: unknown[]) =>
  fc.oneof(fc.constantFrom(undefined, null, '', '   ', [], {}, 0, 7, -1, 1.5, true, 'x'.repeat(501), ...near), fc.string({ maxLength: 6 }), fc.integer({ min: -10, max: 20_000_000 }));

/** A body of some of `keys` (and a stray one), each with any value. */
export const bodyOf = (keys: string[], value: fc.Arbitrary<unknown>, maxKeys = keys.length + 1) =>
  fc.dictionary(fc.constantFrom(...keys, 'notes'), value, { maxKeys }) as fc.Arbitrary<Record<string, unknown>>;

/** Mostly good values, so that bodies get far (to the units, the claims-out fields), now and then a bad one. */
const pick = (good: fc.Arbitrary<unknown>, ...near: unknown[]) => fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: anyValue(...near) });
/** A key often left out. */
const maybe = (value: fc.Arbitrary<unknown>) => fc.option(value, { nil: undefined, freq: 2 });

const same = (schemaRead: (b: Record<string, unknown>) => unknown, oldRead: (b: Record<string, unknown>) => unknown, body: fc.Arbitrary<Record<string, unknown>>, numRuns = 3000) => {
  fc.assert(
    fc.property(body, (b) => {
      expect(outcome(() => schemaRead(structuredClone(b)))).toEqual(outcome(() => oldRead(structuredClone(b))));
    }),
    { numRuns: propertyRuns(numRuns) },
  );
};

/**
 * The schemas the properties read with, built once: the routes build them per request from the
 * practice's currency, today, the unit method or the path, and a zod schema reads any number of
 * bodies alike; building one per generated case was the largest cost of this file.
 */
const PACKAGE_CREATE_USD = packageCreateBody('usd');
const PAYER_AETNA1 = payerBody('AETNA1');
const COVERAGE_AETNA1_SAVED = coverageBody('prac_1', (id) => id === 'AETNA1');
const claimBodies = new Map<UnitMethod, ReturnType<typeof claimBody>>();
const claimBodyFor = (unitMethod: UnitMethod) => claimBodies.get(unitMethod) ?? claimBodies.set(unitMethod, claimBody(unitMethod)).get(unitMethod)!;

describe('a client without an email, checkout, redemptions', () => {
  it('POST /practices/{p}/clients without email', () => {
    same(
      (b) => parseBody(clientWithoutEmailBody, b),
      (b) => ({ name: fields(b).string('name', { max: 200 }) }),
      bodyOf(['name'], anyValue('Ann', ' Ann  ')),
    );
  });

  it('POST /p/{p}/packages/{id}/checkout', () => {
    const old = (b: Record<string, unknown>) => {
      const f = fields(b);
      const email = f.string('email', { max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' });
      return { email, name: f.string('name', { max: 200 }) };
    };
    same((b) => parseBody(checkoutBody, b), old, bodyOf(['email', 'name'], anyValue('Ann', ' ann@example.com ', 'not-an-email', `${'y'.repeat(250)}@example.com`)));
  });

  it('POST /practices/{p}/clients/{c}/redemptions', () => {
    const old = (b: Record<string, unknown>) => {
      const f = fields(b);
      const appointmentId = f.string('appointmentId', { max: 128, pattern: APPOINTMENT_ID, hint: 'letters, digits and _ . : -' });
      return { appointmentId, purchaseId: f.string('purchaseId', { optional: true, max: 64 }) };
    };
    same((b) => parseBody(redemptionBody, b), old, bodyOf(['appointmentId', 'purchaseId'], anyValue('appt:2026-12-06/1', 'appt_1', 'a'.repeat(129), 'pur_1', 'p'.repeat(65))));
  });
});

describe('text is text', () => {
  // Found by the route fuzz: a name of one lone UTF-16 surrogate ("\\ud800" in JSON) reached
  // Stripe's form encoding, which threw a URIError: a 500 from the public checkout. The old reader
  // took it too, so this is a deliberate difference: every string field refuses one, naming it.
  it('a lone surrogate in any string field is a 400 naming the field; a real emoji (a surrogate pair) is fine', () => {
    for (const name of ['\ud800', 'Ann \udc00', '\udbff\udbff']) {
      expect(() => parseBody(checkoutBody, { email: 'ann@example.com', name })).toThrow(
        expect.objectContaining({ status: 400, message: 'name is not valid text (it holds a lone UTF-16 surrogate)', details: expect.objectContaining({ field: 'name' }) }),
      );
    }
    expect(() => parseBody(packageCreateBody('usd'), { name: '\ud83d', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'name' }) }),
    );
    expect(parseBody(checkoutBody, { email: 'ann@example.com', name: 'Ann 😀' })).toEqual({ email: 'ann@example.com', name: 'Ann 😀' });
  });
});

describe('packages', () => {
  it('POST /practices/{p}/packages (the practice currency usd)', () => {
    const old = (b: Record<string, unknown>) => {
      const f = fields(b);
      const currency = f.string('currency', { pattern: CURRENCY_PATTERN, hint: 'lower-case ISO 4217, e.g. usd' });
      if (currency !== 'usd') throw new ValidationError("currency must be the practice's currency (usd)", { field: 'currency' });
      return {
        currency,
        name: f.string('name', { max: 120 }),
        sessions: f.int('sessions', { min: 1, max: 100 }),
        sessionMinutes: f.int('sessionMinutes', { min: 5, max: 480 }),
        serviceCode: f.string('serviceCode', { pattern: /^\d{5}$/, hint: 'a 5-digit CPT code such as 97124' }),
        priceCents: f.int('priceCents', { min: 50, max: 10_000_000 }),
        expiresInDays: f.int('expiresInDays', { optional: true, min: 1, max: 3650 }),
      };
    };
    const value = anyValue('usd', ' usd ', 'eur', 'USD', '97124', 'Five sessions', 1, 5, 50, 100, 101, 480, 3650, 3651, 10_000_001, 'x'.repeat(121));
    same((b) => parseBody(PACKAGE_CREATE_USD, b), old, bodyOf(['currency', 'name', 'sessions', 'sessionMinutes', 'serviceCode', 'priceCents', 'expiresInDays'], value, 8), 5000);
    // Bodies that pass all but one late field.
    const good = { currency: 'usd', name: 'Five', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 40000 };
    same(
      (b) => parseBody(PACKAGE_CREATE_USD, b),
      old,
      fc.record({ key: fc.constantFrom(...Object.keys(good), 'expiresInDays'), value }).map(({ key, value: v }) => ({ ...good, [key]: v })),
      2000,
    );
  });

  it('PATCH /practices/{p}/packages/{id}', () => {
    const old = (b: Record<string, unknown>) => {
      const f = fields(b);
      for (const field of Object.keys(b)) {
        if (!['priceCents', 'active', 'name'].includes(field)) throw new ValidationError(`${field} cannot be changed; create a new package instead`, { field });
      }
      const name = f.string('name', { optional: true, max: 120 });
      if (b.active !== undefined && typeof b.active !== 'boolean') throw new ValidationError('active must be true or false', { field: 'active' });
      return { name, active: b.active, priceCents: f.int('priceCents', { optional: true, min: 50, max: 10_000_000 }) };
    };
    same((b) => parseBody(packageChangeBody, b), old, bodyOf(['priceCents', 'active', 'name', 'sessions'], anyValue(false, 'Renamed', 49, 50, 10_000_000)));
  });
});

describe('claims out: payers, coverage, claim batches', () => {
  // The old readers of core/claims-out.ts, as they were.
  const readAddress = (f: FieldReader, optional: boolean) => {
    const a = optional ? f.object('address', { optional: true }) : f.object('address');
    if (!a) return undefined;
    return {
      line1: a.string('line1', { max: 55 }),
      ...(a.has('line2') ? { line2: a.string('line2', { max: 55 }) } : {}),
      city: a.string('city', { max: 30 }),
      state: a.string('state', { pattern: /^[A-Z]{2}$/, hint: 'a 2-letter US state code' }),
      postalCode: a.string('postalCode', { pattern: /^\d{5}(-?\d{4})?$/, hint: '5 or 9 digits' }).replace('-', ''),
    };
  };
  const readPerson = (f: FieldReader) => {
    const dateOfBirth = f.string('dateOfBirth', { pattern: /^\d{4}-\d{2}-\d{2}$/, hint: 'YYYY-MM-DD' });
    if (!isCalendarDate(dateOfBirth)) throw new ValidationError(`${f.path('dateOfBirth')} is not a calendar date`, { field: f.path('dateOfBirth') });
    return { firstName: f.string('firstName', { max: 35 }), lastName: f.string('lastName', { max: 60 }), dateOfBirth, sex: f.oneOf('sex', ['F', 'M', 'U'] as const), address: readAddress(f, false)! };
  };
  const addressValue = fc.oneof(
    anyValue(),
    fc.dictionary(
      fc.constantFrom('line1', 'line2', 'city', 'state', 'postalCode'),
      anyValue('1 Main St', 'Portland', 'OR', 'or', '97201', '97201-1234', '972011234', '9720', 'x'.repeat(56), 'y'.repeat(31)),
    ),
    fc.constant({ line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' }),
  );
  const personValue = fc.oneof(
    anyValue(),
    fc.record(
      {
        dateOfBirth: anyValue('1980-02-29', '1981-02-29', '1980-1-1', '1980-13-01'),
        firstName: anyValue('Ann', 'a'.repeat(36)),
        lastName: anyValue('Lee', 'l'.repeat(61)),
        sex: anyValue('F', 'M', 'U', 'X'),
        address: addressValue,
      },
      { requiredKeys: [] },
    ),
    fc.constant({ dateOfBirth: '1980-02-29', firstName: 'Ann', lastName: 'Lee', sex: 'F', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201' } }),
  );

  it('PUT /practices/{p}/payers/{payerId} (the path names AETNA1)', () => {
    const old = (b: Record<string, unknown>) => {
      const f = fields(b);
      const payerId = f.string('payerId', { max: 80, pattern: PAYER_ID, hint: 'the clearinghouse payer id, 2–80 letters or digits' });
      if (payerId !== 'AETNA1') throw new ValidationError(`payerId ${payerId} is not the payer of the path (AETNA1)`, { field: 'payerId' });
      return {
        payerId,
        name: f.string('name', { max: 60 }),
        address: readAddress(f, true) ?? null,
        claimFilingIndicator: f.oneOf('claimFilingIndicator', FILING_INDICATORS, { optional: true }) ?? 'CI',
      };
    };
    const schema = (b: Record<string, unknown>) => {
      const { payerId, name, address, claimFilingIndicator } = parseBody(PAYER_AETNA1, b);
      return { payerId, name, address: address ?? null, claimFilingIndicator: claimFilingIndicator ?? 'CI' };
    };
    const body = fc.record(
      { payerId: anyValue('AETNA1', ' AETNA1 ', 'OTHER2', 'A', 'a-b'), name: anyValue('Aetna', 'n'.repeat(61)), address: addressValue, claimFilingIndicator: anyValue('CI', 'MB', 'XX') },
      { requiredKeys: [] },
    );
    same(schema, old, body, 4000);
    same(
      schema,
      old,
      addressValue.map((address) => ({ payerId: 'AETNA1', name: 'Aetna', address })),
      3000,
    );
  });

  it('PUT /practices/{p}/clients/{c}/coverage (AETNA1 saved)', () => {
    const old = (b: Record<string, unknown>) => {
      const f = fields(b);
      const payerId = f.string('payerId', { max: 80, pattern: PAYER_ID, hint: 'a payer saved with PUT /payers/{payerId}' });
      if (payerId !== 'AETNA1') throw new ValidationError(`payer ${payerId} is not saved: PUT /practices/prac_1/payers/${payerId} first`, { field: 'payerId' });
      const relationship = f.oneOf('relationship', ['self', 'spouse', 'child', 'other'] as const);
      const subscriber = f.object('subscriber', { optional: true });
      if (relationship !== 'self' && !subscriber) throw new ValidationError('subscriber is required when the patient is not the subscriber', { field: 'subscriber' });
      return {
        payerId,
        memberId: f.string('memberId', { max: 80, pattern: /^[A-Za-z0-9-]{1,80}$/, hint: 'letters, digits, -' }),
        groupNumber: f.string('groupNumber', { optional: true, max: 50, pattern: /^[A-Za-z0-9-]{1,50}$/, hint: 'letters, digits, -' }) ?? null,
        relationship,
        subscriber: relationship === 'self' ? null : readPerson(subscriber!),
        patient: readPerson(f.object('patient')),
      };
    };
    const schema = (b: Record<string, unknown>) => {
      const parsed = parseBody(COVERAGE_AETNA1_SAVED, b);
      return {
        payerId: parsed.payerId,
        memberId: parsed.memberId,
        groupNumber: parsed.groupNumber ?? null,
        relationship: parsed.relationship,
        subscriber: parsed.relationship === 'self' ? null : parsed.subscriber!,
        patient: parsed.patient,
      };
    };
    const body = fc.record(
      {
        payerId: anyValue('AETNA1', ' AETNA1 ', 'OTHER2', 'A'),
        relationship: anyValue('self', 'spouse', 'child', 'other', 'boss'),
        subscriber: personValue,
        memberId: anyValue('M-123', 'm'.repeat(80), 'm'.repeat(81), 'bad id'),
        groupNumber: anyValue('G1', 'g'.repeat(50), 'g'.repeat(51), 'bad id'),
        patient: personValue,
      },
      { requiredKeys: [] },
    );
    same(schema, old, body, 4000);
    same(
      schema,
      old,
      fc.record({
        payerId: pick(fc.constant('AETNA1'), 'OTHER2'),
        relationship: pick(fc.constantFrom('self', 'spouse'), 'boss'),
        subscriber: maybe(personValue),
        memberId: pick(fc.constantFrom('M-123', 'm'.repeat(80)), 'm'.repeat(81), 'bad id'),
        groupNumber: maybe(pick(fc.constantFrom('G1', 'g'.repeat(50)), 'g'.repeat(51), 'bad id')),
        patient: personValue,
      }),
      3000,
    );
    const good = { payerId: 'AETNA1', relationship: 'spouse', memberId: 'M-1' };
    same(
      schema,
      old,
      fc.record({ subscriber: personValue, patient: personValue, relationship: fc.constantFrom('self', 'child') }).map((extra) => ({ ...good, ...extra })),
      4000,
    );
  });

  it('POST /practices/{p}/claim-batches', () => {
    const old = (b: Record<string, unknown>) => {
      const raw = fields(b).array('claimIds', { optional: true, max: MAX_BATCH_CLAIMS });
      if (raw === undefined) return undefined;
      if (raw.length === 0) throw new ValidationError('claimIds is empty: leave it out to batch every ready claim', { field: 'claimIds' });
      const ids = raw.map((id, i) => {
        if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,38}$/.test(id)) throw new ValidationError(`claimIds[${i}] is not a claim id`, { field: `claimIds[${i}]` });
        return id;
      });
      if (new Set(ids).size !== ids.length) throw new ValidationError('claimIds names a claim twice', { field: 'claimIds' });
      return ids;
    };
    const id = fc.oneof(fc.constantFrom('clm_1', 'clm_2', 'bad id', 'c'.repeat(39), 7, null), fc.string({ maxLength: 4 }));
    const claimIds = fc.oneof(anyValue(), fc.array(id, { maxLength: 5 }), fc.array(fc.constant('clm_1'), { minLength: 89, maxLength: 92 }));
    same((b) => parseBody(claimBatchBody, b).claimIds, old, fc.record({ claimIds, other: anyValue() }, { requiredKeys: [] }), 4000);
  });
});

// The old readers of core/claims.ts and core/estimates.ts, as they were.
const ICD10 = /^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$/;
const readDiagnosisCodes = (f: FieldReader, opts: { optional?: boolean } = {}): string[] =>
  (f.array('diagnosisCodes', { max: 12, optional: opts.optional }) ?? []).map((code, i) => {
    if (typeof code !== 'string' || !ICD10.test(code.toUpperCase())) throw new ValidationError(`diagnosisCodes[${i}] is not an ICD-10-CM code (e.g. M54.2)`, { field: `diagnosisCodes[${i}]` });
    return code.toUpperCase();
  });
const codesValue = fc.oneof(anyValue(), fc.array(fc.oneof(fc.constantFrom('M54.2', 'm542', 'U07.1', 'Z99', 7, null), fc.string({ maxLength: 4 })), { maxLength: 13 }));

describe('estimates', () => {
  const TODAY = '2026-12-06';
  const ESTIMATE_TODAY = estimateBody(TODAY);
  const plusMonths = (date: string, months: number) => {
    const d = new Date(`${date}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + months);
    return d.toISOString().slice(0, 10);
  };
  const dateField = (f: FieldReader, field: string) => {
    const value = f.string(field, { optional: true, max: 10, pattern: /^\d{4}-\d{2}-\d{2}$/, hint: 'YYYY-MM-DD' });
    if (value !== undefined && !isCalendarDate(value)) throw new ValidationError(`${field} is not a calendar date`, { field });
    return value ?? null;
  };
  const old = (body: Record<string, unknown>) => {
    const f = fields(body);
    const primaryService = f.string('primaryService', { max: 200 });
    const scheduledOn = dateField(f, 'scheduledOn') ?? TODAY;
    if (scheduledOn > TODAY) throw new ValidationError('scheduledOn cannot be in the future', { field: 'scheduledOn' });
    const serviceDate = dateField(f, 'serviceDate');
    if (serviceDate !== null && serviceDate < scheduledOn) throw new ValidationError('serviceDate must not be before scheduledOn', { field: 'serviceDate' });
    const coversThrough = dateField(f, 'coversThrough');
    const start = serviceDate ?? scheduledOn;
    if (coversThrough !== null && coversThrough < start) throw new ValidationError('coversThrough must not be before the service date', { field: 'coversThrough' });
    if (coversThrough !== null && coversThrough > plusMonths(start, 12)) {
      throw new ValidationError('coversThrough may be at most 12 months after the service date (give a new estimate for the next year)', { field: 'coversThrough' });
    }
    const dateOfBirth = dateField(f, 'dateOfBirth');
    if (dateOfBirth !== null && dateOfBirth > TODAY) throw new ValidationError('dateOfBirth cannot be in the future', { field: 'dateOfBirth' });
    const diagnosisCodes = readDiagnosisCodes(f, { optional: true });
    const rawLines = f.array('lines', { max: 50 }) ?? [];
    if (rawLines.length === 0) throw new ValidationError('lines needs at least one service', { field: 'lines' });
    const lines = rawLines.map((raw, i) => {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError(`lines[${i}] must be an object`, { field: `lines[${i}]` });
      const line = fields(raw as Record<string, unknown>, `lines[${i}]`);
      return {
        serviceCode: line.string('serviceCode', { pattern: /^(\d{4}[0-9A-Z]|[A-Z]\d{4})$/, hint: 'a CPT or HCPCS code such as 97124' }),
        description: line.string('description', { max: 200 }),
        quantity: line.int('quantity', { optional: true, min: 1, max: 500 }) ?? 1,
        unitChargeCents: line.int('unitChargeCents', { min: 0, max: 10_000_000 }),
      };
    });
    return { primaryService, scheduledOn, serviceDate, coversThrough, dateOfBirth, diagnosisCodes, lines };
  };
  const date = anyValue('2026-12-06', '2026-12-07', '2026-11-01', '2027-01-15', '2027-12-07', '2028-01-01', '2026-02-30', '2026-1-1', '1980-05-01');
  const line = fc.oneof(
    anyValue(),
    fc.record(
      { serviceCode: anyValue('97124', 'G0283', '9712', 'g0283'), description: anyValue('Massage', 'd'.repeat(201)), quantity: anyValue(1, 500, 501), unitChargeCents: anyValue(0, 9000, 10_000_001) },
      { requiredKeys: [] },
    ),
    // Mostly good lines, at the limits.
    fc.record({
      serviceCode: pick(fc.constantFrom('97124', 'G0283'), '9712', 'g0283'),
      description: pick(fc.constantFrom('Massage', 'd'.repeat(200)), 'd'.repeat(201)),
      quantity: maybe(pick(fc.constantFrom(1, 499, 500), 501)),
      unitChargeCents: pick(fc.constantFrom(0, 9000, 10_000_000), 10_000_001),
    }),
    fc.constant({ serviceCode: '97124', description: 'Massage', unitChargeCents: 9000 }),
  );
  const lines = fc.oneof(anyValue(), fc.array(line, { maxLength: 3 }));

  it('POST /practices/{p}/clients/{c}/estimates (today 2026-12-06)', () => {
    const body = fc.record(
      { primaryService: anyValue('Massage', 's'.repeat(201)), scheduledOn: date, serviceDate: date, coversThrough: date, dateOfBirth: date, diagnosisCodes: codesValue, lines },
      { requiredKeys: [] },
    );
    same((b) => parseBody(ESTIMATE_TODAY, b), old, body, 3000);
    const good = { primaryService: 'Massage', lines: [{ serviceCode: '97124', description: 'Massage', unitChargeCents: 9000 }] };
    same(
      (b) => parseBody(ESTIMATE_TODAY, b),
      old,
      fc.record({ scheduledOn: date, serviceDate: date, coversThrough: date, dateOfBirth: date, diagnosisCodes: codesValue, lines }, { requiredKeys: [] }).map((extra) => ({ ...good, ...extra })),
      3000,
    );
    // Mostly good bodies, so the lines are reached.
    const goodDate = (...dates: string[]) => maybe(pick(fc.constantFrom(...dates), '2026-02-30', '2027-12-07'));
    same(
      (b) => parseBody(ESTIMATE_TODAY, b),
      old,
      fc.record({
        primaryService: pick(fc.constant('Massage')),
        scheduledOn: goodDate('2026-11-01', '2026-12-06'),
        serviceDate: goodDate('2026-12-06', '2026-12-20'),
        coversThrough: goodDate('2027-01-15', '2027-12-06'),
        dateOfBirth: goodDate('1980-05-01'),
        diagnosisCodes: maybe(pick(fc.constant(['M54.2']), [], ['XX'])),
        lines: pick(fc.array(line, { minLength: 1, maxLength: 3 }), []),
      }),
      3000,
    );
  });
});

describe('claims', () => {
  // parseClaim's reading of the body, as it was (core/claims.ts), without the fields it adds itself.
  const old = (body: Record<string, unknown>, unitMethod: UnitMethod) => {
    const f = fields(body);
    const claimId = f.string('claimId', { max: 38, pattern: CLAIM_ID, hint: 'up to 38 letters, digits, _ . -' });
    const dateOfService = f.string('dateOfService', { pattern: /^\d{4}-\d{2}-\d{2}$/, hint: 'YYYY-MM-DD' });
    if (!isCalendarDate(dateOfService)) throw new ValidationError('dateOfService is not a calendar date', { field: 'dateOfService' });
    const diagnosisCodes = readDiagnosisCodes(f);
    if (diagnosisCodes.length === 0) throw new ValidationError('diagnosisCodes needs at least one ICD-10 code', { field: 'diagnosisCodes' });
    const rawLines = f.array('lines', { max: 50 }) ?? [];
    if (rawLines.length === 0) throw new ValidationError('lines needs at least one service line', { field: 'lines' });
    const lines: ClaimLine[] = rawLines.map((raw, i) => {
      if (!raw || typeof raw !== 'object') throw new ValidationError(`lines[${i}] must be an object`, { field: `lines[${i}]` });
      const line = fields(raw as Record<string, unknown>, `lines[${i}]`);
      const procedureCode = line.string('procedureCode', { pattern: /^[A-Z0-9]{5}$/, hint: 'a 5-character CPT/HCPCS code' });
      const modifiers = (line.array('modifiers', { optional: true, max: 4 }) ?? []).map((modifier, m) => {
        if (typeof modifier !== 'string' || !/^[A-Z0-9]{2}$/.test(modifier)) {
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
      // Since the domain audit of 2026-12-07 (DOMAIN.md §3: an untimed code is 1 unit whatever its minutes).
      if (units !== null && units !== 1 && timed === false) {
        throw new ValidationError(`lines[${i}]: ${procedureCode} is untimed: it is billed as 1 unit per visit whatever its minutes, not ${units}`, { field: `lines[${i}].units` });
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
      return { procedureCode, modifiers, minutes, units: units ?? 0, chargeCents: line.int('chargeCents', { min: 0, max: 100_000_000 }), ...(diagnosisPointers ? { diagnosisPointers } : {}) };
    });
    const fromMinutes = lines.map((line, index) => ({ line, index })).filter(({ line }) => line.units === 0 && line.minutes !== null);
    if (fromMinutes.length > 0) {
      const computed = unitsForVisit(
        fromMinutes.map(({ line }) => ({ code: line.procedureCode, minutes: line.minutes! })),
        unitMethod,
      );
      computed.lines.forEach((result, k) => {
        fromMinutes[k]!.line.units = result.units;
      });
      if (lines.every((line) => line.units === 0)) {
        const why =
          unitMethod === UNIT_METHODS.perCode
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
    const rest = {
      clientId: f.string('clientId', { max: 64 }),
      payerName: f.string('payerName', { optional: true, max: 120 }) ?? null,
      placeOfService: f.string('placeOfService', { optional: true, pattern: /^\d{2}$/, hint: 'a 2-digit CMS place of service, e.g. 11' }) ?? '11',
      collectedCents: f.int('collectedCents', { optional: true, min: 0, max: 100_000_000 }) ?? 0,
    };
    const payerId = f.string('payerId', { optional: true, max: 80, pattern: /^[A-Za-z0-9]{2,80}$/, hint: 'the clearinghouse payer id, 2–80 letters or digits' });
    const rendering = f.object('renderingProvider', { optional: true });
    const correction = f.object('correction', { optional: true });
    if (!payerId) {
      for (const name of ['renderingProvider', 'priorAuthorization', 'referralNumber', 'correction']) {
        if (f.has(name)) throw new ValidationError(`${name} needs payerId: claims out are billed to a saved payer`, { field: 'payerId' });
      }
      return { claimId, dateOfService, diagnosisCodes, lines, ...rest, state: 'submitted' };
    }
    const REFERENCE = /^[A-Za-z0-9-]{1,50}$/;
    return {
      claimId,
      dateOfService,
      diagnosisCodes,
      lines,
      ...rest,
      state: 'draft',
      payerId,
      renderingProvider: rendering
        ? { firstName: rendering.string('firstName', { max: 35 }), lastName: rendering.string('lastName', { max: 60 }), npi: rendering.string('npi', { pattern: /^\d{10}$/, hint: '10 digits' }) }
        : null,
      priorAuthorization: f.string('priorAuthorization', { optional: true, max: 50, pattern: REFERENCE, hint: 'up to 50 letters, digits, -' }) ?? null,
      referralNumber: f.string('referralNumber', { optional: true, max: 50, pattern: REFERENCE, hint: 'up to 50 letters, digits, -' }) ?? null,
      frequencyCode: correction ? (correction.oneOf('kind', ['replacement', 'void'] as const) === 'void' ? '8' : '7') : '1',
      correctionOf: correction ? correction.string('of', { max: 38, pattern: CLAIM_ID, hint: 'the claimId of the claim corrected' }) : null,
      payerClaimControlNumber: correction?.string('payerClaimControlNumber', { optional: true, max: 50 }) ?? null,
    };
  };
  // The same, from the schema, shaped as core/claims.ts shapes it.
  const schema = (body: Record<string, unknown>, unitMethod: UnitMethod) => {
    const p = parseBody(claimBodyFor(unitMethod), body);
    const rest = { clientId: p.clientId, payerName: p.payerName ?? null, placeOfService: p.placeOfService ?? '11', collectedCents: p.collectedCents ?? 0 };
    const base = { claimId: p.claimId, dateOfService: p.dateOfService, diagnosisCodes: p.diagnosisCodes, lines: p.lines, ...rest };
    if (!p.payerId) return { ...base, state: 'submitted' };
    return {
      ...base,
      state: 'draft',
      payerId: p.payerId,
      renderingProvider: p.renderingProvider ? { firstName: p.renderingProvider.firstName, lastName: p.renderingProvider.lastName, npi: p.renderingProvider.npi } : null,
      priorAuthorization: p.priorAuthorization ?? null,
      referralNumber: p.referralNumber ?? null,
      frequencyCode: p.correction ? (p.correction.kind === 'void' ? '8' : '7') : '1',
      correctionOf: p.correction ? p.correction.of : null,
      payerClaimControlNumber: p.correction?.payerClaimControlNumber ?? null,
    };
  };
  const line = fc.oneof(
    { weight: 1, arbitrary: anyValue() },
    {
      weight: 8,
      arbitrary: fc.record({
        procedureCode: pick(fc.constantFrom('97124', '97140', '97010', '99213', 'G0283'), '9712'),
        modifiers: maybe(pick(fc.array(fc.constantFrom('GP', '59', 'KX'), { maxLength: 4 }), ['GP', 'g'], ['GP', 'GP', 'GP', 'GP', 'GP'])),
        minutes: maybe(pick(fc.integer({ min: 0, max: 40 }), 1441)),
        units: maybe(pick(fc.integer({ min: 1, max: 3 }), 100)),
        diagnosisPointers: maybe(pick(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), [13], [1, 2, 3, 4, 5])),
        chargeCents: pick(fc.constantFrom(0, 5000), 100_000_001),
      }),
    },
  );
  const lines = pick(fc.array(line, { minLength: 1, maxLength: 3 }), []);
  const object = (keys: Record<string, fc.Arbitrary<unknown>>) => pick(fc.record(keys));
  const claimsOut = {
    clientId: pick(fc.constant('cli_1'), 'c'.repeat(65)),
    payerName: maybe(pick(fc.constant('Aetna'), 'n'.repeat(121))),
    placeOfService: maybe(pick(fc.constantFrom('11', '02'), '2')),
    collectedCents: maybe(pick(fc.constantFrom(0, 2500), 100_000_001)),
    payerId: maybe(pick(fc.constant('AETNA1'), 'A')),
    renderingProvider: maybe(object({ firstName: pick(fc.constant('Ann'), 'a'.repeat(36)), lastName: pick(fc.constant('Lee')), npi: pick(fc.constant('1234567893'), '123') })),
    priorAuthorization: maybe(pick(fc.constant('PA-1'), 'bad id', 'p'.repeat(51))),
    referralNumber: maybe(pick(fc.constant('R-1'), 'r'.repeat(51))),
    correction: maybe(
      object({
        kind: pick(fc.constantFrom('replacement', 'void'), 'other'),
        of: pick(fc.constant('clm_0'), 'bad id'),
        payerClaimControlNumber: maybe(pick(fc.constantFrom('PCN1', 'p'.repeat(50)), 'p'.repeat(51))),
      }),
    ),
  };
  const method = fc.constantFrom(...(Object.values(UNIT_METHODS) as UnitMethod[]));
  const check = (body: fc.Arbitrary<Record<string, unknown>>, numRuns: number) =>
    fc.assert(
      fc.property(body, method, (b, m) => {
        expect(outcome(() => schema(structuredClone(b), m))).toEqual(outcome(() => old(structuredClone(b), m)));
      }),
      { numRuns: propertyRuns(numRuns) },
    );

  it('POST /practices/{p}/claims: any body', () => {
    const head = {
      claimId: pick(fc.constant('clm_1'), 'bad id', 'c'.repeat(39)),
      dateOfService: pick(fc.constant('2026-12-01'), '2026-02-30', '2026-1-1'),
      diagnosisCodes: pick(fc.array(fc.constantFrom('M54.2', 'm542', 'U07.1'), { minLength: 1, maxLength: 3 }), [], ['M54.2', 'XX'], Array(13).fill('M54.2')),
    };
    check(fc.record({ ...head, lines, ...claimsOut }), 4000);
    check(fc.record({ claimId: anyValue('clm_1'), dateOfService: anyValue('2026-12-01'), diagnosisCodes: codesValue, lines: anyValue(), clientId: anyValue() }, { requiredKeys: [] }), 1000);
  });
});

describe('the payment event details the receipt issuer reads', () => {
  const KINDS = ['package', 'invoice'] as const;
  const oldSucceeded = (detail: Record<string, unknown>) => {
    const f = fields(detail, 'detail');
    const kind = f.oneOf('kind', KINDS);
    return {
      practiceId: f.string('practiceId'),
      clientId: f.string('clientId'),
      kind,
      paymentId: f.string('paymentId'),
      amountCents: f.int('amountCents', { min: 0 }),
      currency: f.string('currency', { pattern: /^[a-z]{3}$/ }),
      paidAt: f.string('paidAt'),
      purchaseId: kind === 'package' ? f.string('purchaseId') : f.string('purchaseId', { optional: true }),
      invoiceId: f.string('invoiceId', { optional: true }),
      claimId: f.string('claimId', { optional: true }),
    };
  };
  const oldRefunded = (detail: Record<string, unknown>) => {
    const f = fields(detail, 'detail');
    return {
      practiceId: f.string('practiceId'),
      clientId: f.string('clientId'),
      kind: f.oneOf('kind', KINDS),
      paymentId: f.string('paymentId'),
      refundId: f.string('refundId'),
      amountCents: f.int('amountCents', { min: 1 }),
      totalRefundedCents: f.int('totalRefundedCents', { min: 1 }),
      currency: f.string('currency', { pattern: /^[a-z]{3}$/ }),
      purchaseId: f.string('purchaseId', { optional: true }),
      invoiceId: f.string('invoiceId', { optional: true }),
      claimId: f.string('claimId', { optional: true }),
      creditsRemoved: f.int('creditsRemoved', { optional: true, min: 0 }) ?? 0,
      refundedAt: f.string('refundedAt'),
    };
  };
  const mostly = (good: unknown) => fc.oneof({ weight: 5, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: anyValue() });
  it('PaymentSucceeded and PaymentRefunded', () => {
    const succeeded = fc.record(
      {
        kind: fc.oneof(mostly('package'), fc.constant('invoice')),
        practiceId: mostly('prac_1'),
        clientId: mostly('cli_1'),
        paymentId: mostly('pi_1'),
        amountCents: mostly(5000),
        currency: fc.oneof(mostly('usd'), fc.constant('USD')),
        paidAt: mostly('2026-12-06T12:00:00Z'),
        purchaseId: fc.option(mostly('pur_1'), { nil: undefined }),
        invoiceId: fc.option(mostly('in_1'), { nil: undefined }),
        claimId: fc.option(mostly('clm_1'), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    same(parsePaymentSucceeded, oldSucceeded, succeeded, 3000);
    const refunded = fc.record(
      {
        practiceId: mostly('prac_1'),
        clientId: mostly('cli_1'),
        kind: mostly('invoice'),
        paymentId: mostly('pi_1'),
        refundId: mostly('re_1'),
        amountCents: fc.oneof(mostly(100), fc.constant(0)),
        totalRefundedCents: mostly(100),
        currency: mostly('usd'),
        purchaseId: fc.option(mostly('pur_1'), { nil: undefined }),
        invoiceId: fc.option(mostly('in_1'), { nil: undefined }),
        claimId: fc.option(mostly('clm_1'), { nil: undefined }),
        creditsRemoved: fc.option(mostly(1), { nil: undefined }),
        refundedAt: mostly('2026-12-06T12:00:00Z'),
      },
      { requiredKeys: [] },
    );
    same(parsePaymentRefunded, oldRefunded, refunded, 3000);
  });
});
