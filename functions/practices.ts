import type { Context } from 'aws-lambda';
import { isValidNpi } from './domain/npi';
import { TAXONOMY } from './domain/claim-validation';
import { missingStatementDetails } from './domain/receipt';
import { assertNoPhi, PhiInStripeRequestError } from './stripe/phi-guard';
import { ValidationError } from './shared/errors';
import { authorizedPractice, dispatchRoutes, httpHandler, json, jsonBody, type ApiEvent, type ApiResult, type RouteHandler } from './shared/http';
import { CURRENCY_PATTERN, EMAIL_PATTERN, fields } from './shared/validate';
import { getStore, type Store } from './store/client';
import { FORWARDED_CLAIM_POLICIES, getPractice, OVERPAYMENT_POLICIES, RECEIPT_MODES, savePractice, UNIT_METHODS, type Practice } from './store/practices';
import { NotFoundError } from './shared/errors';

const DEFAULT_REMINDER_DAYS = [7, 14];

const isTimezone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * The connected Stripe account stays what onboarding linked: a profile save never sets, changes or
 * releases it (issue 16). Absent → kept; the linked id again → fine; anything else → 400.
 */
const linkedAccount = (practiceId: string, given: string | undefined, previous: Practice | undefined): string | undefined => {
  const linked = previous?.stripeAccountId;
  if (given !== undefined && given !== linked) {
    throw new ValidationError(
      `stripeAccountId cannot be set or changed in the profile: a Stripe account is connected through onboarding (POST /practices/${practiceId}/stripe/onboarding) and released with DELETE /practices/${practiceId}/stripe`,
      { field: 'stripeAccountId', linked: linked ?? null },
    );
  }
  return linked;
};

/** Validates a practice profile body into a Practice (defaults filled in). */
export const parsePracticeProfile = (practiceId: string, body: Record<string, unknown>, previous: Practice | undefined, now: Date): Practice => {
  const f = fields(body);
  const address = f.object('address', { optional: true });
  const billing = f.object('billing', { optional: true });
  const receipts = f.object('receipts', { optional: true });
  const clearinghouse = f.object('clearinghouse', { optional: true });
  const npi = f.string('npi', { optional: true, pattern: /^\d{10}$/, hint: '10 digits' });
  if (npi && !isValidNpi(npi)) throw new ValidationError('npi fails its check digit', { field: 'npi' });
  const timezone = f.string('timezone', { optional: true, max: 64 }) ?? 'America/New_York';
  if (!isTimezone(timezone)) throw new ValidationError('timezone is not an IANA time zone (e.g. America/Chicago)', { field: 'timezone' });
  const reminderDays = billing?.array('reminderDays', { optional: true, max: 10 });
  if (reminderDays && !reminderDays.every((d) => Number.isSafeInteger(d) && (d as number) >= 0 && (d as number) <= 365)) {
    throw new ValidationError('billing.reminderDays must be whole days between 0 and 365', { field: 'billing.reminderDays' });
  }
  return {
    practiceId,
    name: f.string('name', { max: 200 }),
    email: f.string('email', { max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' }),
    phone: f.string('phone', { optional: true, max: 32, pattern: /^[+0-9 ().-]{7,32}$/, hint: 'digits, spaces, + ( ) . -' }),
    address: address && {
      line1: address.string('line1', { max: 200 }),
      line2: address.string('line2', { optional: true, max: 200 }),
      city: address.string('city', { max: 100 }),
      state: address.string('state', { max: 100 }),
      postalCode: address.string('postalCode', { max: 20 }),
      country: address.string('country', { optional: true, pattern: /^[A-Z]{2}$/, hint: 'ISO 3166 alpha-2, e.g. US' }) ?? 'US',
    },
    taxId: f.string('taxId', { optional: true, pattern: /^\d{2}-?\d{7}$/, hint: 'an EIN such as 12-3456789' }),
    npi,
    licenseNumber: f.string('licenseNumber', { optional: true, max: 64 }),
    taxonomyCode: f.string('taxonomyCode', { optional: true, pattern: TAXONOMY, hint: 'a 10-character NUCC taxonomy code ending in X, e.g. 225700000X' }),
    clearinghouse: clearinghouse && {
      name: clearinghouse.string('name', { max: 60 }),
      receiverId: clearinghouse.string('receiverId', { max: 15, pattern: /^[A-Za-z0-9]{2,15}$/, hint: '2–15 letters or digits' }),
      submitterId: clearinghouse.string('submitterId', { max: 15, pattern: /^[A-Za-z0-9]{2,15}$/, hint: '2–15 letters or digits' }),
      usage: clearinghouse.oneOf('usage', ['P', 'T'] as const, { optional: true }) ?? 'P',
    },
    timezone,
    currency: f.string('currency', { optional: true, pattern: CURRENCY_PATTERN, hint: 'lower-case ISO 4217, e.g. usd' }) ?? 'usd',
    stripeAccountId: linkedAccount(practiceId, f.string('stripeAccountId', { optional: true, max: 255 }), previous),
    billing: {
      unitMethod: billing?.oneOf('unitMethod', UNIT_METHODS, { optional: true }) ?? 'cms',
      invoiceDueDays: billing?.int('invoiceDueDays', { optional: true, min: 0, max: 365 }) ?? 14,
      overpayment: billing?.oneOf('overpayment', OVERPAYMENT_POLICIES, { optional: true }) ?? 'refund',
      forwardedClaims: billing?.oneOf('forwardedClaims', FORWARDED_CLAIM_POLICIES, { optional: true }) ?? 'hold',
      reminderDays: (reminderDays as number[] | undefined) ?? DEFAULT_REMINDER_DAYS,
    },
    receipts: {
      mode: receipts?.oneOf('mode', RECEIPT_MODES, { optional: true }) ?? 'link',
      linkLifetimeDays: receipts?.int('linkLifetimeDays', { optional: true, min: 1, max: 3650 }) ?? 365,
    },
    createdAt: previous?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
};

const PRACTICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const putPracticeCore = async (store: Store, practiceId: string, body: Record<string, unknown>, now = new Date()) => {
  if (!PRACTICE_ID_PATTERN.test(practiceId)) {
    throw new ValidationError('practiceId may hold letters, digits, _ and - (at most 64)', { field: 'practiceId' });
  }
  // The id goes into Stripe metadata, where the PHI guard refuses anything that looks like a code
  // or a clinical word ("back-pain-relief", "studio-90210"): refuse such an id here, with a 400,
  // rather than have every later Stripe call of the practice fail.
  try {
    assertNoPhi(practiceId, 'practiceId');
  } catch (error) {
    if (!(error instanceof PhiInStripeRequestError)) throw error;
    throw new ValidationError(`practiceId looks like ${error.what} to the guard that keeps PHI out of Stripe, where the id is sent: choose another id`, { field: 'practiceId' });
  }
  const previous = await getPractice(store, practiceId);
  // A clock that did not move (two saves in the same millisecond) must still change `updatedAt`.
  const stamp = previous && previous.updatedAt >= now.toISOString() ? new Date(Date.parse(previous.updatedAt) + 1) : now;
  const practice = parsePracticeProfile(practiceId, body, previous, stamp);
  await savePractice(store, practice, previous);
  return practice;
};

/**
 * The profile as the API shows it, with whether its receipts make a complete itemized statement for
 * insurance or HSA/FSA reimbursement (address, phone, EIN, license) and what is missing if not.
 */
const withStatementReadiness = (practice: Practice) => {
  const missing = missingStatementDetails(practice);
  return { ...practice, receiptStatement: { complete: missing.length === 0, missing } };
};

/** PUT and GET /practices/{practiceId}; lib/wiring.ts names each route's handler. */
export const routeHandlers = {
  putProfile: async (event, store = getStore()) => {
    const practiceId = authorizedPractice(event);
    return json(200, withStatementReadiness(await putPracticeCore(store, practiceId, jsonBody(event))));
  },
  getProfile: async (event, store = getStore()) => {
    const practiceId = authorizedPractice(event);
    const practice = await getPractice(store, practiceId);
    if (!practice) throw new NotFoundError('practice');
    return json(200, withStatementReadiness(practice));
  },
} satisfies Record<string, RouteHandler<[store?: Store]>>;

const dispatch = dispatchRoutes<[store?: Store]>('practices', routeHandlers);

/** The practices function; `store` may be a test's. */
export const practicesCore = (event: ApiEvent, store: Store = getStore()): Promise<ApiResult> => dispatch(event, store);

export const handler = httpHandler('practices', (event: ApiEvent, _context: Context) => practicesCore(event));
