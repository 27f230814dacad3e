/**
 * Stripe Connect calls: the practice's connected account and its onboarding links
 * (docs.stripe.com/api/accounts, /api/account_links). Standard accounts: docs/decisions/006.
 */
import type Stripe from 'stripe';
import { call, collect, guarded, mapStripeError, requestOptions } from './gateway';
import { config } from '../shared/config';

/** The account type kneadpay creates (docs/decisions/006-connect-account-type.md). */
export const CONNECT_ACCOUNT_TYPE = 'standard' as const;

/**
 * Creates the practice's connected account once: the idempotency key is the practice's, and the
 * account carries the practice id in metadata (an opaque id, no PHI) so an event that arrives
 * before kneadpay stored the account id can still be traced to the practice.
 */
export const createConnectedAccount = (stripe: Stripe, practiceId: string, requestedAt: string): Promise<Stripe.Account> =>
  call({ stripe }, 'create the connected account', () =>
    stripe.accounts.create(
      guarded({ type: CONNECT_ACCOUNT_TYPE, metadata: { practiceId } } satisfies Stripe.AccountCreateParams, 'account'),
      requestOptions({ stripe }, `practice:${practiceId}:connect:${requestedAt}:account`),
    ),
  );

/** The account as Stripe sees it now (the platform's view; no Stripe-Account header). */
export const retrieveConnectedAccount = (stripe: Stripe, accountId: string): Promise<Stripe.Account> => call({ stripe }, 'read the connected account', () => stripe.accounts.retrieve(accountId));

/**
 * The account if the platform can read it; undefined when Stripe refuses it (an account id that is
 * not, or no longer, connected to the platform: invalid_request or permission error). Anything
 * else is mapped as every gateway error is (an outage is retryable).
 */
export const connectedAccountIfVisible = async (stripe: Stripe, accountId: string): Promise<Stripe.Account | undefined> => {
  try {
    return await stripe.accounts.retrieve(accountId);
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'StripeInvalidRequestError' || type === 'StripePermissionError') return undefined;
    throw mapStripeError('read the connected account', error, { stripe });
  }
};

/**
 * A fresh, single-use onboarding link. Each call must make a new link (an old one may be used or
 * expired), so the key is unique per call: a retried call at worst makes one more short-lived link.
 */
export const createOnboardingLink = (stripe: Stripe, accountId: string, urls: { returnUrl: string; refreshUrl: string }, nonce: string): Promise<Stripe.AccountLink> =>
  call({ stripe }, 'create the onboarding link', () =>
    stripe.accountLinks.create(
      { account: accountId, type: 'account_onboarding', return_url: urls.returnUrl, refresh_url: urls.refreshUrl } satisfies Stripe.AccountLinkCreateParams,
      requestOptions({ stripe }, `acct:${accountId}:link:${nonce}`),
    ),
  );

/** What kneadpay keeps of an account. */
export const accountState = (account: Pick<Stripe.Account, 'charges_enabled' | 'payouts_enabled' | 'details_submitted' | 'requirements'>) => ({
  chargesEnabled: account.charges_enabled === true,
  payoutsEnabled: account.payouts_enabled === true,
  detailsSubmitted: account.details_submitted === true,
  requirementsDue: Array.isArray(account.requirements?.currently_due) ? account.requirements.currently_due.filter((r): r is string => typeof r === 'string').slice(0, 100) : [],
  disabledReason: typeof account.requirements?.disabled_reason === 'string' ? account.requirements.disabled_reason.slice(0, 100) : null,
});

/**
 * The platform fee for an amount, from `KNEADPAY_PLATFORM_FEE_BPS` (basis points, default 0):
 * rounded down to a whole minor unit. Only a connected account can be charged one (Stripe refuses
 * `application_fee_amount` on the platform's own payments), so none without an account.
 */
export const platformFeeFor = (amountCents: number, stripeAccountId: string | undefined, bps = platformFeeBps()): number => (stripeAccountId && bps > 0 ? Math.floor((amountCents * bps) / 10_000) : 0);

export const platformFeeBps = (): number => {
  const raw = config().platformFeeBpsRaw;
  if (raw === undefined || raw === '') return 0;
  const bps = Number(raw);
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new Error('KNEADPAY_PLATFORM_FEE_BPS must be a whole number of basis points between 0 and 10000');
  return bps;
};

/**
 * The connected account an earlier attempt created for the practice but did not store (a crash as
 * Stripe answered, past the idempotency key's 24 hours): found by the practice id in its metadata.
 */
export const findAccountOfPractice = async (stripe: Stripe, practiceId: string, createdGte: number): Promise<Stripe.Account | undefined> =>
  (
    await collect(
      { stripe },
      'list connected accounts',
      () => stripe.accounts.list({ created: { gte: createdGte }, limit: 100 }),
      (account) => account.metadata?.practiceId === practiceId,
      true,
    )
  )[0];

/** What is still payable on a connected account (Stripe is its record): open Checkout Sessions and invoices. */
export const openPaymentsOnAccount = async (stripe: Stripe, accountId: string): Promise<string[]> => {
  const scope = { stripe, account: accountId };
  const open: string[] = [];
  const sessions = await call(scope, 'list open Checkout Sessions', () => stripe.checkout.sessions.list({ status: 'open', limit: 1 }, requestOptions(scope)));
  if (sessions.data.length) open.push('open Checkout Sessions');
  const invoices = await call(scope, 'list open invoices', () => stripe.invoices.list({ status: 'open', limit: 1 }, requestOptions(scope)));
  if (invoices.data.length) open.push('open Stripe invoices');
  return open;
};
