/**
 * The one door to Stripe. Every Stripe call kneadpay makes goes through a function of
 * `functions/stripe/` (customers, catalog, checkout, invoices, refunds, payments, events), which
 * owns, for each call:
 * - the parameters, typed with stripe-node's own param types (`Stripe.CustomerCreateParams` …),
 *   so a misspelled parameter or a wrong enum value is a compile error;
 * - the deterministic idempotency key of every POST (built from kneadpay ids by the caller, required
 *   by the type), and the practice's connected account (`Stripe-Account`);
 * - the PHI guard (nothing clinical in any field; the client's name and email on the Customer only);
 * - the mapping of stripe-node's typed errors to kneadpay's (see `mapStripeError`).
 * `functions/core` calls these functions only; test/unit/stripe-gateway.test.ts greps that no Stripe
 * SDK call exists anywhere else.
 */
import type Stripe from 'stripe';
import { KneadpayError, RetryableError } from '../shared/errors';
import { assertNoPhi, type PhiGuardOptions } from './phi-guard';

/** Who a call is for: the SDK client and the practice's connected account (none: the platform). */
export interface StripeScope {
  stripe: Stripe;
  /** `acct_…` of the practice's own Stripe account (Connect), or undefined for the platform. */
  account?: string | null | undefined;
}

/** Request options for one call: the deterministic idempotency key (POSTs) and the practice's account. */
export const requestOptions = (scope: StripeScope, idempotencyKey?: string): Stripe.RequestOptions => ({
  ...(idempotencyKey ? { idempotencyKey } : {}),
  ...(scope.account ? { stripeAccount: scope.account } : {}),
});

/**
 * 502 (or 409 for an account kneadpay may not use): Stripe refused the request and a retry will not
 * change its mind. The Stripe error's `type`, `code`, `param` and `statusCode` are kept, so callers
 * that branch on them (a price archived meanwhile, a product that already exists) still can.
 */
export class StripeRefusedError extends KneadpayError {
  readonly type: string;
  readonly param: string | undefined;
  readonly statusCode: number | undefined;
  readonly stripeCode: string | undefined;

  constructor(what: string, error: StripeSdkError, status = 502, code = 'stripe_refused') {
    super(`Stripe refused to ${what}: ${error.message}${error.code ? ` (${error.code})` : ''}`, {
      status,
      code,
      details: { stripeType: error.type, ...(error.code ? { stripeCode: error.code } : {}), ...(error.param ? { param: error.param } : {}) },
      cause: error,
    });
    this.name = 'StripeRefusedError';
    this.type = error.type ?? 'StripeError';
    this.param = error.param;
    this.statusCode = error.statusCode;
    this.stripeCode = error.code;
  }

  /** The Stripe error code (`resource_already_exists`, `account_invalid`, …), as stripe-node names it. */
  get stripeErrorCode(): string | undefined {
    return this.stripeCode;
  }
}

export interface StripeSdkError extends Error {
  type?: string;
  code?: string;
  param?: string;
  statusCode?: number;
  raw?: unknown;
}

/** What a retry may fix: Stripe's own classes for rate limits, outages, dropped connections and lock timeouts. */
const RETRYABLE_TYPES = new Set(['StripeRateLimitError', 'StripeConnectionError', 'StripeAPIError', 'StripeLockTimeoutError']);
/** Codes that say the connected account cannot be used by this platform (not connected, revoked, or not this mode). */
const ACCOUNT_CODES = new Set(['account_invalid', 'platform_account_required', 'account_country_invalid_address']);

const isStripeSdkError = (error: unknown): error is StripeSdkError => error instanceof Error && typeof (error as StripeSdkError).type === 'string' && /^Stripe/.test((error as StripeSdkError).type!);

/**
 * stripe-node's typed error → kneadpay's: a rate limit, an outage (5xx), a dropped connection or a
 * lock timeout is a RetryableError (503, the bus and the client retry); an account the platform may
 * not use (`account_invalid`, a permission or authentication error) is a 409 `stripe_account_unusable`
 * naming the account; anything else Stripe refused (a bad parameter, an idempotency mismatch) is a
 * 502 `stripe_refused` with Stripe's message. Never a bare 500.
 */
export const mapStripeError = (what: string, error: unknown, scope?: StripeScope): unknown => {
  if (!isStripeSdkError(error)) return error;
  if (RETRYABLE_TYPES.has(error.type!) || (error.statusCode ?? 0) >= 500) {
    return Object.assign(new RetryableError(`Stripe could not ${what} just now: ${error.message}`, error), { type: error.type, stripeCode: error.code });
  }
  if (error.type === 'StripePermissionError' || error.type === 'StripeAuthenticationError' || ACCOUNT_CODES.has(error.code ?? '')) {
    const account = scope?.account ? `the practice's Stripe account ${scope.account}` : "kneadpay's Stripe account";
    return new StripeRefusedError(`${what} on ${account}`, error, 409, 'stripe_account_unusable');
  }
  return new StripeRefusedError(what, error);
};

/** Runs one Stripe call, mapping its error. `what` reads in a sentence: "create the invoice". */
export const call = async <T>(scope: StripeScope, what: string, run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    throw mapStripeError(what, error, scope);
  }
};

/** The PHI guard on outbound params; `what` names the object in the refusal. */
export const guarded = <T>(params: T, what: string, options?: PhiGuardOptions): T => {
  assertNoPhi(params, what, options);
  return params;
};

/**
 * The most items kneadpay reads of one Stripe list: 100 pages of 100 (stripe-node's own ceiling
 * for `autoPagingToArray`). No list kneadpay reads whole comes near it (refunds of one payment,
 * payments of one invoice); past it the read is refused, never answered short.
 */
export const STRIPE_LIST_BOUND = 10_000;

/** 502: a Stripe list had more items than kneadpay reads (`STRIPE_LIST_BOUND`); no partial answer is used. */
export class StripeListTooLongError extends KneadpayError {
  constructor(what: string, bound: number) {
    super(`Stripe answered more than ${bound} items to ${what}; kneadpay reads at most ${bound} and used none of them`, {
      status: 502,
      code: 'stripe_list_too_long',
      details: { bound },
    });
    this.name = 'StripeListTooLongError';
  }
}

/**
 * Every item of a Stripe list, every page (the SDK's auto-pagination follows `has_more` with
 * `starting_after`: docs.stripe.com/api/pagination), errors mapped; more than `bound` items is a
 * StripeListTooLongError. `list` makes the first request; its `limit` is the page size (100 for
 * the fewest requests).
 */
export const listAll = async <T>(scope: StripeScope, what: string, list: () => AsyncIterable<T>, bound = STRIPE_LIST_BOUND): Promise<T[]> =>
  call(scope, what, async () => {
    const all: T[] = [];
    for await (const item of list()) {
      if (all.length >= bound) throw new StripeListTooLongError(what, bound);
      all.push(item);
    }
    return all;
  });

/**
 * The items of a Stripe list `keep` accepts, every page (the SDK's auto-pagination), errors mapped.
 * At most `bound` items are looked at: past it a StripeListTooLongError, not "none found" (a search
 * for a lost answer that gave up would make the object twice).
 */
export const collect = async <T>(scope: StripeScope, what: string, list: () => AsyncIterable<T>, keep: (item: T) => boolean, stopAtFirst = false, bound = STRIPE_LIST_BOUND): Promise<T[]> =>
  call(scope, what, async () => {
    const found: T[] = [];
    let seen = 0;
    for await (const item of list()) {
      if (seen >= bound) throw new StripeListTooLongError(what, bound);
      seen += 1;
      if (!keep(item)) continue;
      found.push(item);
      if (stopAtFirst) break;
    }
    return found;
  });

/**
 * A Stripe list's items, oldest first. Stripe lists newest first (docs.stripe.com/api/pagination)
 * and `created` is in seconds, so items of the same second keep Stripe's order, reversed: the one
 * listed later is the older. Never by id: Stripe's ids carry no order, and sorting by them put two
 * payments or refunds of the same second in an order left to chance (bugs 147–148).
 */
export const oldestFirst = <T extends { created: number }>(listed: readonly T[]): T[] =>
  listed
    .map((item, position) => ({ item, position }))
    .sort((a, b) => a.item.created - b.item.created || b.position - a.position)
    .map(({ item }) => item);
