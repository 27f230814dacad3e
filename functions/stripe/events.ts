/** Stripe Events: the webhook's signature check and the reconciler's listing (Stripe keeps events 30 days). */
import { createHmac } from 'node:crypto';
import type Stripe from 'stripe';
import { call, requestOptions, type StripeScope } from './gateway';

/** The signature scheme Stripe signs with (`v1=` entries of `Stripe-Signature`; `v0` is test-only). */
const SIGNATURE_SCHEME = 'v1';

/** Equal strings in a time that does not depend on where they differ (stripe-node's `secureCompare`). */
const sameInConstantTime = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
};

/**
 * Stripe's check of `Stripe-Signature` with one secret, as Stripe documents it for verifying
 * signatures without a library (docs.stripe.com/webhooks/signature): the header's `t` and its `v1`
 * signatures; HMAC-SHA256 with the endpoint secret over `t + "." + body`; any `v1` equal to it;
 * then the timestamp no older than `tolerance`; then the body parsed. The same steps as stripe-node's
 * `Stripe.webhooks.constructEvent`, step for step (the body decoded as UTF-8 the way its
 * `TextDecoder` does), so the two agree on every input (`test/unit/webhook-signature-sdk.test.ts`
 * holds them to it). Done here so the webhook's bundle does not carry the SDK, which it needs only
 * for the rare effects that call Stripe (`functions/stripe/client.ts` loads it on first use).
 * Throws an Error saying what failed; `verifyStripeEvent` turns it into a 400.
 */
export const constructSignedEvent = (raw: Buffer, signature: string, secret: string, toleranceSeconds: number, now: Date = new Date()): Stripe.Event => {
  const body = new TextDecoder('utf8').decode(raw);
  if (!body) throw new Error('No webhook payload was provided.');
  let timestamp = -1;
  const signatures: (string | undefined)[] = [];
  for (const item of signature.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') timestamp = parseInt(value!, 10);
    if (key === SIGNATURE_SCHEME) signatures.push(value);
  }
  if (timestamp === -1) throw new Error('Unable to extract timestamp and signatures from header');
  if (!signatures.length) throw new Error('No signatures found with expected scheme');
  if (/^[ \t\r\n\f\v]*$/.test(secret)) throw new Error('No webhook secret value was provided.');
  // A `v1` with no value makes the header malformed (stripe-node fails on it too, whatever else matches).
  if (signatures.some((candidate) => candidate === undefined)) throw new Error('a v1 signature of the header has no value');
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  if (!signatures.some((candidate) => sameInConstantTime(expected, candidate!))) {
    throw new Error('No signatures found matching the expected signature for payload.');
  }
  if (toleranceSeconds > 0 && Math.floor(now.getTime() / 1000) - timestamp > toleranceSeconds) throw new Error('Timestamp outside the tolerance zone');
  const event = JSON.parse(body) as Stripe.Event | { object?: unknown } | null;
  // A thin event (Stripe's v2 event notifications) is not a webhook event; stripe-node refuses it too.
  if (event && (event as { object?: unknown }).object === 'v2.core.event') throw new Error('a thin event notification is not a webhook event');
  return event as Stripe.Event;
};

/** Stripe keeps events for 30 days: a checkpoint older than that cannot be listed from. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

/**
 * One page of the account's events created at or after `createdGte` (and before `createdLt`, when
 * given; seconds), newest first as
 * Stripe lists them; `startingAfter` continues after the last event of the previous page.
 */
export const listEventsPage = async (
  scope: StripeScope,
  page: { createdGte: number; createdLt?: number | undefined; startingAfter?: string | undefined; limit?: number; types?: readonly string[] },
): Promise<{ events: Stripe.Event[]; hasMore: boolean }> => {
  const params: Stripe.EventListParams = {
    created: { gte: page.createdGte, ...(page.createdLt !== undefined ? { lt: page.createdLt } : {}) },
    limit: page.limit ?? 100,
    ...(page.types?.length ? { types: [...page.types] } : {}),
    ...(page.startingAfter ? { starting_after: page.startingAfter } : {}),
  };
  const answer = await call(scope, 'list events', () => scope.stripe.events.list(params, requestOptions(scope)));
  return { events: answer.data, hasMore: answer.has_more };
};
