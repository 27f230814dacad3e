/** Stripe Events: the webhook's signature check and the reconciler's listing (Stripe keeps events 30 days). */
import Stripe from 'stripe';
import { call, requestOptions, type StripeScope } from './gateway';

/**
 * stripe-node's check of `Stripe-Signature` (HMAC-SHA256 over `t.rawBody`) with one secret; throws
 * stripe-node's signature error when it does not match or the timestamp is older than `tolerance`.
 */
export const constructSignedEvent = (raw: Buffer, signature: string, secret: string, toleranceSeconds: number): Stripe.Event =>
  Stripe.webhooks.constructEvent(raw, signature, secret, toleranceSeconds);

/** Stripe keeps events for 30 days: a checkpoint older than that cannot be listed from. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

/**
 * One page of the account's events created at or after `createdGte` (seconds), newest first as
 * Stripe lists them; `startingAfter` continues after the last event of the previous page.
 */
export const listEventsPage = async (
  scope: StripeScope,
  page: { createdGte: number; startingAfter?: string | undefined; limit?: number; types?: readonly string[] },
): Promise<{ events: Stripe.Event[]; hasMore: boolean }> => {
  const params: Stripe.EventListParams = {
    created: { gte: page.createdGte },
    limit: page.limit ?? 100,
    ...(page.types?.length ? { types: [...page.types] } : {}),
    ...(page.startingAfter ? { starting_after: page.startingAfter } : {}),
  };
  const answer = await call(scope, 'list events', () => scope.stripe.events.list(params, requestOptions(scope)));
  return { events: answer.data, hasMore: answer.has_more };
};
