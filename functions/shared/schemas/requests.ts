/**
 * Every request body kneadpay reads, as zod schemas: the schema is the type (`z.output<typeof …>`).
 * The HTTP handlers and the core modules parse them with `parseBody` (shared/schemas/parse.ts).
 *
 * The answers stay what the old field reader `fields()` gave (it is kept, as the reference the
 * schema tests compare with, in test/support/legacy-fields.ts): a 400 `validation_error` naming one field, with the same
 * words (`address.postalCode is required`, `phone is not valid (digits, spaces, + ( ) . -)`).
 * `parseBody` (shared/schemas/parse.ts) turns the first zod issue into that ValidationError.
 */
import * as z from 'zod/mini';
import { isValidNpi } from '../../domain/npi';
import { DESK_PAYMENT_METHODS, WRITE_OFF_REASONS } from '../../domain/invoice';
import { FORWARDED_CLAIM_POLICIES, OVERPAYMENT_POLICIES, RECEIPT_MODES, SECONDARY_CLAIM_POLICIES, UNIT_METHODS } from '../../domain/practice';
import { CLAIM_ID, ICD10_CM, TAXONOMY } from '../../domain/claim-validation';
import { UNIT_METHODS as UNIT_METHOD_NAMES, isTimedCode, unitsForVisit, type UnitMethod } from '../../domain/units';
import type { ClaimLine } from '../../domain/claim';
import type { X12Address, X12Person } from '../../domain/x12/837p';
import { CURRENCY_PATTERN, EMAIL_PATTERN, isCalendarDate } from '../validate';
import { minimumChargeCents } from '../../domain/charge-minimum';

// zod/mini, not `zod`: these schemas add about 25 kB to a bundle instead of about 450 kB (esbuild,
// minified; the classic API is not tree-shaken), which every cold start of these functions pays.

// Field builders with fields()'s rules ---------------------------------------------------------

/** For a string, null, '' and blank count as absent (a cleared form field), as in `fields()`. */
const blankToNull = z.transform((value: unknown) => (value === null || (typeof value === 'string' && value.trim() === '') ? null : value));
/** For anything else only null and '' do: `'  '` is a wrong value (`must be an integer`), as in `fields()`. */
const emptyToNull = z.transform((value: unknown) => (value === null || value === '' ? null : value));
/** null → undefined: what a handler reads for an absent optional field. */
const nullToUndefined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
/** The message of a missing or mistyped value: an absent (undefined or null) one is "required". */
const typeError = (expected: string) => (issue: { input?: unknown }) => (issue.input === undefined || issue.input === null ? 'is required' : `must be ${expected}`);

interface StringRule {
  /** Longest trimmed length (default 500, as `fields()`). */
  max?: number;
  pattern?: RegExp;
  /** What a valid value looks like, in the `is not valid (…)` message. */
  hint?: string;
}

/**
 * A lone UTF-16 surrogate: JSON can carry one (`"\\ud800"`), but it is no character, UTF-8 cannot
 * encode it, and Stripe's form encoding throws on it (URIError, a 500 the route fuzz found).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A trimmed string: the checks run on the trimmed value, which is what is kept. Text only: no lone surrogate. */
const trimmed = ({ max = 500, pattern, hint }: StringRule = {}) =>
  z.string({ error: typeError('a string') }).check(
    z.trim(),
    z.refine((value: string) => !LONE_SURROGATE.test(value), 'is not valid text (it holds a lone UTF-16 surrogate)'),
    z.maxLength(max, `must be at most ${max} characters`),
    ...(pattern ? [z.regex(pattern, `is not valid${hint ? ` (${hint})` : ''}`)] : []),
  );

/** A required string. */
export const requiredString = (rule?: StringRule) => z.pipe(blankToNull, trimmed(rule));
/** An optional string: absent, null or blank → undefined. */
export const optionalString = (rule?: StringRule) => z.pipe(z.pipe(blankToNull, z.nullish(trimmed(rule))), z.transform(nullToUndefined));
/** A string that may be left out, but is required when the key is sent (a PATCH field). */
export const stringIfSent = (rule?: StringRule) => z.pipe(blankToNull, z.optional(trimmed(rule)));

/** An optional whole number between min and max. */
export const optionalInt = (min: number, max: number) =>
  z.pipe(
    z.pipe(emptyToNull, z.nullish(z.int({ error: typeError('an integer') }).check(z.minimum(min, `must be at least ${min}`), z.maximum(max, `must be at most ${max}`)))),
    z.transform(nullToUndefined),
  );

/** An optional choice among `values`. */
export const optionalOneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.pipe(
    z.pipe(emptyToNull, z.nullish(z.enum(values, { error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : `must be one of ${values.join(', ')}`) }))),
    z.transform(nullToUndefined),
  );

/** An optional nested object (an array or a scalar is not one). */
export const optionalObject = <S extends z.core.$ZodLooseShape>(shape: S) => z.pipe(z.pipe(emptyToNull, z.nullish(z.object(shape, { error: typeError('an object') }))), z.transform(nullToUndefined));

/** A required whole number between min and max. */
export const requiredInt = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.pipe(emptyToNull, z.int({ error: typeError('an integer') }).check(z.minimum(min, `must be at least ${min}`), z.maximum(max, `must be at most ${max}`)));

/** A required choice among `values`. */
export const requiredOneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.pipe(emptyToNull, z.enum(values, { error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : `must be one of ${values.join(', ')}`) }));

/** A required nested object (an array or a scalar is not one). */
export const requiredObject = <S extends z.core.$ZodLooseShape>(shape: S) => z.pipe(emptyToNull, z.object(shape, { error: typeError('an object') }));

/**
 * A list of at most `max` entries: its shape (present, an array, not too long) is checked before
 * any entry, as `fields()` did; then each entry with `entry`.
 */
export const listOf = <T extends z.ZodMiniType>(entry: T, { max, optional = false }: { max: number; optional?: boolean }) => {
  const shape = z.array(z.unknown(), { error: typeError('an array') }).check(z.maxLength(max, `must have at most ${max} entries`));
  const present = optional ? z.pipe(z.pipe(emptyToNull, z.nullish(shape)), z.transform(nullToUndefined)) : z.pipe(emptyToNull, shape);
  return z.pipe(present, optional ? z.optional(z.array(entry)) : z.array(entry)) as unknown as z.ZodMiniType<z.output<T>[] | undefined>;
};

/** One problem, pushed from a transform: `message` follows the field's name unless `whole`. */
export const problem = (ctx: z.core.ParsePayload, message: string, path: PropertyKey[] = [], params?: { wholeMessage?: boolean; afterParent?: boolean; details?: Record<string, unknown> }) => {
  ctx.issues.push({ code: 'custom', message, input: ctx.value, path, ...(params ? { params } : {}) });
};

/**
 * A body read in steps: `fields()` stopped at the first problem, and some checks compare fields
 * read before (units need minutes, a correction needs payerId). Each step is a loose object (the
 * keys it reads, the rest passed on) or a transform; a step runs only when the ones before passed,
 * so the problem named is the one `fields()` named first. The type is the last step's.
 */
export const steps = <Out>(...stages: z.ZodMiniType[]): z.ZodMiniType<Out> => stages.reduce((before, next) => z.pipe(before, next)) as z.ZodMiniType<Out>;

// Practices ------------------------------------------------------------------------------------

const isTimezone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const CLEARINGHOUSE_ID = { max: 15, pattern: /^[A-Za-z0-9]{2,15}$/, hint: '2–15 letters or digits' };

/**
 * `PUT /practices/{practiceId}` (SPEC §3, §7): the practice profile. Keys are in the order
 * `fields()` used to read them, so the first problem named is the same one as before; the profile
 * checks `fields()` made first (the four objects' shapes, npi, timezone, billing.reminderDays) are
 * listed in PRACTICE_PROFILE_FIRST.
 */
export const practiceProfileBody = z.object({
  name: requiredString({ max: 200 }),
  email: requiredString({ max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' }),
  phone: optionalString({ max: 32, pattern: /^[+0-9 ().-]{7,32}$/, hint: 'digits, spaces, + ( ) . -' }),
  address: optionalObject({
    line1: requiredString({ max: 200 }),
    line2: optionalString({ max: 200 }),
    city: requiredString({ max: 100 }),
    state: requiredString({ max: 100 }),
    postalCode: requiredString({ max: 20 }),
    country: optionalString({ pattern: /^[A-Z]{2}$/, hint: 'ISO 3166 alpha-2, e.g. US' }),
  }),
  taxId: optionalString({ pattern: /^\d{2}-?\d{7}$/, hint: 'an EIN such as 12-3456789' }),
  npi: optionalString({ pattern: /^\d{10}$/, hint: '10 digits' }).check(z.refine((npi) => npi === undefined || !/^\d{10}$/.test(npi) || isValidNpi(npi), 'fails its check digit')),
  licenseNumber: optionalString({ max: 64 }),
  taxonomyCode: optionalString({ pattern: TAXONOMY, hint: 'a 10-character NUCC taxonomy code ending in X, e.g. 225700000X' }),
  clearinghouse: optionalObject({
    name: requiredString({ max: 60 }),
    receiverId: requiredString(CLEARINGHOUSE_ID),
    submitterId: requiredString(CLEARINGHOUSE_ID),
    usage: optionalOneOf(['P', 'T'] as const),
  }),
  timezone: optionalString({ max: 64 }).check(z.refine((zone) => zone === undefined || isTimezone(zone), 'is not an IANA time zone (e.g. America/Chicago)')),
  currency: optionalString({ pattern: CURRENCY_PATTERN, hint: 'lower-case ISO 4217, e.g. usd' }),
  stripeAccountId: optionalString({ max: 255 }),
  billing: optionalObject({
    unitMethod: optionalOneOf(UNIT_METHODS),
    invoiceDueDays: optionalInt(0, 365),
    overpayment: optionalOneOf(OVERPAYMENT_POLICIES),
    forwardedClaims: optionalOneOf(FORWARDED_CLAIM_POLICIES),
    secondaryClaims: optionalOneOf(SECONDARY_CLAIM_POLICIES),
    payerWaitDays: optionalInt(1, 365),
    // The refinement checks every entry, so the output is whole days (hence the cast).
    reminderDays: z
      .pipe(z.pipe(emptyToNull, z.nullish(z.array(z.unknown(), { error: typeError('an array') }).check(z.maxLength(10, 'must have at most 10 entries')))), z.transform(nullToUndefined))
      .check(
        z.refine((days) => days === undefined || days.every((d) => Number.isSafeInteger(d) && (d as number) >= 0 && (d as number) <= 365), 'must be whole days between 0 and 365'),
      ) as z.ZodMiniType<number[] | undefined>,
  }),
  receipts: optionalObject({
    mode: optionalOneOf(RECEIPT_MODES),
    linkLifetimeDays: optionalInt(1, 3650),
  }),
});
export type PracticeProfileBody = z.output<typeof practiceProfileBody>;

/**
 * The profile body for a practice whose connected account is `linked`: the account stays what
 * onboarding linked (issue 16), so the profile may only repeat it. Checked where `fields()` checked
 * it (after currency), hence a field refinement rather than a check after parsing.
 */
export const practiceProfileBodyFor = (practiceId: string, linked: string | undefined) =>
  z.extend(practiceProfileBody, {
    stripeAccountId: optionalString({ max: 255 }).check(
      z.superRefine((given, ctx) => {
        if (given === undefined || given === linked) return;
        ctx.addIssue({
          code: 'custom',
          message: `stripeAccountId cannot be set or changed in the profile: a Stripe account is connected through onboarding (POST /practices/${practiceId}/stripe/onboarding) and released with DELETE /practices/${practiceId}/stripe`,
          params: { wholeMessage: true, details: { linked: linked ?? null } },
        });
      }),
    ),
  });
/** The problems `fields()` reported before any other in a profile, in its order. */
export const PRACTICE_PROFILE_FIRST = ['address', 'billing', 'receipts', 'clearinghouse', 'npi', 'timezone', 'billing.reminderDays'] as const;

// Clients --------------------------------------------------------------------------------------

/** `POST /practices/{p}/clients` with an email: found by it, or created. (Without one: core/client-contact.) */
export const clientCreateBody = z.object({
  email: requiredString({ max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' }),
  name: requiredString({ max: 200 }),
});
export type ClientCreateBody = z.output<typeof clientCreateBody>;

/** `PATCH /practices/{p}/clients/{c}` (SPEC §7): staff correct the name and/or the email, nothing else. */
export const clientPatchBody = z.pipe(
  z
    .looseObject({
      name: stringIfSent({ max: 200 }),
      email: stringIfSent({ max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' }),
    })
    .check(
      z.superRefine((body, ctx) => {
        const unknown = Object.keys(body).filter((key) => key !== 'name' && key !== 'email');
        if (unknown.length) {
          ctx.addIssue({ code: 'custom', path: [unknown[0]!], message: 'cannot be corrected here (name and email only)' });
        } else if (body.name === undefined && body.email === undefined) {
          ctx.addIssue({ code: 'custom', path: ['name'], message: 'send name and/or email', params: { wholeMessage: true } });
        }
      }),
    ),
  z.transform(({ name, email }: { name?: string; email?: string }) => ({ name, email })),
);
export type ClientPatchBody = z.output<typeof clientPatchBody>;

/** `POST /practices/{p}/clients` without `email` (core/client-contact): a client known by name only. */
export const clientWithoutEmailBody = z.object({ name: requiredString({ max: 200 }) });
export type ClientWithoutEmailBody = z.output<typeof clientWithoutEmailBody>;

// Storefront -----------------------------------------------------------------------------------

/** `POST /p/{practiceId}/packages/{packageId}/checkout` (core/checkout): who buys. */
export const checkoutBody = z.object({
  email: requiredString({ max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' }),
  name: requiredString({ max: 200 }),
});
export type CheckoutBody = z.output<typeof checkoutBody>;

// Redemptions ----------------------------------------------------------------------------------

/** An appointment id from the practice's scheduler. */
export const APPOINTMENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** `POST /practices/{p}/clients/{c}/redemptions` (core/redemptions): one visit, at most once. */
export const redemptionBody = z.object({
  appointmentId: requiredString({ max: 128, pattern: APPOINTMENT_ID, hint: 'letters, digits and _ . : -' }),
  purchaseId: optionalString({ max: 64 }),
});
export type RedemptionBody = z.output<typeof redemptionBody>;

// Packages -------------------------------------------------------------------------------------

const PACKAGE_SERVICE_CODE = /^\d{5}$/;

/**
 * `POST /practices/{p}/packages` (core/packages): the currency must be the practice's, and the price
 * one Stripe can charge in it (at least its minimum charge, domain/charge-minimum.ts).
 */
export const packageCreateBody = (practiceCurrency: string) =>
  z.object({
    currency: requiredString({ pattern: CURRENCY_PATTERN, hint: 'lower-case ISO 4217, e.g. usd' }).check(
      z.refine((currency) => currency === practiceCurrency, `must be the practice's currency (${practiceCurrency})`),
    ),
    name: requiredString({ max: 120 }),
    sessions: requiredInt(1, 100),
    sessionMinutes: requiredInt(5, 480),
    serviceCode: requiredString({ pattern: PACKAGE_SERVICE_CODE, hint: 'a 5-digit CPT code such as 97124' }),
    priceCents: requiredInt(minimumChargeCents(practiceCurrency), 10_000_000),
    expiresInDays: optionalInt(1, 3650),
  });
export type PackageCreateBody = z.output<ReturnType<typeof packageCreateBody>>;

const PACKAGE_CHANGEABLE = ['priceCents', 'active', 'name'];

/**
 * `PATCH /practices/{p}/packages/{id}` (core/packages): the price, the name, on or off sale; nothing
 * else. The price's floor here is USD's minimum charge; core/packages also holds it to the minimum
 * charge of the package's own currency (domain/charge-minimum.ts), higher in some currencies.
 */
export const packageChangeBody = steps<{ name?: string; active?: boolean; priceCents?: number }>(
  z.transform((body: Record<string, unknown>, ctx) => {
    const other = Object.keys(body).find((field) => !PACKAGE_CHANGEABLE.includes(field));
    if (other !== undefined) problem(ctx, 'cannot be changed; create a new package instead', [other]);
    return body;
  }),
  z.object({
    name: optionalString({ max: 120 }),
    active: z.optional(z.boolean({ error: 'must be true or false' })),
    priceCents: optionalInt(50, 10_000_000),
  }),
);
export type PackageChangeBody = z.output<typeof packageChangeBody>;

// Claims out: payers, coverage, claim batches (core/claims-out) ---------------------------------

/** A clearinghouse payer id. */
export const PAYER_ID = /^[A-Za-z0-9]{2,80}$/;
/** SBR09 claim filing indicator codes of the 837P 005010X222A1 (2000B). */
export const FILING_INDICATORS = ['CI', 'BL', 'MB', 'MA', 'MC', 'HM', 'WC', 'CH', 'VA', 'OF', '11', '12', '13', '14', '15', '16', '17', 'AM', 'DS', 'FI', 'LM', 'TV', 'ZZ'] as const;
/** At most this many claims in one 837P batch: a batch commits in one DynamoDB transaction (100 items). */
export const MAX_BATCH_CLAIMS = 90;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD string that is a real calendar date (the domain's `isCalendarDate`). */
const calendarDate = <T extends z.ZodMiniType<string | undefined>>(read: T): T =>
  read.check(z.refine((date) => date === undefined || !DATE.test(date) || isCalendarDate(date), 'is not a calendar date'));

/** A field that may be left out, but once sent (even blank) must be a good value. */
const ifSent = <T extends z.ZodMiniType>(read: T) => z.pipe(z.pipe(emptyToNull, z.nullish(read)), z.transform(nullToUndefined));

/** An 837P address (N3/N4): line2 only when sent; the ZIP+4 without its dash. */
const x12Address = requiredObject({
  line1: requiredString({ max: 55 }),
  line2: ifSent(requiredString({ max: 55 })),
  city: requiredString({ max: 30 }),
  state: requiredString({ pattern: /^[A-Z]{2}$/, hint: 'a 2-letter US state code' }),
  postalCode: requiredString({ pattern: /^\d{5}(-?\d{4})?$/, hint: '5 or 9 digits' }),
});
const x12AddressOut = z.transform(({ line1, line2, city, state, postalCode }: z.output<typeof x12Address>): X12Address => ({
  line1,
  ...(line2 !== undefined ? { line2 } : {}),
  city,
  state,
  postalCode: postalCode.replace('-', ''),
}));

/** A subscriber or patient of a coverage (2010BA / 2010CA). */
const x12Person = z.pipe(
  requiredObject({
    dateOfBirth: calendarDate(requiredString({ pattern: DATE, hint: 'YYYY-MM-DD' })),
    firstName: requiredString({ max: 35 }),
    lastName: requiredString({ max: 60 }),
    sex: requiredOneOf(['F', 'M', 'U'] as const),
    address: z.pipe(x12Address, x12AddressOut),
  }),
  z.transform(({ dateOfBirth, firstName, lastName, sex, address }): X12Person => ({ firstName, lastName, dateOfBirth, sex, address })),
);

/** `PUT /practices/{p}/payers/{payerId}`: `{name, payerId, address?, claimFilingIndicator?}`; payerId is the path's. */
export const payerBody = (pathPayerId: string) =>
  z.object({
    payerId: requiredString({ max: 80, pattern: PAYER_ID, hint: 'the clearinghouse payer id, 2–80 letters or digits' }).check(
      z.superRefine((payerId, ctx) => {
        if (PAYER_ID.test(payerId) && payerId !== pathPayerId) ctx.addIssue({ code: 'custom', message: `${payerId} is not the payer of the path (${pathPayerId})` });
      }),
    ),
    name: requiredString({ max: 60 }),
    address: ifSent(z.pipe(x12Address, x12AddressOut)),
    claimFilingIndicator: optionalOneOf(FILING_INDICATORS),
  });
export type PayerBody = z.output<ReturnType<typeof payerBody>>;

/** A coverage's second plan (coordination of benefits): the patient stays the coverage's. */
export interface SecondaryPlanBody {
  payerId: string;
  relationship: 'self' | 'spouse' | 'child' | 'other';
  memberId: string;
  groupNumber?: string;
  subscriber?: X12Person;
}

/**
 * A plan's fields, read the same way for the coverage's plan and its `secondary`: a saved payer, the
 * relationship, and a subscriber unless the patient is the subscriber (then none is kept). `of`
 * names the plan in the messages (`secondary.payerId: …`, `… of the secondary plan`).
 */
const planSteps = (practiceId: string, savedPayer: (payerId: string) => boolean, of: { payerPrefix: string; subscriberOf: string }) => ({
  sent: {
    payerId: requiredString({ max: 80, pattern: PAYER_ID, hint: 'a payer saved with PUT /payers/{payerId}' }).check(
      z.superRefine((payerId, ctx) => {
        if (PAYER_ID.test(payerId) && payerId.length <= 80 && !savedPayer(payerId)) {
          ctx.addIssue({ code: 'custom', message: `${of.payerPrefix}payer ${payerId} is not saved: PUT /practices/${practiceId}/payers/${payerId} first`, params: { wholeMessage: true } });
        }
      }),
    ),
    relationship: requiredOneOf(['self', 'spouse', 'child', 'other'] as const),
    subscriber: ifSent(z.looseObject({}, { error: typeError('an object') })),
  },
  subscriberRule: z.transform((body: Record<string, unknown>, ctx) => {
    if (body.relationship !== 'self' && body.subscriber === undefined) problem(ctx, `is required when the patient is not the subscriber${of.subscriberOf}`, ['subscriber']);
    return body.relationship === 'self' ? { ...body, subscriber: undefined } : body;
  }),
  fields: {
    payerId: z.string(),
    relationship: z.enum(['self', 'spouse', 'child', 'other'] as const),
    memberId: requiredString({ max: 80, pattern: /^[A-Za-z0-9-]{1,80}$/, hint: 'letters, digits, -' }),
    groupNumber: optionalString({ max: 50, pattern: /^[A-Za-z0-9-]{1,50}$/, hint: 'letters, digits, -' }),
    subscriber: z.optional(x12Person),
  },
});

/** `secondary` of a coverage: a saved payer other than the primary's, read like the primary plan. */
const secondaryPlan = (practiceId: string, savedPayer: (payerId: string) => boolean) => {
  const plan = planSteps(practiceId, savedPayer, { payerPrefix: 'secondary.payerId: ', subscriberOf: ' of the secondary plan' });
  return steps<SecondaryPlanBody>(objectEntry(false), z.looseObject(plan.sent), plan.subscriberRule, z.object(plan.fields));
};

/**
 * `PUT /practices/{p}/clients/{c}/coverage` (SPEC §7). `savedPayer` says whether a payer id is
 * saved (looked up by the caller before parsing, as `fields()`'s caller did right after payerId).
 * A subscriber is read only when the patient is not the subscriber. `secondary` (optional) is a
 * second plan with another saved payer, for secondary claims (docs/claims.md).
 */
export const coverageBody = (practiceId: string, savedPayer: (payerId: string) => boolean) => {
  const plan = planSteps(practiceId, savedPayer, { payerPrefix: '', subscriberOf: '' });
  return steps<{
    payerId: string;
    relationship: 'self' | 'spouse' | 'child' | 'other';
    memberId: string;
    groupNumber?: string;
    subscriber: X12Person | null;
    patient: X12Person;
    secondary?: SecondaryPlanBody;
  }>(
    z.looseObject(plan.sent),
    plan.subscriberRule,
    z.object({ ...plan.fields, patient: x12Person, secondary: ifSent(secondaryPlan(practiceId, savedPayer)) }),
    z.transform((body: { payerId: string; secondary?: SecondaryPlanBody }, ctx) => {
      if (body.secondary && body.secondary.payerId === body.payerId) {
        problem(ctx, `is the primary plan's payer (${body.payerId}): a secondary plan is with another payer`, ['secondary', 'payerId']);
      }
      return body;
    }),
  );
};
export type CoverageBody = z.output<ReturnType<typeof coverageBody>>;

/** `POST /practices/{p}/claim-batches`: `claimIds` (each once), or none for every ready claim. */
export const claimBatchBody = steps<{ claimIds?: string[] }>(
  z.object({
    claimIds: listOf(z.unknown(), { max: MAX_BATCH_CLAIMS, optional: true }),
  }),
  z.transform(({ claimIds }: { claimIds?: unknown[] }, ctx) => {
    if (claimIds === undefined) return {};
    if (claimIds.length === 0) problem(ctx, 'is empty: leave it out to batch every ready claim', ['claimIds']);
    const bad = claimIds.findIndex((id) => typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,38}$/.test(id));
    if (claimIds.length > 0 && bad >= 0) problem(ctx, 'is not a claim id', ['claimIds', bad]);
    else if (new Set(claimIds).size !== claimIds.length) problem(ctx, 'names a claim twice', ['claimIds']);
    return { claimIds: claimIds as string[] };
  }),
);
export type ClaimBatchBody = z.output<typeof claimBatchBody>;

// Estimates and claims --------------------------------------------------------------------------

/** One entry of a list, checked by `read` (undefined: refused with `message`, after the entry's name). */
const entry = <T>(read: (value: unknown) => T | undefined, message: string) =>
  z.transform((value: unknown, ctx) => {
    const out = read(value);
    if (out === undefined) problem(ctx, message);
    return out as T;
  });

/** An entry that must be an object; `arrays` says whether an array counts as one (claims: yes, as before). */
const objectEntry = (arrays: boolean) =>
  entry(
    (value) => (!value || typeof value !== 'object' || (!arrays && Array.isArray(value)) ? undefined : ((Array.isArray(value) ? { ...value } : value) as Record<string, unknown>)),
    'must be an object',
  );

/** `diagnosisCodes`: at most 12 ICD-10-CM codes, upper-cased; each refusal names its index. */
const diagnosisCodes = (optional: boolean) =>
  listOf(
    entry((code) => (typeof code === 'string' && ICD10_CM.test(code.toUpperCase()) ? code.toUpperCase() : undefined), 'is not an ICD-10-CM code (e.g. M54.2)'),
    { max: 12, optional },
  );

/** A list that must hold something once it is there (`message` after its name). */
const notEmpty = <T>(list: z.ZodMiniType<T[] | undefined>, message: string) => list.check(z.refine((values) => !Array.isArray(values) || values.length > 0, message));

/** An optional YYYY-MM-DD calendar date. */
const optionalDate = () => calendarDate(optionalString({ max: 10, pattern: DATE, hint: 'YYYY-MM-DD' }));

const plusMonths = (date: string, months: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
};

/** CPT (5 digits) or HCPCS level II (a letter and 4 digits). */
const ESTIMATE_SERVICE_CODE = /^(\d{4}[0-9A-Z]|[A-Z]\d{4})$/;

export interface EstimateBody {
  primaryService: string;
  scheduledOn: string;
  serviceDate: string | null;
  coversThrough: string | null;
  dateOfBirth: string | null;
  diagnosisCodes: string[];
  lines: { serviceCode: string; description: string; quantity: number; unitChargeCents: number }[];
}

/**
 * `POST /practices/{p}/clients/{c}/estimates` (No Surprises Act GFE), read on `today` in the
 * practice's zone: the dates in order (scheduled, service, covered through at most 12 months on).
 */
export const estimateBody = (today: string) =>
  steps<EstimateBody>(
    z.looseObject({
      primaryService: requiredString({ max: 200 }),
      scheduledOn: optionalDate().check(z.refine((date) => date === undefined || date <= today, 'cannot be in the future')),
    }),
    z.looseObject({ serviceDate: optionalDate() }),
    z.transform((body: Record<string, unknown> & { scheduledOn?: string; serviceDate?: string }, ctx) => {
      const scheduledOn = body.scheduledOn ?? today;
      if (body.serviceDate !== undefined && body.serviceDate < scheduledOn) problem(ctx, 'must not be before scheduledOn', ['serviceDate']);
      return { ...body, scheduledOn };
    }),
    z.looseObject({ coversThrough: optionalDate() }),
    z.transform((body: Record<string, unknown> & { scheduledOn: string; serviceDate?: string; coversThrough?: string }, ctx) => {
      const start = body.serviceDate ?? body.scheduledOn;
      if (body.coversThrough !== undefined && body.coversThrough < start) problem(ctx, 'must not be before the service date', ['coversThrough']);
      else if (body.coversThrough !== undefined && body.coversThrough > plusMonths(start, 12)) {
        problem(ctx, 'may be at most 12 months after the service date (give a new estimate for the next year)', ['coversThrough']);
      }
      return body;
    }),
    z.looseObject({
      dateOfBirth: optionalDate().check(z.refine((date) => date === undefined || date <= today, 'cannot be in the future')),
      diagnosisCodes: diagnosisCodes(true),
      lines: notEmpty(
        listOf(
          z.pipe(
            objectEntry(false),
            z.object({
              serviceCode: requiredString({ pattern: ESTIMATE_SERVICE_CODE, hint: 'a CPT or HCPCS code such as 97124' }),
              description: requiredString({ max: 200 }),
              quantity: optionalInt(1, 500),
              unitChargeCents: requiredInt(0, 10_000_000),
            }),
          ),
          { max: 50 },
        ),
        'needs at least one service',
      ),
    }),
    z.transform((body: Record<string, unknown>): EstimateBody => {
      const b = body as unknown as EstimateBody & { serviceDate?: string; coversThrough?: string; dateOfBirth?: string; diagnosisCodes?: string[] };
      return {
        primaryService: b.primaryService,
        scheduledOn: b.scheduledOn,
        serviceDate: b.serviceDate ?? null,
        coversThrough: b.coversThrough ?? null,
        dateOfBirth: b.dateOfBirth ?? null,
        diagnosisCodes: b.diagnosisCodes ?? [],
        lines: b.lines.map(({ serviceCode, description, quantity, unitChargeCents }) => ({ serviceCode, description, quantity: quantity ?? 1, unitChargeCents })),
      };
    }),
  );

/**
 * What an estimate request says beside its content: `requested` — the client asked for the
 * estimate (§149.610(b)(1): due within 3 business days of the request, whatever the service date).
 */
export const estimateRequestBody = z.looseObject({ requested: z.optional(z.boolean({ error: 'must be true or false' })) });

/** `POST /practices/{p}/invoices/{invoiceId}/desk-payments`: the method and the amount taken. */
export const deskPaymentBody = z.looseObject({ method: requiredOneOf(DESK_PAYMENT_METHODS), amountCents: requiredInt(1, 10_000_000) });

/**
 * `POST /practices/{p}/invoices/{invoiceId}/write-offs`: why (a fixed list), an optional note for the
 * practice's own record, and optionally the part of the balance written off (minor units; left out:
 * all of what the invoice still asks for).
 */
export const writeOffBody = z.looseObject({ reason: requiredOneOf(WRITE_OFF_REASONS), note: optionalString({ max: 500 }), amountCents: optionalInt(1, 10_000_000) });

const PROCEDURE = /^[A-Z0-9]{5}$/;
const MODIFIER = /^[A-Z0-9]{2}$/;
/** CMS place-of-service codes seen in bodywork: 11 office, 02 telehealth, 12 home (others allowed). */
const PLACE_OF_SERVICE = /^\d{2}$/;
const REFERENCE = /^[A-Za-z0-9-]{1,50}$/;

/**
 * One service line: minutes or units (a timed code's units come from the day's minutes, so not
 * both; a code kneadpay cannot tell timed needs units), then its diagnosis pointers and charge.
 */
const claimLine = steps<ClaimLine>(
  objectEntry(true),
  z.looseObject({
    procedureCode: requiredString({ pattern: PROCEDURE, hint: 'a 5-character CPT/HCPCS code' }),
    modifiers: listOf(
      entry((m) => (typeof m === 'string' && MODIFIER.test(m) ? m : undefined), 'must be 2 letters or digits (e.g. GP, 59)'),
      { max: 4, optional: true },
    ),
    minutes: optionalInt(0, 1440),
    units: optionalInt(1, 99),
  }),
  z.transform((line: { procedureCode: string; minutes?: number; units?: number }, ctx) => {
    const { procedureCode, minutes, units } = line;
    const timed = isTimedCode(procedureCode);
    if (minutes === undefined && units === undefined) problem(ctx, ' needs minutes or units', ['minutes'], { afterParent: true });
    else if (minutes !== undefined && units === undefined && timed === undefined) {
      problem(ctx, `: kneadpay does not know whether ${procedureCode} is timed; give units`, ['units'], { afterParent: true });
    } else if (units !== undefined && units !== 1 && timed === false) {
      // DOMAIN.md §3: an untimed code (97010 …) is billed as 1 unit whatever its minutes.
      problem(ctx, `: ${procedureCode} is untimed: it is billed as 1 unit per visit whatever its minutes, not ${units}`, ['units'], { afterParent: true });
    } else if (minutes !== undefined && units !== undefined && timed === true) {
      problem(
        ctx,
        `: give minutes or units for ${procedureCode}, not both: a timed code's units come from the day's timed minutes (8-minute rule); leave out units to have them computed, or minutes to bill units you computed yourself`,
        ['units'],
        { afterParent: true },
      );
    }
    return line;
  }),
  z.looseObject({
    diagnosisPointers: notEmpty(
      listOf(
        entry((p) => (Number.isSafeInteger(p) && (p as number) >= 1 && (p as number) <= 12 ? (p as number) : undefined), 'must be a diagnosis number from 1 to 12'),
        { max: 4, optional: true },
      ),
      'needs 1 to 4 pointers',
    ),
    chargeCents: requiredInt(0, 100_000_000),
  }),
  z.transform((line: { procedureCode: string; modifiers?: string[]; minutes?: number; units?: number; diagnosisPointers?: number[]; chargeCents: number }): ClaimLine => ({
    procedureCode: line.procedureCode,
    modifiers: line.modifiers ?? [],
    minutes: line.minutes ?? null,
    units: line.units ?? 0,
    chargeCents: line.chargeCents,
    ...(line.diagnosisPointers ? { diagnosisPointers: line.diagnosisPointers } : {}),
  })),
);

/** Units from minutes for the visit's lines (8-minute rule, DOMAIN.md §3), with `unitsForVisit`. */
const unitsFromMinutes = (unitMethod: UnitMethod) =>
  z.transform((body: Record<string, unknown> & { lines: ClaimLine[] }, ctx) => {
    const { lines } = body;
    const fromMinutes = lines.map((line, index) => ({ line, index })).filter(({ line }) => line.units === 0 && line.minutes !== null);
    if (fromMinutes.length === 0) return body;
    const computed = unitsForVisit(
      fromMinutes.map(({ line }) => ({ code: line.procedureCode, minutes: line.minutes! })),
      unitMethod,
    );
    computed.lines.forEach((result, k) => {
      fromMinutes[k]!.line.units = result.units;
    });
    if (lines.every((line) => line.units === 0)) {
      const why =
        unitMethod === UNIT_METHOD_NAMES.perCode
          ? `no timed code reaches 8 minutes under the per-code method (${computed.totalTimedMinutes} timed minutes in all)`
          : `the visit's ${computed.totalTimedMinutes} timed minutes earn no unit under the ${unitMethod} method (8-minute rule: at least 8 are needed)`;
      problem(ctx, `lines: ${why}; there is nothing to bill`, ['lines', 0, 'minutes'], { wholeMessage: true });
      return body;
    }
    const unpaid = fromMinutes.find(({ line }) => line.units === 0 && line.chargeCents !== 0);
    if (unpaid) {
      const { line, index } = unpaid;
      problem(
        ctx,
        `lines[${index}]: ${line.minutes} minutes of ${line.procedureCode} earn no unit under the ${unitMethod} method (the visit's ${computed.totalTimedMinutes} timed minutes earn ${computed.totalUnits} unit${computed.totalUnits === 1 ? '' : 's'} in all, none on this line); the line is kept for its minutes but not billed, so its chargeCents must be 0`,
        ['lines', index, 'chargeCents'],
        { wholeMessage: true },
      );
    }
    return body;
  });

const CLAIMS_OUT_FIELDS = ['renderingProvider', 'priorAuthorization', 'referralNumber', 'correction'] as const;

export interface ClaimBody {
  claimId: string;
  dateOfService: string;
  diagnosisCodes: string[];
  lines: ClaimLine[];
  clientId: string;
  payerName?: string;
  placeOfService?: string;
  collectedCents?: number;
  /** Claims out (SPEC §7); without payerId none of the others may be sent. */
  payerId?: string;
  renderingProvider?: { firstName: string; lastName: string; npi: string };
  priorAuthorization?: string;
  referralNumber?: string;
  correction?: { kind: 'replacement' | 'void'; of: string; payerClaimControlNumber?: string };
}

/**
 * `POST /practices/{p}/claims`, with the practice's unit method: units from minutes (8-minute
 * rule) are computed while reading, because a visit whose minutes earn nothing is refused right
 * after its lines. The fields of claims out (`payerId`, `renderingProvider`, `priorAuthorization`,
 * `referralNumber`, `correction: {of, kind}`) are checked for form only; whether the claim is
 * complete for an 837P is its `state`.
 */
export const claimBody = (unitMethod: UnitMethod) =>
  steps<ClaimBody>(
    z.looseObject({
      claimId: requiredString({ max: 38, pattern: CLAIM_ID, hint: 'up to 38 letters, digits, _ . -' }),
      dateOfService: calendarDate(requiredString({ pattern: DATE, hint: 'YYYY-MM-DD' })),
      diagnosisCodes: notEmpty(diagnosisCodes(false), 'needs at least one ICD-10 code'),
      lines: notEmpty(listOf(claimLine, { max: 50 }), 'needs at least one service line'),
    }),
    unitsFromMinutes(unitMethod),
    z.looseObject({
      clientId: requiredString({ max: 64 }),
      payerName: optionalString({ max: 120 }),
      placeOfService: optionalString({ pattern: PLACE_OF_SERVICE, hint: 'a 2-digit CMS place of service, e.g. 11' }),
      collectedCents: optionalInt(0, 100_000_000),
      payerId: optionalString({ max: 80, pattern: PAYER_ID, hint: 'the clearinghouse payer id, 2–80 letters or digits' }),
      renderingProvider: ifSent(z.looseObject({}, { error: typeError('an object') })),
      correction: ifSent(z.looseObject({}, { error: typeError('an object') })),
    }),
    z.transform((body: Record<string, unknown>, ctx) => {
      if (body.payerId !== undefined) return body;
      const sent = CLAIMS_OUT_FIELDS.find((name) => body[name] !== undefined && body[name] !== null && body[name] !== '');
      if (sent) problem(ctx, `${sent} needs payerId: claims out are billed to a saved payer`, ['payerId'], { wholeMessage: true });
      return body;
    }),
    z.object({
      claimId: z.string(),
      dateOfService: z.string(),
      diagnosisCodes: z.array(z.string()),
      lines: z.array(z.custom<ClaimLine>()),
      clientId: z.string(),
      payerName: z.optional(z.string()),
      placeOfService: z.optional(z.string()),
      collectedCents: z.optional(z.number()),
      payerId: z.optional(z.string()),
      renderingProvider: z.optional(
        z.object({
          firstName: requiredString({ max: 35 }),
          lastName: requiredString({ max: 60 }),
          npi: requiredString({ pattern: /^\d{10}$/, hint: '10 digits' }),
        }),
      ),
      priorAuthorization: optionalString({ max: 50, pattern: REFERENCE, hint: 'up to 50 letters, digits, -' }),
      referralNumber: optionalString({ max: 50, pattern: REFERENCE, hint: 'up to 50 letters, digits, -' }),
      correction: z.optional(
        z.object({
          kind: requiredOneOf(['replacement', 'void'] as const),
          of: requiredString({ max: 38, pattern: CLAIM_ID, hint: 'the claimId of the claim corrected' }),
          payerClaimControlNumber: optionalString({ max: 50 }),
        }),
      ),
    }),
  );

/** What a secondary claim copies from its primary claim: a body may not send them (400 naming the field). */
export const SECONDARY_COPIED_FIELDS = ['dateOfService', 'placeOfService', 'diagnosisCodes', 'lines', 'renderingProvider', 'payerName', 'collectedCents', 'correction'] as const;

export interface SecondaryClaimBody {
  claimId: string;
  secondaryOf: string;
  clientId?: string;
  payerId?: string;
  priorAuthorization?: string;
  referralNumber?: string;
}

/**
 * `POST /practices/{p}/claims` with `secondaryOf` (docs/claims.md § Secondary claims): the claim
 * to the coverage's secondary payer for a visit its primary payer adjudicated. It takes `claimId`,
 * `secondaryOf`, and optionally `priorAuthorization` and `referralNumber` (the secondary payer's
 * own); `clientId` and `payerId` may be sent but must be the primary's client and the secondary
 * plan's payer. The service lines, diagnoses, dates, place of service and rendering provider are
 * the primary's.
 */
export const secondaryClaimBody = steps<SecondaryClaimBody>(
  z.looseObject({
    claimId: requiredString({ max: 38, pattern: CLAIM_ID, hint: 'up to 38 letters, digits, _ . -' }),
    secondaryOf: requiredString({ max: 38, pattern: CLAIM_ID, hint: 'the claimId of the primary claim' }),
  }),
  z.transform((body: Record<string, unknown>, ctx) => {
    const sent = SECONDARY_COPIED_FIELDS.find((name) => body[name] !== undefined && body[name] !== null && body[name] !== '');
    if (sent) problem(ctx, 'is copied from the primary claim (secondaryOf): leave it out of a secondary claim', [sent]);
    else if (body.claimId === body.secondaryOf) problem(ctx, 'names this claim itself: a secondary claim has its own claimId', ['secondaryOf']);
    return body;
  }),
  z.object({
    claimId: z.string(),
    secondaryOf: z.string(),
    clientId: optionalString({ max: 64 }),
    payerId: optionalString({ max: 80, pattern: PAYER_ID, hint: 'the clearinghouse payer id, 2–80 letters or digits' }),
    priorAuthorization: optionalString({ max: 50, pattern: REFERENCE, hint: 'up to 50 letters, digits, -' }),
    referralNumber: optionalString({ max: 50, pattern: REFERENCE, hint: 'up to 50 letters, digits, -' }),
  }),
);
