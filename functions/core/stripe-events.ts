import type { Stripe } from '../stripe/types';
import { constructSignedEvent } from '../stripe/events';
import { findInvoiceOfPaymentIntent, retrieveInvoice } from '../stripe/invoices';
import { findPaymentIntent } from '../stripe/payments';
import { RetryableError, ValidationError } from '../shared/errors';
import { countMetric, METRIC, UNKNOWN_ACCOUNT_METRIC } from '../shared/metrics';
import type { Logger } from '../shared/logger';
import type { Store } from '../store/table';
import { commitOnce, CommitConflictError, type TransactItem } from '../store/commit';
import { keys } from '../store/keys';
import type { OutboxEvent } from '../store/outbox';
import { findPracticeByStripeAccount } from '../store/practices';
import { findPurchaseByStripeId } from '../store/purchases';
import { recordIgnoredStripeEvent } from '../store/stripe-event-markers';
import { deferIfBeingLinked } from './connect';
import { assertEventShape } from './stripe-event-shapes';
import type { StripeEventsPort } from './ports';

/** The default implementation of the port: the table (core/ports.ts). */
const STRIPE_EVENTS_STORE: StripeEventsPort = { commitOnce, keys, findPracticeByStripeAccount, findPurchaseByStripeId, recordIgnoredStripeEvent };

const UNKNOWN_ACCOUNT = 'unknown connected account';

/** Stripe's default tolerance; kneadpay also refuses timestamps this far in the future. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** Stripe event payloads are far smaller; anything larger is refused before parsing. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export class WebhookSignatureError extends ValidationError {
  constructor(message: string) {
    super(message, { field: 'stripe-signature' });
    this.name = 'WebhookSignatureError';
  }
}

/**
 * Verifies `Stripe-Signature` on the raw bytes with each configured secret (several during a
 * rotation) and returns the event. Stripe's library checks the past tolerance; it accepts future
 * timestamps, so those more than the tolerance ahead are refused here.
 */
export const verifyStripeEvent = (raw: Buffer, signature: string | undefined, secrets: readonly string[], now: Date = new Date()): Stripe.Event => {
  if (!signature) throw new WebhookSignatureError('the Stripe-Signature header is missing');
  if (raw.length > MAX_WEBHOOK_BYTES) throw new WebhookSignatureError(`the body is larger than ${MAX_WEBHOOK_BYTES} bytes`);
  const timestamp = /(?:^|,)\s*t=(\d+)/.exec(signature)?.[1];
  if (!timestamp) throw new WebhookSignatureError('the Stripe-Signature header has no timestamp');
  const ageSeconds = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (ageSeconds < -SIGNATURE_TOLERANCE_SECONDS) throw new WebhookSignatureError('the signature timestamp is in the future');
  if (ageSeconds > SIGNATURE_TOLERANCE_SECONDS) throw new WebhookSignatureError('the signature timestamp is too old');
  let lastError: unknown;
  for (const secret of secrets) {
    try {
      const event = constructSignedEvent(raw, signature, secret, SIGNATURE_TOLERANCE_SECONDS, now);
      return assertEventShape(event);
    } catch (error) {
      if ((error as Error).name === 'ValidationError') throw error;
      lastError = error;
    }
  }
  const message = (lastError as Error | undefined)?.message ?? 'no webhook secret is configured';
  throw new WebhookSignatureError(/JSON/i.test(message) && !/signature/i.test(message) ? 'the body is not valid JSON' : 'no configured secret matches the signature');
};

/** What an effect decided for one event, applied atomically with the event's marker. */
export type Decision = { kind: 'apply'; writes: TransactItem[]; events: OutboxEvent[]; summary: string } | { kind: 'ignore'; reason: string };

export interface EventContext {
  store: Store;
  stripe: () => Promise<Stripe>;
  practiceId: string;
  event: Stripe.Event;
  now: Date;
  /** 1 on first delivery; higher after the state moved under a decision (re-read, decide again). */
  attempt: number;
}

export type EffectHandler = (ctx: EventContext) => Promise<Decision>;

/** The answer recorded with an event's marker (and replayed for its duplicates). */
export interface EventOutcome {
  eventId: string;
  type: string;
  outcome: 'applied' | 'ignored' | 'duplicate';
  reason?: string;
}

const metadataOf = (object: unknown): Record<string, string> => ((object as { metadata?: Record<string, string> | null })?.metadata ?? {}) as Record<string, string>;

const paymentIntentOf = (object: unknown): string | undefined => {
  const pi = (object as { payment_intent?: string | { id: string } | null })?.payment_intent;
  return typeof pi === 'string' ? pi : pi?.id;
};

/**
 * The practice an event belongs to: the connected account's owner when the event carries
 * `account`, else the opaque `practiceId` we put in metadata, else the purchase that owns its
 * payment intent. `undefined` when none applies: the event is recorded as ignored.
 */
export const resolvePractice = async (
  store: Store,
  event: Stripe.Event,
  stripe?: () => Promise<Stripe>,
  port: StripeEventsPort = STRIPE_EVENTS_STORE,
): Promise<{ practiceId?: string; reason?: string }> => {
  if (event.account) {
    const practiceId = await port.findPracticeByStripeAccount(store, event.account);
    if (practiceId) return { practiceId };
    // An account whose onboarding is storing it right now answers 503 (Stripe retries), recorded.
    await deferIfBeingLinked(store, event, stripe);
    return { reason: UNKNOWN_ACCOUNT };
  }
  const object = event.data.object;
  const fromMetadata = metadataOf(object).practiceId;
  if (fromMetadata) return { practiceId: fromMetadata };
  // A credit note the practice made itself (its Stripe Dashboard) carries no metadata of ours: the
  // invoice it credits does, when it is a balance invoice of kneadpay's (core/invoice-effects.ts).
  const creditedInvoice = event.type.startsWith('credit_note.') ? (object as { invoice?: unknown }).invoice : undefined;
  if (typeof creditedInvoice === 'string' && stripe) {
    const invoice = await retrieveInvoice({ stripe: await stripe() }, creditedInvoice);
    if (invoice.metadata?.practiceId && invoice.metadata.invoiceId) return { practiceId: invoice.metadata.practiceId };
  }
  const paymentIntent = paymentIntentOf(object);
  if (paymentIntent) {
    const purchase = await port.findPurchaseByStripeId(store, paymentIntent);
    if (purchase) return { practiceId: purchase.practiceId };
    // Not indexed yet (this event overtook the payment's): the payment intent's metadata says.
    if (stripe) {
      const intent = await findPaymentIntent({ stripe: await stripe() }, paymentIntent);
      if (intent?.metadata?.practiceId) return { practiceId: intent.metadata.practiceId };
      // A balance invoice's payment intent carries no metadata of ours: its invoice does. Asked only
      // for the charge events kneadpay applies to a balance payment: a refund (core/charge-refunds.ts)
      // and a dispute (core/charge-disputes.ts).
      if (event.type === 'charge.refunded' || event.type.startsWith('charge.dispute.')) {
        const invoice = await findInvoiceOfPaymentIntent({ stripe: await stripe() }, paymentIntent);
        if (invoice?.metadata?.practiceId && invoice.metadata.invoiceId) return { practiceId: invoice.metadata.practiceId };
      }
    }
  }
  return { reason: 'not a kneadpay object' };
};

const recordIgnoredGlobally = async (store: Store, event: Stripe.Event, reason: string, now: Date, port: StripeEventsPort): Promise<EventOutcome> => {
  const outcome: EventOutcome = { eventId: event.id, type: event.type, outcome: 'ignored', reason };
  return (await port.recordIgnoredStripeEvent(store, event, outcome, now)) ? outcome : { ...outcome, outcome: 'duplicate' };
};

const MAX_DECIDE_ATTEMPTS = 6;

/**
 * Applies one verified Stripe event exactly once: the effect's writes, its outbox events and the
 * event-id marker commit in one transaction. A duplicate is a no-op; a stale event (its object is
 * already further along) is recorded as ignored; a state that moved under us is re-read and decided
 * again; an event about a record we have not committed yet asks Stripe to retry (503).
 */
export const ingestStripeEvent = async (
  deps: {
    store: Store;
    stripe: () => Promise<Stripe>;
    effects: Partial<Record<string, EffectHandler>>;
    logger?: Logger;
    /** Storage, through its port (default: the table). */
    port?: StripeEventsPort;
  },
  event: Stripe.Event,
  now: Date = new Date(),
): Promise<EventOutcome> => {
  const port = deps.port ?? STRIPE_EVENTS_STORE;
  const { practiceId, reason } = await resolvePractice(deps.store, event, deps.stripe, port);
  if (!practiceId) {
    const ignored = await recordIgnoredGlobally(deps.store, event, reason ?? 'unknown practice', now, port);
    // Counted (metric filter → alarm in lib/): an account kneadpay never onboarded sends events here.
    if (reason === UNKNOWN_ACCOUNT && ignored.outcome === 'ignored') {
      deps.logger?.warn('stripe event for an unknown connected account', { metric: UNKNOWN_ACCOUNT_METRIC, eventId: event.id, type: event.type, account: event.account });
      countMetric(METRIC.stripeEventUnknownAccount);
    }
    return ignored;
  }
  const marker = port.keys.marker(practiceId, 'stripe-event', event.id);
  // Own properties only: a type such as "__proto__" must not find Object.prototype.
  const effect = Object.hasOwn(deps.effects, event.type) ? deps.effects[event.type] : undefined;

  for (let attempt = 1; attempt <= MAX_DECIDE_ATTEMPTS; attempt += 1) {
    const decision: Decision = effect ? await effect({ store: deps.store, stripe: deps.stripe, practiceId, event, now, attempt }) : { kind: 'ignore', reason: 'event type not handled' };
    const outcome: EventOutcome =
      decision.kind === 'apply' ? { eventId: event.id, type: event.type, outcome: 'applied' } : { eventId: event.id, type: event.type, outcome: 'ignored', reason: decision.reason };
    try {
      const committed = await port.commitOnce(
        deps.store,
        {
          marker: { ...marker, result: outcome, ttlSeconds: 30 * 86_400 },
          writes: decision.kind === 'apply' ? decision.writes : [],
          events: decision.kind === 'apply' ? decision.events : [],
        },
        now,
      );
      if (committed.status === 'duplicate') return { eventId: event.id, type: event.type, outcome: 'duplicate' };
      deps.logger?.info('stripe event processed', { eventId: event.id, type: event.type, practiceId, outcome: outcome.outcome });
      return outcome;
    } catch (error) {
      // Values from a verified event that DynamoDB cannot store (a key part too long, a number
      // out of range) make the event malformed for kneadpay: 400, not a retry loop.
      if ((error as Error).name === 'ValidationException') throw new ValidationError('the event holds values kneadpay cannot store', { field: 'data.object' }, error);
      if (!(error instanceof CommitConflictError) || attempt === MAX_DECIDE_ATTEMPTS) throw error;
      // The object moved while we decided (another event, a redemption): decide again on fresh state.
    }
  }
  throw new RetryableError('the event kept conflicting with concurrent changes');
};
