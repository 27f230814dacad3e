import type { Stripe } from '../stripe/types';
import { expiryFor, type PurchaseState } from '../domain/credits';
import { RetryableError } from '../shared/errors';
import { getClient, ledgerWrites } from '../store/clients';
import type { Client } from '../domain/client';
import type { TransactItem } from '../store/commit';
import type { OutboxEvent } from '../store/outbox';
import { confirmClientWrites } from '../store/client-identity';
import { findPurchaseByStripeId, getPurchase, stripeRef } from '../store/purchases';
import type { Purchase } from '../domain/purchase';
import { expiringIndex, purchaseGrantUpdate, purchaseVersionedUpdate } from '../store/purchase-updates';
import { findPaymentIntent } from '../stripe/payments';
import { listRefunds } from '../stripe/refunds';
import { oldestFirst } from '../stripe/gateway';
import type { CreditEffectsPort } from './ports';
import type { Decision, EffectHandler, EventContext } from './stripe-events';

/** The default implementation of the port: the table (core/ports.ts). */
const CREDIT_EFFECTS_STORE: CreditEffectsPort = {
  getPurchase,
  findPurchaseByStripeId,
  stripeRef,
  purchaseVersionedUpdate,
  purchaseGrantUpdate,
  expiringIndex,
  getClient,
  ledgerWrites,
  confirmClientWrites,
};

/** An effect's context with the storage port it was built with (`creditEffects(port)`). */
type Ctx = EventContext & { port: CreditEffectsPort };
type Effect = (ctx: Ctx) => Promise<Decision>;

/**
 * Checkout progress ranks of a purchase: an event may only move it forward. Everything after
 * payment (refunds, disputes) outranks every checkout event, so a late or replayed checkout event
 * can never grant credits twice or undo a refund.
 */
const CHECKOUT_PROGRESS: Record<PurchaseState, number> = {
  open: 0,
  pending: 1,
  paid: 2,
  failed: 2,
  expired: 2,
  refunded: 3,
  disputed: 3,
  voided: 3,
};

const at = (event: Stripe.Event) => new Date(event.created * 1000).toISOString();

/** A conditional update of the purchase: applies only to the version the decision was made on. */
const updatePurchase = (ctx: Ctx, purchase: Purchase, set: Record<string, unknown>): TransactItem => ctx.port.purchaseVersionedUpdate(purchase, set);

/**
 * The purchase a Checkout Session event is about (from our metadata). Not there yet → retry. A
 * session without kneadpay's metadata is not kneadpay's (a Standard connected account is the
 * practice's whole Stripe account: its own Payment Links send events here too): undefined, ignored.
 */
const purchaseOfSession = async (ctx: Ctx): Promise<{ purchase: Purchase; session: Stripe.Checkout.Session } | undefined> => {
  const session = ctx.event.data.object as Stripe.Checkout.Session;
  const { clientId, purchaseId, practiceId } = session.metadata ?? {};
  if (!clientId || !purchaseId) return undefined;
  const purchase = await ctx.port.getPurchase(ctx.store, ctx.practiceId, clientId, purchaseId);
  if (!purchase) {
    // Our own race (Stripe faster than the request that recorded the purchase) only for metadata
    // kneadpay wrote, which names this practice; another tool's `clientId`/`purchaseId` is not ours.
    if (practiceId !== ctx.practiceId) return undefined;
    throw new RetryableError(`purchase ${purchaseId} is not committed yet`);
  }
  return { purchase, session };
};

const paymentIntentId = (session: Stripe.Checkout.Session): string | undefined => (typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id);

/** What granting a package needs to know, from the stored purchase or from the session's metadata. */
interface GrantTerms {
  clientId: string;
  purchaseId: string;
  packageId: string;
  sessionsTotal: number;
  expiresInDays: number | null;
  currency: string;
}

/**
 * The grant itself: the purchase becomes paid with its credits (through `update`, which carries
 * the condition that makes it safe), the sale and the payment go to the ledger, and
 * PackagePurchased and PaymentSucceeded go out through the outbox.
 */
const grantDecision = (ctx: Ctx, session: Stripe.Checkout.Session, terms: GrantTerms, amount: number, update: (set: Record<string, unknown>) => TransactItem): Decision => {
  const paidAt = at(ctx.event);
  const expiresAt = expiryFor(new Date(paidAt), terms.expiresInDays);
  const pi = paymentIntentId(session);
  const set: Record<string, unknown> = {
    state: 'paid',
    sessionsRemaining: terms.sessionsTotal,
    paidAt,
    expiresAt,
    ...(pi ? { paymentIntentId: pi, ...ctx.port.stripeRef(pi) } : {}),
    ...(expiresAt ? ctx.port.expiringIndex(ctx.practiceId, expiresAt, terms.purchaseId) : {}),
  };
  const base = { practiceId: ctx.practiceId, clientId: terms.clientId, purchaseId: terms.purchaseId };
  return {
    kind: 'apply',
    summary: 'credits granted',
    writes: [
      update(set),
      ...ctx.port.ledgerWrites(ctx.practiceId, terms.clientId, [
        { kind: 'package_sale', amountCents: amount, currency: terms.currency, sessionsDelta: terms.sessionsTotal, at: paidAt, ref: terms.purchaseId },
        { kind: 'payment', amountCents: -amount, currency: terms.currency, at: paidAt, ref: pi ?? session.id },
      ]),
    ],
    events: [
      {
        detailType: 'PackagePurchased',
        detail: { ...base, packageId: terms.packageId, sessionsTotal: terms.sessionsTotal, amountCents: amount, currency: terms.currency, expiresAt },
      },
      { detailType: 'PaymentSucceeded', detail: { ...base, kind: 'package', paymentId: pi ?? session.id, amountCents: amount, currency: terms.currency, paidAt } },
    ],
  };
};

/** The read path: decided on the stored purchase, applied only to the version read. */
const grantCredits = (ctx: Ctx, purchase: Purchase, session: Stripe.Checkout.Session, provisional?: Client): Decision => {
  if (CHECKOUT_PROGRESS[purchase.state] >= CHECKOUT_PROGRESS.paid) return { kind: 'ignore', reason: `purchase already ${purchase.state}` };
  const decision = grantDecision(ctx, session, purchase, session.amount_total ?? purchase.priceCents, (set) => updatePurchase(ctx, purchase, set));
  // A storefront buyer's client stops being provisional (expiring) once they have paid.
  if (decision.kind === 'apply' && provisional) decision.writes.push(...ctx.port.confirmClientWrites(ctx.practiceId, provisional.clientId, provisional.email));
  return decision;
};

/**
 * The client to confirm with the grant: only for a purchase a provisional client started, and only
 * while it still is provisional (staff may have registered or corrected it since; its email pointer
 * is the one under its current address).
 */
const provisionalClientOf = async (ctx: Ctx, purchase: Purchase): Promise<Client | undefined> => {
  if (!purchase.provisionalClientEmail) return undefined;
  const client = await ctx.port.getClient(ctx.store, ctx.practiceId, purchase.clientId).catch(() => undefined);
  return client?.provisional ? client : undefined;
};

const moveCheckout = (ctx: Ctx, purchase: Purchase, next: 'pending' | 'failed' | 'expired'): Decision => {
  if (CHECKOUT_PROGRESS[purchase.state] >= CHECKOUT_PROGRESS[next]) return { kind: 'ignore', reason: `purchase already ${purchase.state}` };
  return { kind: 'apply', summary: `checkout ${next}`, writes: [updatePurchase(ctx, purchase, { state: next })], events: [] };
};

/**
 * The hot path: a paid session whose metadata carries the package terms is granted without reading
 * the purchase first — one transaction whose condition (`state` still open or pending) stands in
 * for the read. If the condition fails (a replay, a refund came first) the ingest loop calls again
 * with `attempt > 1` and the read-then-decide path records what really happened.
 */
const grantFromPayload = (ctx: Ctx, session: Stripe.Checkout.Session): Decision | undefined => {
  const meta = session.metadata ?? {};
  const sessionsTotal = Number(meta.sessionsTotal);
  if (ctx.attempt > 1 || meta.provisionalClient || !meta.clientId || !meta.purchaseId || !Number.isSafeInteger(sessionsTotal) || sessionsTotal < 1 || !session.currency) return undefined;
  const terms: GrantTerms = {
    clientId: meta.clientId,
    purchaseId: meta.purchaseId,
    packageId: meta.packageId ?? '',
    sessionsTotal,
    expiresInDays: meta.expiresInDays ? Number(meta.expiresInDays) : null,
    currency: session.currency,
  };
  // The condition stands in for the read: only an open or pending purchase of these terms is granted.
  return grantDecision(ctx, session, terms, session.amount_total ?? 0, (set) => ctx.port.purchaseGrantUpdate(ctx.practiceId, terms.clientId, terms.purchaseId, sessionsTotal, set));
};

const isPaid = (session: Stripe.Checkout.Session) => session.payment_status !== 'unpaid';

const NOT_OURS: Decision = { kind: 'ignore', reason: 'not a kneadpay checkout session' };

const checkoutCompleted: Effect = async (ctx) => {
  const session = ctx.event.data.object as Stripe.Checkout.Session;
  const fast = isPaid(session) ? grantFromPayload(ctx, session) : undefined;
  if (fast) return fast;
  const found = await purchaseOfSession(ctx);
  if (!found) return NOT_OURS;
  // Delayed methods complete unpaid: nothing is granted until async_payment_succeeded.
  return isPaid(session) ? grantCredits(ctx, found.purchase, session, await provisionalClientOf(ctx, found.purchase)) : moveCheckout(ctx, found.purchase, 'pending');
};

const asyncSucceeded: Effect = async (ctx) => {
  const fast = grantFromPayload(ctx, ctx.event.data.object as Stripe.Checkout.Session);
  if (fast) return fast;
  const found = await purchaseOfSession(ctx);
  if (!found) return NOT_OURS;
  return grantCredits(ctx, found.purchase, found.session, await provisionalClientOf(ctx, found.purchase));
};

const moveFoundCheckout = async (ctx: Ctx, next: 'failed' | 'expired'): Promise<Decision> => {
  const found = await purchaseOfSession(ctx);
  return found ? moveCheckout(ctx, found.purchase, next) : NOT_OURS;
};
const asyncFailed: Effect = (ctx) => moveFoundCheckout(ctx, 'failed');
const sessionExpired: Effect = (ctx) => moveFoundCheckout(ctx, 'expired');

// Refunds -------------------------------------------------------------------------------------

const notRecordedYet = (purchase: Purchase) => purchase.state === 'open' || purchase.state === 'pending';

/**
 * The purchase a payment intent paid for. The index entry is written when the payment is recorded;
 * an event that arrives before that (events come in any order) is matched through the payment
 * intent's own metadata, refetched from Stripe, and answered "retry later" until the payment is in.
 */
const purchaseOfPaymentIntent = async (ctx: Ctx, paymentIntent: string | undefined): Promise<Purchase | undefined> => {
  if (!paymentIntent) return undefined;
  const indexed = await ctx.port.findPurchaseByStripeId(ctx.store, paymentIntent);
  // Tenants are walls: the index spans practices, so a payment intent of another practice (a signed
  // event whose metadata names this practice) finds nothing here, never that practice's purchase.
  if (indexed && indexed.practiceId !== ctx.practiceId) return undefined;
  // The index is eventually consistent: read the item itself for the version we decide on.
  if (indexed) return ctx.port.getPurchase(ctx.store, indexed.practiceId, indexed.clientId, indexed.purchaseId);
  const intent = await findPaymentIntent({ stripe: await ctx.stripe(), account: ctx.event.account }, paymentIntent);
  const { clientId, purchaseId } = intent?.metadata ?? {};
  if (!clientId || !purchaseId) return undefined;
  const purchase = await ctx.port.getPurchase(ctx.store, ctx.practiceId, clientId, purchaseId);
  if (purchase && notRecordedYet(purchase)) throw new RetryableError('the payment of this purchase is not recorded yet');
  return purchase;
};

const refundsOf = async (ctx: Ctx, charge: Stripe.Charge): Promise<Stripe.Refund[]> => {
  if (Array.isArray(charge.refunds?.data) && !charge.refunds!.has_more) return charge.refunds!.data;
  // Since API 2022-11-15 a charge's refunds are not in the payload: fetch them (a read, no effect).
  return listRefunds({ stripe: await ctx.stripe(), account: ctx.event.account }, { charge: charge.id });
};

/** The reason recorded for a charge no purchase paid (core/charge-refunds.ts then asks the balance invoices). */
export const NO_PURCHASE_FOR_CHARGE = 'no package purchase for this charge';

/**
 * Each refund applies once, keyed on its id, so two partial refunds in either order end in the
 * same state. Credits removed follow the documented policy over the total refunded so far.
 */
const chargeRefunded: Effect = async (ctx) => {
  const charge = ctx.event.data.object as Stripe.Charge;
  const pi = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  const purchase = await purchaseOfPaymentIntent(ctx, pi);
  if (!purchase) return { kind: 'ignore', reason: NO_PURCHASE_FOR_CHARGE };
  if (notRecordedYet(purchase)) throw new RetryableError('the purchase is not marked paid yet');
  const seen = new Set(purchase.refundIds ?? []);
  const fresh = (await refundsOf(ctx, charge)).filter((refund) => refund.status !== 'failed' && refund.status !== 'canceled' && !seen.has(refund.id));
  if (fresh.length === 0) return { kind: 'ignore', reason: 'refunds already applied' };

  let refunded = purchase.refundedCents;
  let removed = purchase.creditsRemoved;
  let remaining = purchase.sessionsRemaining;
  const entries: Parameters<typeof ledgerWrites>[2] = [];
  const events: OutboxEvent[] = [];
  for (const refund of oldestFirst(fresh)) {
    refunded += refund.amount;
    const wanted = refunded >= purchase.priceCents ? Number.POSITIVE_INFINITY : Math.floor((refunded * purchase.sessionsTotal) / purchase.priceCents);
    const take = Math.min(remaining, Math.max(0, wanted - removed));
    removed += take;
    remaining -= take;
    const when = new Date(refund.created * 1000).toISOString();
    entries.push(
      { kind: 'refund', amountCents: refund.amount, currency: purchase.currency, at: when, ref: refund.id },
      { kind: 'sale_adjustment', amountCents: -refund.amount, currency: purchase.currency, at: when, ref: purchase.purchaseId },
    );
    if (take > 0) entries.push({ kind: 'credits_voided', amountCents: 0, sessionsDelta: -take, currency: purchase.currency, at: when, ref: refund.id });
    events.push({
      detailType: 'PaymentRefunded',
      detail: {
        practiceId: ctx.practiceId,
        clientId: purchase.clientId,
        purchaseId: purchase.purchaseId,
        kind: 'package',
        paymentId: pi,
        refundId: refund.id,
        amountCents: refund.amount,
        totalRefundedCents: refunded,
        currency: purchase.currency,
        creditsRemoved: take,
        refundedAt: when,
      },
    });
  }
  const fullyRefunded = refunded >= purchase.priceCents;
  return {
    kind: 'apply',
    summary: 'refund applied',
    writes: [
      updatePurchase(ctx, purchase, {
        refundedCents: refunded,
        creditsRemoved: removed,
        sessionsRemaining: remaining,
        refundIds: [...seen, ...fresh.map((refund) => refund.id)],
        ...(fullyRefunded ? { state: 'refunded' } : {}),
      }),
      ...ctx.port.ledgerWrites(ctx.practiceId, purchase.clientId, entries),
    ],
    events,
  };
};

// Disputes ------------------------------------------------------------------------------------

/** The reason recorded for a dispute no purchase's payment has (core/charge-disputes.ts then asks the balance invoices). */
export const NO_PURCHASE_FOR_DISPUTE = 'no package purchase for this dispute';

const purchaseOfDispute = async (ctx: Ctx) => {
  const dispute = ctx.event.data.object as Stripe.Dispute;
  const pi = typeof dispute.payment_intent === 'string' ? dispute.payment_intent : dispute.payment_intent?.id;
  return { dispute, purchase: await purchaseOfPaymentIntent(ctx, pi) };
};

/**
 * Stripe's dispute statuses (DOMAIN.md §7; Stripe API reference, Dispute.status): inquiries
 * (`warning_needs_response`, `warning_under_review`) and chargebacks (`needs_response`,
 * `under_review`, and after a loss the appeal's `appeal_needs_response`, `appeal_under_review`) are
 * open; `warning_closed` (an inquiry that closed with no chargeback), `won`, `lost` and `prevented`
 * (dispute prevention resolved it before a chargeback by returning the amount to the cardholder;
 * API 2025-08-27) are closed.
 */
export const OPEN_DISPUTE_STATUSES = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review', 'appeal_needs_response', 'appeal_under_review'] as const;
const isOpen = (status: string) => (OPEN_DISPUTE_STATUSES as readonly string[]).includes(status);

/**
 * Any open dispute (an inquiry as much as a chargeback) freezes the credits until it closes.
 * `charge.dispute.updated` freezes too, when its `created` event was lost or is late.
 */
const disputeOpened: Effect = async (ctx) => {
  const { dispute, purchase } = await purchaseOfDispute(ctx);
  if (!purchase) return { kind: 'ignore', reason: NO_PURCHASE_FOR_DISPUTE };
  if ((purchase.closedDisputeIds ?? []).includes(dispute.id)) return { kind: 'ignore', reason: 'dispute already closed' };
  if (!isOpen(dispute.status)) return { kind: 'ignore', reason: `dispute is ${dispute.status}` };
  if (notRecordedYet(purchase)) throw new RetryableError('the purchase is not marked paid yet');
  if (purchase.state !== 'paid') return { kind: 'ignore', reason: `purchase is ${purchase.state}` };
  return {
    kind: 'apply',
    summary: 'credits frozen',
    writes: [
      updatePurchase(ctx, purchase, { state: 'disputed', stateBeforeDispute: purchase.state, openDisputeId: dispute.id }),
      ...ctx.port.ledgerWrites(ctx.practiceId, purchase.clientId, [{ kind: 'credits_frozen', amountCents: 0, sessionsDelta: 0, currency: purchase.currency, at: at(ctx.event), ref: dispute.id }]),
    ],
    events: [],
  };
};

/** An appeal won after a loss (`lost` → `appeal_*` → `won`): the chargeback is reversed and the voided credits come back, once. */
const appealWon = (ctx: Ctx, purchase: Purchase, dispute: Stripe.Dispute): Decision => {
  if (dispute.status !== 'won' || purchase.lostDisputeId !== dispute.id || (purchase.reversedDisputeIds ?? []).includes(dispute.id)) {
    return { kind: 'ignore', reason: 'dispute already closed' };
  }
  const when = at(ctx.event);
  const credits = purchase.disputeCreditsVoided ?? 0;
  return {
    kind: 'apply',
    summary: 'dispute appeal won',
    writes: [
      updatePurchase(ctx, purchase, {
        state: 'paid',
        sessionsRemaining: purchase.sessionsRemaining + credits,
        creditsRemoved: Math.max(0, purchase.creditsRemoved - credits),
        reversedDisputeIds: [...(purchase.reversedDisputeIds ?? []), dispute.id],
      }),
      ...ctx.port.ledgerWrites(ctx.practiceId, purchase.clientId, [
        { kind: 'chargeback_reversed', amountCents: -dispute.amount, currency: purchase.currency, at: when, ref: dispute.id },
        { kind: 'sale_adjustment', amountCents: dispute.amount, currency: purchase.currency, at: when, ref: purchase.purchaseId },
        { kind: 'credits_restored', amountCents: 0, sessionsDelta: credits, currency: purchase.currency, at: when, ref: dispute.id },
      ]),
    ],
    events: [],
  };
};

const disputeClosed: Effect = async (ctx) => {
  const { dispute, purchase } = await purchaseOfDispute(ctx);
  if (!purchase) return { kind: 'ignore', reason: NO_PURCHASE_FOR_DISPUTE };
  if ((purchase.closedDisputeIds ?? []).includes(dispute.id)) return appealWon(ctx, purchase, dispute);
  if (notRecordedYet(purchase)) throw new RetryableError('the purchase is not marked paid yet');
  const closed = [...(purchase.closedDisputeIds ?? []), dispute.id];
  const when = at(ctx.event);
  // Won, or an inquiry that closed with no chargeback: the credits are the client's again.
  if (dispute.status === 'won' || dispute.status === 'warning_closed') {
    const restore = purchase.state === 'disputed' ? (purchase.stateBeforeDispute ?? 'paid') : purchase.state;
    return {
      kind: 'apply',
      summary: dispute.status === 'won' ? 'dispute won' : 'inquiry closed without a chargeback',
      writes: [
        updatePurchase(ctx, purchase, { state: restore, closedDisputeIds: closed }),
        ...ctx.port.ledgerWrites(ctx.practiceId, purchase.clientId, [{ kind: 'credits_restored', amountCents: 0, sessionsDelta: 0, currency: purchase.currency, at: when, ref: dispute.id }]),
      ],
      events: [],
    };
  }
  // Prevented: no chargeback, but the cardholder got the amount back (as a refund would): the
  // sale is reversed and the credits voided, with no chargeback entry.
  if (dispute.status === 'prevented') {
    return {
      kind: 'apply',
      summary: 'dispute prevented: amount returned to the cardholder',
      writes: [
        updatePurchase(ctx, purchase, {
          state: 'refunded',
          sessionsRemaining: 0,
          creditsRemoved: purchase.creditsRemoved + purchase.sessionsRemaining,
          refundedCents: purchase.refundedCents + dispute.amount,
          closedDisputeIds: closed,
        }),
        ...ctx.port.ledgerWrites(ctx.practiceId, purchase.clientId, [
          { kind: 'refund', amountCents: dispute.amount, currency: purchase.currency, at: when, ref: dispute.id },
          { kind: 'sale_adjustment', amountCents: -dispute.amount, currency: purchase.currency, at: when, ref: purchase.purchaseId },
          { kind: 'credits_voided', amountCents: 0, sessionsDelta: -purchase.sessionsRemaining, currency: purchase.currency, at: when, ref: dispute.id },
        ]),
      ],
      events: [],
    };
  }
  if (dispute.status !== 'lost') return { kind: 'ignore', reason: `dispute closed as ${dispute.status}` };
  return {
    kind: 'apply',
    summary: 'dispute lost',
    writes: [
      updatePurchase(ctx, purchase, {
        state: 'voided',
        sessionsRemaining: 0,
        creditsRemoved: purchase.creditsRemoved + purchase.sessionsRemaining,
        closedDisputeIds: closed,
        lostDisputeId: dispute.id,
        disputeCreditsVoided: purchase.sessionsRemaining,
      }),
      ...ctx.port.ledgerWrites(ctx.practiceId, purchase.clientId, [
        { kind: 'chargeback', amountCents: dispute.amount, currency: purchase.currency, at: when, ref: dispute.id },
        { kind: 'sale_adjustment', amountCents: -dispute.amount, currency: purchase.currency, at: when, ref: purchase.purchaseId },
        { kind: 'credits_voided', amountCents: 0, sessionsDelta: -purchase.sessionsRemaining, currency: purchase.currency, at: when, ref: dispute.id },
      ]),
    ],
    events: [],
  };
};

const EFFECTS: Record<string, Effect> = {
  'checkout.session.completed': checkoutCompleted,
  'checkout.session.async_payment_succeeded': asyncSucceeded,
  'checkout.session.async_payment_failed': asyncFailed,
  'checkout.session.expired': sessionExpired,
  'charge.refunded': chargeRefunded,
  'charge.dispute.created': disputeOpened,
  'charge.dispute.updated': disputeOpened,
  'charge.dispute.closed': disputeClosed,
};

/** The package-credit effects on a storage port (default: the table); a test may pass another. */
export const creditEffects = (port: CreditEffectsPort = CREDIT_EFFECTS_STORE): Record<string, EffectHandler> =>
  Object.fromEntries(Object.entries(EFFECTS).map(([type, effect]): [string, EffectHandler] => [type, (ctx) => effect({ ...ctx, port })]));

export const CREDIT_EFFECTS: Record<string, EffectHandler> = creditEffects();
