/**
 * The request-body catalog (functions/shared/schemas/requests.ts) answers as `fields()` did: one
 * ValidationError naming the first field in the order the handlers read them, in the same words.
 * The clients bodies are compared with `fields()` itself (it stays for core modules) on generated
 * bodies; the profile on the cases its users meet.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePracticeProfile } from '../../functions/practices';
import { ValidationError } from '../../functions/shared/errors';
import { fieldOf, parseBody } from '../../functions/shared/schemas/parse';
import { clientCreateBody, clientPatchBody } from '../../functions/shared/schemas/requests';
import { EMAIL_PATTERN } from '../../functions/shared/validate';
import { fields } from '../support/legacy-fields';
import type { Practice } from '../../functions/domain/practice';

const outcome = (parse: () => unknown) => {
  try {
    return { ok: JSON.parse(JSON.stringify(parse())) as unknown };
  } catch (error) {
    const e = error as ValidationError;
    return { error: e.name, status: e.status, code: e.code, message: e.message, details: e.details };
  }
};

const NOW = new Date('2026-12-06T12:00:00Z');
const profile = (body: Record<string, unknown>, previous?: Partial<Practice>) => outcome(() => parsePracticeProfile('prac_schema', body, previous as Practice | undefined, NOW));
const GOOD = { name: 'Calm Hands Massage', email: 'front@calmhands.example' };

describe('PUT /practices/{p}: the profile schema', () => {
  it('fills in the defaults, trims, and keeps the key order of the stored practice', () => {
    // Act
    const answer = profile({ ...GOOD, name: '  Calm Hands Massage ', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201' }, billing: { reminderDays: [3] } });
    // Assess
    expect(answer).toEqual({
      ok: {
        practiceId: 'prac_schema',
        name: 'Calm Hands Massage',
        email: GOOD.email,
        address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201', country: 'US' },
        timezone: 'America/New_York',
        currency: 'usd',
        billing: { unitMethod: 'cms', invoiceDueDays: 14, overpayment: 'refund', forwardedClaims: 'hold', secondaryClaims: 'hold', payerWaitDays: 45, reminderDays: [3] },
        receipts: { mode: 'link', linkLifetimeDays: 365 },
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      },
    });
    expect(Object.keys((answer as { ok: object }).ok)).toEqual(['practiceId', 'name', 'email', 'address', 'timezone', 'currency', 'billing', 'receipts', 'createdAt', 'updatedAt']);
  });

  it.each([
    [{ ...GOOD, address: { line1: '1 Main St', city: 'Portland', state: 'OR' } }, 'address.postalCode is required', 'address.postalCode'],
    [{ email: GOOD.email }, 'name is required', 'name'],
    [{ ...GOOD, name: 42 }, 'name must be a string', 'name'],
    [{ ...GOOD, name: 'x'.repeat(201) }, 'name must be at most 200 characters', 'name'],
    [{ ...GOOD, email: 'front desk' }, 'email is not valid (an email address)', 'email'],
    [{ ...GOOD, phone: 'call me' }, 'phone is not valid (digits, spaces, + ( ) . -)', 'phone'],
    [{ ...GOOD, npi: '1234567890' }, 'npi fails its check digit', 'npi'],
    [{ ...GOOD, npi: '12345' }, 'npi is not valid (10 digits)', 'npi'],
    [{ ...GOOD, timezone: 'Mars/Olympus' }, 'timezone is not an IANA time zone (e.g. America/Chicago)', 'timezone'],
    [{ ...GOOD, currency: 'USD' }, 'currency is not valid (lower-case ISO 4217, e.g. usd)', 'currency'],
    [{ ...GOOD, billing: { unitMethod: 'hourly' } }, 'billing.unitMethod must be one of cms, per-code', 'billing.unitMethod'],
    [{ ...GOOD, billing: { invoiceDueDays: 1.5 } }, 'billing.invoiceDueDays must be an integer', 'billing.invoiceDueDays'],
    [{ ...GOOD, billing: { invoiceDueDays: 400 } }, 'billing.invoiceDueDays must be at most 365', 'billing.invoiceDueDays'],
    [{ ...GOOD, billing: { reminderDays: [1, 2.5] } }, 'billing.reminderDays must be whole days between 0 and 365', 'billing.reminderDays'],
    [{ ...GOOD, billing: { reminderDays: 'weekly' } }, 'billing.reminderDays must be an array', 'billing.reminderDays'],
    [{ ...GOOD, receipts: { linkLifetimeDays: 0 } }, 'receipts.linkLifetimeDays must be at least 1', 'receipts.linkLifetimeDays'],
    [{ ...GOOD, clearinghouse: { name: 'Hub', receiverId: 'R', submitterId: 'SUB1' } }, 'clearinghouse.receiverId is not valid (2–15 letters or digits)', 'clearinghouse.receiverId'],
    [{ ...GOOD, address: [] }, 'address must be an object', 'address'],
    // fields() read the four objects, npi and timezone before name: those problems still come first.
    [{ address: 'somewhere' }, 'address must be an object', 'address'],
    [{ npi: '1' }, 'npi is not valid (10 digits)', 'npi'],
    [{ timezone: 'Nowhere/Else', billing: { reminderDays: [-1] } }, 'timezone is not an IANA time zone (e.g. America/Chicago)', 'timezone'],
    [{ billing: { reminderDays: [-1], unitMethod: 'x' } }, 'billing.reminderDays must be whole days between 0 and 365', 'billing.reminderDays'],
  ])('%j → 400 %s', (body, message, field) => {
    expect(profile(body)).toEqual({ error: 'ValidationError', status: 400, code: 'validation_error', message, details: { field } });
  });

  it('the connected account cannot be set or changed in the profile, and is checked where it was (before billing)', () => {
    const linked = { stripeAccountId: 'acct_linked', createdAt: '2026-01-01T00:00:00.000Z' };
    expect(profile({ ...GOOD, stripeAccountId: 'acct_linked' }, linked)).toMatchObject({ ok: { stripeAccountId: 'acct_linked', createdAt: linked.createdAt } });
    expect(profile({ ...GOOD }, linked)).toMatchObject({ ok: { stripeAccountId: 'acct_linked' } });
    expect(profile({ ...GOOD, stripeAccountId: 'acct_other', billing: { unitMethod: 'x' } }, linked)).toEqual({
      error: 'ValidationError',
      status: 400,
      code: 'validation_error',
      message:
        'stripeAccountId cannot be set or changed in the profile: a Stripe account is connected through onboarding (POST /practices/prac_schema/stripe/onboarding) and released with DELETE /practices/prac_schema/stripe',
      details: { field: 'stripeAccountId', linked: 'acct_linked' },
    });
    expect(profile({ ...GOOD, stripeAccountId: 'acct_new' })).toMatchObject({ details: { field: 'stripeAccountId', linked: null } });
  });
});

describe('clients: the same answers as fields() on any body', () => {
  const oldCreate = (body: Record<string, unknown>) => {
    const f = fields(body);
    return { email: f.string('email', { max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' }), name: f.string('name', { max: 200 }) };
  };
  const oldPatch = (body: Record<string, unknown>) => {
    const f = fields(body);
    const patch = {
      name: body.name === undefined ? undefined : f.string('name', { max: 200 }),
      email: body.email === undefined ? undefined : f.string('email', { max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' }),
    };
    const unknown = Object.keys(body).filter((key) => key !== 'name' && key !== 'email');
    if (unknown.length) throw new ValidationError(`${unknown[0]} cannot be corrected here (name and email only)`, { field: unknown[0] });
    if (patch.name === undefined && patch.email === undefined) throw new ValidationError('send name and/or email', { field: 'name' });
    return patch;
  };
  const value = fc.oneof(
    fc.constantFrom(undefined, null, '', '   ', [], {}, 7, 'Ann', ' ann@example.com ', 'not-an-email', 'x'.repeat(201), `${'y'.repeat(250)}@example.com`),
    fc.string({ maxLength: 8 }),
  );
  const body = fc.dictionary(fc.constantFrom('name', 'email', 'phone', 'notes'), value, { maxKeys: 4 });

  it('POST /practices/{p}/clients with an email', () => {
    fc.assert(
      fc.property(body, (b) => {
        expect(outcome(() => parseBody(clientCreateBody, b))).toEqual(outcome(() => oldCreate(b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('PATCH /practices/{p}/clients/{c}', () => {
    fc.assert(
      fc.property(body, (b) => {
        expect(outcome(() => parseBody(clientPatchBody, b))).toEqual(outcome(() => oldPatch(b)));
      }),
      { numRuns: 3000 },
    );
    expect(outcome(() => parseBody(clientPatchBody, { notes: 'x', name: 'Ann' }))).toMatchObject({ message: 'notes cannot be corrected here (name and email only)', details: { field: 'notes' } });
    expect(outcome(() => parseBody(clientPatchBody, {}))).toMatchObject({ message: 'send name and/or email', details: { field: 'name' } });
  });
});

it('fieldOf names nested and listed fields as the API does', () => {
  expect(fieldOf(['address', 'postalCode'])).toBe('address.postalCode');
  expect(fieldOf(['lines', 2, 'chargeCents'])).toBe('lines[2].chargeCents');
  expect(fieldOf([])).toBe('');
});
