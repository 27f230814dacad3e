/**
 * What a signed Stripe event must look like before kneadpay acts on it, checked per object type.
 *
 * A signature proves who sent the bytes, not that they are a well-formed event: the fields kneadpay
 * keys on, fetches by, stores or does arithmetic with are checked here, so a malformed event is a
 * 400 naming the field, never a failed write (500) nor a wrong one.
 *
 * One shape check for every event read field names without knowing the object, and a field name
 * means different things on different objects (bug 112: a credit note's `refunds` is not a charge's
 * list; a dispute's `amount` is the chargeback, a charge's the payment; an invoice's `status` is not
 * a Checkout Session's). So:
 * - the **envelope** (`id`, `type`, `created`, `account`, `data.object` an object) is checked for
 *   every event, and with it the **routing fields** `resolvePractice` (core/stripe-events.ts) reads
 *   on every event before it knows whether anything applies: `metadata` (its `practiceId` names the
 *   partition the event is recorded in), `payment_intent` (refetched), and a credit note's `invoice`
 *   (refetched). These mean the same on every Stripe object that has them;
 * - an event type kneadpay **applies** (the effect tables; `APPLIED_EVENT_OBJECTS` lists each with
 *   the object Stripe sends with it, and test/unit/stripe-event-shapes.test.ts keeps the two in step)
 *   must carry that object (`data.object.object`), checked with that object's schema: exactly the
 *   fields kneadpay reads from it, as Stripe's API reference defines them (the stripe-node types
 *   kneadpay is pinned to, functions/stripe/version.ts, are generated from it);
 * - any other event type (kneadpay applies nothing for it) passes on its envelope: its object's
 *   other fields are nobody's business here, and refusing them would have Stripe retry the event
 *   for three days (bug 112 again, for an object kneadpay never reads).
 */
import * as z from 'zod/mini';
import type { Stripe } from '../stripe/types';
import { ValidationError } from '../shared/errors';
import { fieldOf } from '../shared/schemas/parse';

/**
 * What a Stripe id looks like (`pi_3N…`, `acct_1…`, `evt_…`): kneadpay puts ids in Stripe URLs
 * (refetches), in the `Stripe-Account` header and in keys, where a lone surrogate or a slash would
 * fail (URIError, invalid header) or point elsewhere.
 */
export const STRIPE_ID = /^[A-Za-z0-9_-]{1,255}$/;
const isStripeId = (value: unknown) => typeof value === 'string' && STRIPE_ID.test(value);

/**
 * The latest Unix timestamp kneadpay takes (9999-12-31T23:59:59Z): effects turn Stripe's `created`
 * into ISO dates (ledger entries, `paidAt`, keys), and a safe integer past year 275760 makes
 * `toISOString()` throw (found by this audit: 500), past 9999 an ISO string that no longer sorts.
 */
export const LATEST_STRIPE_TIMESTAMP = 253_402_300_799;

/** The object each event type kneadpay applies carries (Stripe's `object` name), by event type. */
export const APPLIED_EVENT_OBJECTS = {
  'checkout.session.completed': 'checkout.session',
  'checkout.session.async_payment_succeeded': 'checkout.session',
  'checkout.session.async_payment_failed': 'checkout.session',
  'checkout.session.expired': 'checkout.session',
  'charge.refunded': 'charge',
  'charge.dispute.created': 'dispute',
  'charge.dispute.updated': 'dispute',
  'charge.dispute.closed': 'dispute',
  'invoice.finalized': 'invoice',
  'invoice.paid': 'invoice',
  'invoice.payment_failed': 'invoice',
  'invoice.voided': 'invoice',
  'invoice.marked_uncollectible': 'invoice',
  'credit_note.created': 'credit_note',
  'credit_note.voided': 'credit_note',
  'account.updated': 'account',
  'account.application.deauthorized': 'application',
} as const;

export type AppliedObjectType = (typeof APPLIED_EVENT_OBJECTS)[keyof typeof APPLIED_EVENT_OBJECTS];

// Field rules -----------------------------------------------------------------------------------

const missingOr = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : what);

const ID_RULE = 'must be a Stripe id (letters, digits, _ and -, at most 255)';
const stripeId = () => z.string({ error: missingOr(ID_RULE) }).check(z.regex(STRIPE_ID, ID_RULE));
/** An id, or the object when the endpoint expands it (`payment_intent: {id, …}`): its id is then checked. */
const expandable = () => z.union([stripeId(), z.looseObject({ id: stripeId() })], { error: missingOr('must be a Stripe id or the object it names') });

const AMOUNT_RULE = 'must be a non-negative integer amount in minor units';
/** Money: integer minor units (Stripe's reference: "a positive integer representing how much … in the smallest currency unit"). */
const amount = () => z.int({ error: missingOr(AMOUNT_RULE) }).check(z.gte(0, AMOUNT_RULE));

const TIMESTAMP_RULE = `must be a Unix timestamp in seconds (0 to ${LATEST_STRIPE_TIMESTAMP})`;
const timestamp = () => z.int({ error: missingOr(TIMESTAMP_RULE) }).check(z.gte(0, TIMESTAMP_RULE), z.lte(LATEST_STRIPE_TIMESTAMP, TIMESTAMP_RULE));

const CURRENCY_RULE = 'must be a three-letter ISO currency code in lower case';
const currency = () => z.string({ error: CURRENCY_RULE }).check(z.regex(/^[a-z]{3}$/, CURRENCY_RULE));

const shortText = (max: number) => z.string({ error: missingOr('must be a short string') }).check(z.minLength(1, 'must be a short string'), z.maxLength(max, 'must be a short string'));

const URL_RULE = 'must be an http(s) URL';
const httpUrl = () => z.string({ error: URL_RULE }).check(z.maxLength(2048, URL_RULE), z.regex(/^https?:\/\//, URL_RULE));

/** Stripe's own limits on metadata: keys up to 40 characters, string values up to 500 (a long key is named by its first 40). */
const metadata = () =>
  z.optional(z.unknown()).check(
    z.superRefine((value, ctx) => {
      if (value === undefined || value === null) return;
      if (typeof value !== 'object' || Array.isArray(value)) {
        ctx.addIssue({ code: 'custom', message: 'must be an object', input: value });
        return;
      }
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        if (key.length > 40 || typeof entry !== 'string' || entry.length > 500) {
          ctx.addIssue({ code: 'custom', message: 'is not a Stripe metadata value', input: entry, path: [key.slice(0, 40)] });
          return;
        }
      }
    }),
  );

/** Absent or null (Stripe's "nullable"), else `schema`. */
const maybe = <S extends z.ZodMiniType>(schema: S) => z.optional(z.nullable(schema));

// The objects ------------------------------------------------------------------------------------

/**
 * One schema per object type whose events kneadpay applies: the fields its effects read, each as
 * Stripe's API reference defines it on that object (required where Stripe always sends it and an
 * effect cannot do without it). `metadata` and `payment_intent` are the envelope's (every event).
 */
const OBJECT_SCHEMAS: Record<AppliedObjectType, () => z.ZodMiniType> = {
  /**
   * The Checkout Session object (core/credit-effects.ts): `id` (the payment's ref when there is no
   * payment intent), `amount_total` (nullable; the sale and payment in the ledger), `currency`
   * (nullable) and `payment_status` (paid | unpaid | no_payment_required; never null: the effect
   * grants unless it says `unpaid`, so one that says nothing is refused, not granted).
   */
  'checkout.session': () =>
    z.looseObject({
      id: stripeId(),
      amount_total: maybe(amount()),
      currency: maybe(currency()),
      payment_status: shortText(64),
    }),
  /**
   * The Charge object, for `charge.refunded` (core/credit-effects.ts, invoice-effects.ts): `id` (its
   * refunds are listed by it: without it Stripe lists every refund on the account), and `refunds`
   * when the payload carries them (before API 2022-11-15, or expanded): a list of Refunds, each
   * with `id` (applied once, keyed on it), `amount`, `created` (the ledger's date) and `status`.
   */
  charge: () =>
    z.looseObject({
      id: stripeId(),
      refunds: maybe(
        z.looseObject(
          {
            has_more: z.optional(z.boolean({ error: 'must be true or false' })),
            data: z.array(
              z.looseObject({ id: stripeId(), amount: amount(), created: timestamp(), status: maybe(shortText(64)) }, { error: 'is not a refund with an id, an integer amount and a timestamp' }),
              { error: 'must be a list of refunds' },
            ),
          },
          { error: 'must be a list of refunds' },
        ),
      ),
    }),
  /**
   * The Dispute object (core/credit-effects.ts, invoice-effects.ts): `id` (kept per dispute),
   * `amount` (the disputed amount a chargeback moves: required), `status` (what happened), `charge`
   * (the disputed charge, whose refunds a lost balance dispute lists; Stripe always sends it —
   * kneadpay's own tests' hand-made disputes do not, and the effect then lists the payment
   * intent's refunds, the same ones).
   */
  dispute: () =>
    z.looseObject({
      id: stripeId(),
      amount: amount(),
      status: shortText(64),
      charge: z.optional(expandable()),
    }),
  /**
   * The Invoice object (core/invoice-effects.ts): `id` (the payment's id in PaymentSucceeded),
   * `hosted_invoice_url` (nullable until finalized; stored and put in emails) and `amount_paid` (the
   * payment recorded). `status` is not read (the effects move the record by the event's type) but has
   * been checked as a short string since bug 20 (webhook-signature.test.ts asserts it), which
   * Stripe's (draft | open | paid | uncollectible | void, nullable) always is. Not `payments`: it is
   * includable (docs.stripe.com/api/invoice-payment/list), sent only to a request that asks, never in
   * an event, and kneadpay no longer reads it (bug 123).
   */
  invoice: () =>
    z.looseObject({
      id: stripeId(),
      status: maybe(shortText(64)),
      hosted_invoice_url: maybe(httpUrl()),
      amount_paid: amount(),
    }),
  /**
   * The Credit Note object, for `credit_note.created` (core/invoice-effects.ts): `id` (keys the
   * write-off it records), `invoice` (the invoice it credits, fetched), `pre_payment_amount` (what it
   * took off the unpaid invoice: the write-off's amount) and `created` (the write-off's date). Its
   * `refunds` is an array of {refund, amount_refunded}, not a charge's list, and kneadpay reads it not.
   */
  credit_note: () =>
    z.looseObject({
      id: stripeId(),
      invoice: expandable(),
      pre_payment_amount: amount(),
      created: timestamp(),
    }),
  /** The Account object, for `account.updated` (core/connect.ts): its `id` when the event names no `account`; the rest is read from Stripe, not from the snapshot. */
  account: () => z.looseObject({ id: stripeId() }),
  /** The Application object, for `account.application.deauthorized`: kneadpay reads none of it (the event's `account` says whose access ended). */
  application: () => z.looseObject({}),
};

/** Built on first use, one object type at a time (a cold start pays only for the object its first event carries). */
const objectSchemas = new Map<AppliedObjectType, z.ZodMiniType>();
const objectSchema = (type: AppliedObjectType): z.ZodMiniType => {
  let schema = objectSchemas.get(type);
  if (!schema) objectSchemas.set(type, (schema = OBJECT_SCHEMAS[type]()));
  return schema;
};

/** Routing: what resolvePractice reads on any event's object (see the header). */
const buildRouting = () => z.looseObject({ metadata: metadata(), payment_intent: maybe(expandable()) });
const buildCreditNoteRouting = () => z.looseObject({ metadata: metadata(), payment_intent: maybe(expandable()), invoice: maybe(expandable()) });
let routing: { any: z.ZodMiniType; creditNote: z.ZodMiniType } | undefined;

// The check ---------------------------------------------------------------------------------------

const fail = (field: string, what: string): never => {
  throw new ValidationError(`the event's ${field} ${what}`, { field });
};

const parseAt = (schema: z.ZodMiniType, value: unknown, at: string): void => {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const field = [at, fieldOf(issue.path)].filter(Boolean).join('.').replace(/\.\[/g, '[');
  fail(field, issue.message);
};

const isShortText = (value: unknown, max: number) => typeof value === 'string' && value.length > 0 && value.length <= max;

/** The object type an applied event type carries, else undefined (own keys only: `__proto__` is no type). */
export const appliedObjectOf = (type: string): AppliedObjectType | undefined =>
  Object.hasOwn(APPLIED_EVENT_OBJECTS, type) ? APPLIED_EVENT_OBJECTS[type as keyof typeof APPLIED_EVENT_OBJECTS] : undefined;

/**
 * Checks a parsed, signature-verified event (see the header) and returns it typed; throws a
 * `ValidationError` whose `field` is the dotted path of the first problem (`data.object.refunds.data[0].amount`).
 */
export const assertEventShape = (event: unknown): Stripe.Event => {
  // The envelope, every event.
  if (!event || typeof event !== 'object' || Array.isArray(event)) fail('body', 'is not an object');
  const e = event as Partial<Record<keyof Stripe.Event, unknown>>;
  if (!isStripeId(e.id)) fail('id', ID_RULE);
  if (!isShortText(e.type, 100)) fail('type', 'must be a string of at most 100 characters');
  if (!(Number.isSafeInteger(e.created) && (e.created as number) >= 0 && (e.created as number) <= LATEST_STRIPE_TIMESTAMP)) fail('created', TIMESTAMP_RULE);
  if (e.account !== undefined && e.account !== null && !isStripeId(e.account)) fail('account', 'must be a Stripe account id');
  const object = (e.data as { object?: unknown } | undefined)?.object;
  if (!object || typeof object !== 'object' || Array.isArray(object)) fail('data.object', 'is missing');
  const type = e.type as string;

  // The routing fields, every event: resolvePractice reads them before anything is decided.
  routing ??= { any: buildRouting(), creditNote: buildCreditNoteRouting() };
  parseAt(type.startsWith('credit_note.') ? routing.creditNote : routing.any, object, 'data.object');

  // The object, for the event types kneadpay applies. An object that does not say what it is (no
  // `object`: kneadpay's own hand-made test payloads; Stripe's and the emulator's always say) is
  // taken to be the one its event type names — Stripe names every event type after the object it
  // carries (`checkout.session.*` → checkout.session, `charge.dispute.*` → dispute,
  // `account.application.*` → application), which the table spells out for each applied type.
  const expected = appliedObjectOf(type);
  if (!expected) return event as Stripe.Event;
  const named = (object as { object?: unknown }).object;
  if (named !== undefined && named !== expected) fail('data.object.object', `must be '${expected}' on a ${type} event`);
  parseAt(objectSchema(expected), object, 'data.object');
  return event as Stripe.Event;
};
