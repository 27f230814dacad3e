import type { Context } from 'aws-lambda';
import { missingStatementDetails } from './domain/receipt';
import { assertNoPhi, PhiInStripeRequestError } from './stripe/phi-guard';
import { NotFoundError, ValidationError } from './shared/errors';
import { authorizedPractice, dispatchRoutes, httpHandler, json, jsonBody, type ApiEvent, type ApiResult, type RouteHandler } from './shared/http';
import { parseBody } from './shared/schemas/parse';
import { PRACTICE_PROFILE_FIRST, practiceProfileBodyFor } from './shared/schemas/requests';
import { getStore, type Store } from './store/table';
import { getPractice, savePractice } from './store/practices';
import { DEFAULT_PAYER_WAIT_DAYS, type Practice } from './domain/practice';

const DEFAULT_REMINDER_DAYS = [7, 14];

/**
 * Validates a practice profile body into a Practice (defaults filled in). The connected Stripe
 * account stays what onboarding linked: a profile save never sets, changes or releases it
 * (issue 16). Absent → kept; the linked id again → fine; anything else → 400.
 */
export const parsePracticeProfile = (practiceId: string, body: Record<string, unknown>, previous: Practice | undefined, now: Date): Practice => {
  const linked = previous?.stripeAccountId;
  const profile = parseBody(practiceProfileBodyFor(practiceId, linked), body, PRACTICE_PROFILE_FIRST);
  const { address, billing, receipts, clearinghouse } = profile;
  return {
    practiceId,
    name: profile.name,
    email: profile.email,
    phone: profile.phone,
    address: address && {
      line1: address.line1,
      line2: address.line2,
      city: address.city,
      state: address.state,
      postalCode: address.postalCode,
      country: address.country ?? 'US',
    },
    taxId: profile.taxId,
    npi: profile.npi,
    licenseNumber: profile.licenseNumber,
    taxonomyCode: profile.taxonomyCode,
    clearinghouse: clearinghouse && {
      name: clearinghouse.name,
      receiverId: clearinghouse.receiverId,
      submitterId: clearinghouse.submitterId,
      usage: clearinghouse.usage ?? 'P',
    },
    timezone: profile.timezone ?? 'America/New_York',
    currency: profile.currency ?? 'usd',
    stripeAccountId: linked,
    billing: {
      unitMethod: billing?.unitMethod ?? 'cms',
      invoiceDueDays: billing?.invoiceDueDays ?? 14,
      overpayment: billing?.overpayment ?? 'refund',
      forwardedClaims: billing?.forwardedClaims ?? 'hold',
      secondaryClaims: billing?.secondaryClaims ?? 'hold',
      payerWaitDays: billing?.payerWaitDays ?? DEFAULT_PAYER_WAIT_DAYS,
      reminderDays: billing?.reminderDays ?? DEFAULT_REMINDER_DAYS,
    },
    receipts: {
      mode: receipts?.mode ?? 'link',
      linkLifetimeDays: receipts?.linkLifetimeDays ?? 365,
    },
    createdAt: previous?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
};

const PRACTICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const servePutPractice = async (store: Store, practiceId: string, body: Record<string, unknown>, now = new Date()) => {
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
    return json(200, withStatementReadiness(await servePutPractice(store, practiceId, jsonBody(event))));
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
export const servePractices = (event: ApiEvent, store: Store = getStore()): Promise<ApiResult> => dispatch(event, store);

export const handler = httpHandler('practices', (event: ApiEvent, _context: Context) => servePractices(event));
