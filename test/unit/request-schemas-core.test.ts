/**
 * The bodies the core modules read (packages, checkout, redemptions, a client without an email,
 * payers, coverage, claim batches, estimates, claims) answer from the zod catalog
 * (functions/shared/schemas/requests.ts) exactly as `fields()` did: the same value, or the same
 * 400 naming the same field first, in the same words. The old readers are kept here, as they were
 * in the core modules, over `fields()` (test/support/legacy-fields.ts), and compared on generated
 * bodies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/shared/errors';
import { parseBody } from '../../functions/shared/schemas/parse';
import {
  APPOINTMENT_ID, checkoutBody, clientWithoutEmailBody, packageChangeBody, packageCreateBody, redemptionBody,
} from '../../functions/shared/schemas/requests';
import { CURRENCY_PATTERN, EMAIL_PATTERN } from '../../functions/shared/validate';
import { fields } from '../support/legacy-fields';

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
  fc.oneof(
    fc.constantFrom(undefined, null, '', '   ', [], {}, 0, 7, -1, 1.5, true, 'x'.repeat(501), ...near),
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -10, max: 20_000_000 }),
  );

/** A body of some of `keys` (and a stray one), each with any value. */
export const bodyOf = (keys: string[], value: fc.Arbitrary<unknown>, maxKeys = keys.length + 1) =>
  fc.dictionary(fc.constantFrom(...keys, 'notes'), value, { maxKeys }) as fc.Arbitrary<Record<string, unknown>>;

const same = (schemaRead: (b: Record<string, unknown>) => unknown, oldRead: (b: Record<string, unknown>) => unknown, body: fc.Arbitrary<Record<string, unknown>>, numRuns = 3000) => {
  fc.assert(fc.property(body, (b) => { expect(outcome(() => schemaRead(structuredClone(b)))).toEqual(outcome(() => oldRead(structuredClone(b)))); }), { numRuns });
};

describe('a client without an email, checkout, redemptions', () => {
  it('POST /practices/{p}/clients without email', () => {
    same((b) => parseBody(clientWithoutEmailBody, b), (b) => ({ name: fields(b).string('name', { max: 200 }) }), bodyOf(['name'], anyValue('Ann', ' Ann  ')));
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
    same((b) => parseBody(packageCreateBody('usd'), b), old, bodyOf(['currency', 'name', 'sessions', 'sessionMinutes', 'serviceCode', 'priceCents', 'expiresInDays'], value, 8), 5000);
    // Bodies that pass all but one late field.
    const good = { currency: 'usd', name: 'Five', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 40000 };
    same((b) => parseBody(packageCreateBody('usd'), b), old, fc.record({ key: fc.constantFrom(...Object.keys(good), 'expiresInDays'), value }).map(({ key, value: v }) => ({ ...good, [key]: v })), 2000);
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
