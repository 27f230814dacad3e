import { createHash } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KneadpayError } from '../shared/errors';
import type { Store } from './table';
import { absent, nullValue } from './conditions';
import { practicePk } from './keys';

/**
 * Abuse limits kneadpay enforces itself (issue 17; docs/decisions/007-abuse-limits.md): fixed-window
 * counters in the table, so they hold on a laptop (DynamoDB Local) exactly as deployed, across every
 * Lambda instance. One conditional UpdateItem per limit checked (1 write unit); the counter items
 * carry a TTL and vanish after their window. Every counter key is under its practice.
 */
export interface RateLimit {
  /** Stable name, part of the key and of the 429's details. */
  name: string;
  max: number;
  windowSeconds: number;
}

export const LIMITS = {
  /** Anonymous storefront checkouts of one practice (each costs Stripe calls and a purchase record). */
  checkoutPerPractice: { name: 'checkout-practice', max: 120, windowSeconds: 600 },
  /** …from one client address (source IP) at one practice. */
  checkoutPerAddress: { name: 'checkout-address', max: 10, windowSeconds: 600 },
  /** …for one buyer email at one practice. */
  checkoutPerEmail: { name: 'checkout-email', max: 5, windowSeconds: 3600 },
  /** Receipt resends by one practice. */
  resendPerPractice: { name: 'resend-practice', max: 60, windowSeconds: 3600 },
  /** Resends of one receipt (to its one recipient). */
  resendPerReceipt: { name: 'resend-receipt', max: 3, windowSeconds: 3600 },
  /** Every email a practice sends through the shared sender (receipts, balances, reminders, resends). */
  emailPerPractice: { name: 'email-practice', max: 2000, windowSeconds: 86_400 },
  /** …to one recipient address. */
  emailPerRecipient: { name: 'email-recipient', max: 20, windowSeconds: 86_400 },
  /** Loads of the public onboarding return page that ask Stripe for one practice's account (the page refreshes itself every few seconds); one read each, a second when it records a change. */
  stripeReturnPerPractice: { name: 'stripe-return-practice', max: 30, windowSeconds: 600 },
} as const satisfies Record<string, RateLimit>;

/** 429: a limit is reached; `Retry-After` says when its window ends. */
export class RateLimitedError extends KneadpayError {
  readonly retryAfterSeconds: number;

  constructor(limit: RateLimit, retryAfterSeconds: number) {
    super(`too many requests (${limit.max} per ${limit.windowSeconds} s); retry after ${retryAfterSeconds} s`, {
      status: 429,
      code: 'rate_limited',
      details: { limit: limit.name, max: limit.max, windowSeconds: limit.windowSeconds, retryAfterSeconds },
    });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Subjects (addresses, emails) are hashed: keys stay short and hold no address in clear. */
const subjectKey = (subject: string) => createHash('sha256').update(subject.toLowerCase()).digest('base64url').slice(0, 22);

export const rateKey = (practiceId: string, limit: RateLimit, subject: string, windowStart: number) => ({
  pk: practicePk(practiceId),
  sk: `RATE#${limit.name}#${subjectKey(subject)}#${windowStart}`,
});

/** No use counted in the window yet, or fewer than `:max`. */
const UNDER_THE_LIMIT = `${absent('hits')} OR hits < :max`;

/**
 * Counts one more use of `limit` for `subject` in the practice; throws RateLimitedError (429, with
 * the seconds until the window ends) once `max` uses are counted in the window.
 */
export const consume = async (store: Store, practiceId: string, limit: RateLimit, subject: string, now = new Date()): Promise<void> => {
  const seconds = Math.floor(now.getTime() / 1000);
  const windowStart = seconds - (seconds % limit.windowSeconds);
  const windowEnd = windowStart + limit.windowSeconds;
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: rateKey(practiceId, limit, subject, windowStart),
        UpdateExpression: 'ADD hits :one SET #type = :type, #ttl = :ttl',
        ConditionExpression: UNDER_THE_LIMIT,
        ExpressionAttributeNames: { '#type': 'type', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':max': limit.max, ':type': 'rate-counter', ':ttl': windowEnd + 60, ...nullValue(UNDER_THE_LIMIT) },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    throw new RateLimitedError(limit, Math.max(1, windowEnd - seconds));
  }
};

/** Several limits for one action, in order (the first reached answers). */
export const consumeAll = async (store: Store, practiceId: string, checks: ReadonlyArray<readonly [RateLimit, string]>, now = new Date()): Promise<void> => {
  for (const [limit, subject] of checks) await consume(store, practiceId, limit, subject, now);
};
