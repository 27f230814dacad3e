import type { Stripe } from '../stripe/types';
import { advances, INVOICE_RANK, type InvoiceState } from '../domain/ranks';
import { RetryableError } from '../shared/errors';
import { deriveId } from '../shared/ids';
import { claimInvoiceSummaryWrite } from '../store/claim-balance';
import { ledgerWrites } from '../store/clients';
import type { TransactItem } from '../store/commit';
import { getInvoice, invoiceVersionedUpdate } from '../store/invoices';
import { finishPartialWriteOff, partialWriteOffCommit, partialWriteOffReversal, WRITE_OFF_REQUEST_GRACE_MS, WRITE_OFFS_STORE, writeOffCommit } from './write-off-commit';
import { writeOffAskedInFull, type BalanceInvoice, type PartialWriteOff } from '../domain/invoice';
import { findInvoiceOfPaymentIntent, listInvoicePayments, retrieveInvoice } from '../stripe/invoices';
import { listRefunds } from '../stripe/refunds';
import { oldestFirst } from '../stripe/gateway';
import type { OutboxEvent } from '../store/outbox';
import type { InvoiceEffectsPort } from './ports';
import type { Decision, EffectHandler, EventContext } from './stripe-events';

/** The default implementation of the port: the table (core/ports.ts). */
const INVOICE_EFFECTS_STORE: InvoiceEffectsPort = { getInvoice, invoiceVersionedUpdate, claimInvoiceSummaryWrite, ledgerWrites };

/** An effect's context with the storage port it was built with (`invoiceEffects(port)`). */
type Ctx = EventContext & { port: InvoiceEffectsPort };
type Effect = (ctx: Ctx) => Promise<Decision>;

/**
 * The balance invoice a Stripe invoice event is about (our metadata). Not committed yet → retry,
 * but only for metadata kneadpay wrote, which names this practice: an invoice the practice made on
 * its own Standard account, perhaps with another tool's `invoiceId`, is not kneadpay's.
 */
const invoiceOf = async (ctx: Ctx): Promise<{ invoice: BalanceInvoice | undefined; object: Stripe.Invoice }> => {
  const object = ctx.event.data.object as Stripe.Invoice;
  const invoiceId = object.metadata?.invoiceId;
  if (!invoiceId) return { invoice: undefined, object };
  const invoice = await ctx.port.getInvoice(ctx.store, ctx.practiceId, invoiceId);
  if (!invoice && object.metadata?.practiceId !== ctx.practiceId) return { invoice: undefined, object };
  if (!invoice) throw new RetryableError(`invoice ${invoiceId} is not committed yet`);
  return { invoice, object };
};

/** A conditional update of the invoice record: applies only to the version it was decided on. */
const updateInvoice = (port: InvoiceEffectsPort, invoice: BalanceInvoice, set: Record<string, unknown>): TransactItem => port.invoiceVersionedUpdate(invoice, set);

/** The claim's view of the invoice; a paid balance invoice ends the claim's life (adjudicated → closed). */
const claimSummary = (port: InvoiceEffectsPort, invoice: BalanceInvoice, status: string, hostedInvoiceUrl: string | null): TransactItem =>
  port.claimInvoiceSummaryWrite(
    invoice.practiceId,
    invoice.claimId,
    { invoiceId: invoice.invoiceId, status, amountDueCents: invoice.amountDueCents, hostedInvoiceUrl },
    { closeClaim: status === 'paid' },
  );

const rankOf = (status: BalanceInvoice['status']): InvoiceState => (status === 'pending' ? 'draft' : status);

/** Moves the invoice record forward by rank; a late or replayed event changes nothing. */
const moveTo = (port: InvoiceEffectsPort, invoice: BalanceInvoice, next: InvoiceState, object: Stripe.Invoice, extra: Record<string, unknown> = {}): Decision => {
  if (!advances(INVOICE_RANK, rankOf(invoice.status), next)) return { kind: 'ignore', reason: `invoice already ${invoice.status}` };
  const hosted = object.hosted_invoice_url ?? invoice.hostedInvoiceUrl;
  return {
    kind: 'apply',
    summary: `invoice ${next}`,
    writes: [updateInvoice(port, invoice, { status: next, hostedInvoiceUrl: hosted, ...extra }), claimSummary(port, invoice, next, hosted)],
    events: [],
  };
};

const invoiceFinalized: Effect = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  return invoice ? moveTo(ctx.port, invoice, 'open', object) : { kind: 'ignore', reason: 'not a kneadpay invoice' };
};

const invoicePaid: Effect = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  if (!invoice) return { kind: 'ignore', reason: 'not a kneadpay invoice' };
  // A partial write-off is being recorded (its credit note may have lowered what was paid): it is
  // recorded first — by its live request, else here (found by its credit note's metadata, or dropped)
  // — and Stripe redelivers this event, so the payment is decided on the lowered invoice (decision 014).
  const part = invoice.writeOffRequest;
  if (part && part.amountCents !== undefined && !invoice.writeOff && invoice.status !== 'paid') {
    if (ctx.now.getTime() - Date.parse(part.requestedAt) >= WRITE_OFF_REQUEST_GRACE_MS)
      await finishPartialWriteOff({ store: ctx.store, stripe: ctx.stripe }, WRITE_OFFS_STORE, invoice, { ...part, amountCents: part.amountCents }, ctx.now);
    throw new RetryableError('a write-off of part of this invoice is being recorded');
  }
  const decision = moveTo(ctx.port, invoice, 'paid', object, {
    amountPaidCents: object.amount_paid,
    paidAt: new Date(ctx.event.created * 1000).toISOString(),
    // Paid before a later plan's void reached Stripe: the payment stands and plans count it (bug 91).
    // Its PaymentSucceeded then has the balance invoicer plan the claim again (bug 100).
    ...(invoice.voidRequested ? { voidRequested: false, paidOverVoid: true } : {}),
  });
  if (decision.kind === 'ignore') return decision;
  const paidAt = new Date(ctx.event.created * 1000).toISOString();
  return {
    ...decision,
    writes: [
      ...decision.writes,
      ...ctx.port.ledgerWrites(ctx.practiceId, invoice.clientId, [{ kind: 'payment', amountCents: -object.amount_paid, currency: invoice.currency, at: paidAt, ref: invoice.invoiceId }]),
    ],
    events: [
      {
        detailType: 'PaymentSucceeded',
        detail: {
          practiceId: ctx.practiceId,
          clientId: invoice.clientId,
          kind: 'invoice',
          invoiceId: invoice.invoiceId,
          claimId: invoice.claimId,
          // The Stripe invoice: an event's invoice carries no `payments` (includable: sent only to a
          // request that asks), so the payment intent is asked of Stripe where it is used (the
          // receipt's payment method, an overpayment refund), never read here.
          paymentId: object.id,
          amountCents: object.amount_paid,
          currency: invoice.currency,
          paidAt,
        },
      },
    ],
  };
};

/** Recorded, not a state change: the invoice stays open; each failure counted once by event id. */
const invoicePaymentFailed: Effect = async (ctx) => {
  const { invoice } = await invoiceOf(ctx);
  if (!invoice) return { kind: 'ignore', reason: 'not a kneadpay invoice' };
  if (invoice.paymentFailures.includes(ctx.event.id)) return { kind: 'ignore', reason: 'failure already recorded' };
  return { kind: 'apply', summary: 'payment failure recorded', writes: [updateInvoice(ctx.port, invoice, { paymentFailures: [...invoice.paymentFailures, ctx.event.id] })], events: [] };
};

const invoiceVoided: Effect = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  if (!invoice) return { kind: 'ignore', reason: 'not a kneadpay invoice' };
  // Voided for a write-off whose request died before its commit (core/write-offs.ts): finish it here,
  // once (the invoice's version; a retry of the request then answers this write-off). A partial
  // write-off's request (`amountCents`) voids nothing: a void meanwhile is not its doing.
  if (writeOffAskedInFull(invoice) && !invoice.writeOff && !invoice.voidRequested && (invoice.status === 'open' || invoice.status === 'uncollectible' || invoice.status === 'void')) {
    // A live request commits it itself: Stripe redelivers the event (503) until that request is done or dead.
    if (ctx.now.getTime() - Date.parse(invoice.writeOffRequest.requestedAt) < WRITE_OFF_REQUEST_GRACE_MS) throw new RetryableError('a write-off of this invoice is being recorded');
    const claim = await WRITE_OFFS_STORE.getClaim(ctx.store, ctx.practiceId, invoice.claimId);
    if (claim) {
      const writtenOffAt = ctx.now.toISOString();
      const writeOff = { ...invoice.writeOffRequest, amountCents: invoice.amountDueCents - invoice.amountPaidCents, writtenOffAt };
      return { kind: 'apply', summary: 'write-off finished', ...writeOffCommit(WRITE_OFFS_STORE, invoice, (claim as { balanceVersion?: number }).balanceVersion ?? 0, writeOff, ctx.now) };
    }
  }
  return moveTo(ctx.port, invoice, 'void', object);
};

/**
 * A credit note on a balance invoice (Stripe's `credit_note.created`):
 * - one kneadpay made for a partial write-off (core/write-offs.ts; its metadata names the invoice and
 *   the write-off) finishes that write-off if its request died after Stripe made it — else kneadpay's
 *   record and reminders would name the amount before it until the next write-off of the invoice or
 *   its payment. Once: the invoice's version, and the request read (a retry of the request then
 *   answers this write-off). A live request commits it itself: 503, Stripe redelivers.
 * - one the practice made itself (its Stripe Dashboard: no metadata of ours) lowers what the invoice
 *   asks for as a partial write-off does (`pre_payment_amount`): recorded as one, by
 *   `stripe-dashboard`, so the client paying the rest is not billed the credited part again. What a
 *   credit note gives back after a payment (`post_payment_amount`) is a refund or a customer credit:
 *   not this (a refund comes as `charge.refunded`, decisions/012).
 * Any other credit note is recorded and ignored.
 */
const creditNoteCreated: Effect = async (ctx) => {
  const note = ctx.event.data.object as Stripe.CreditNote;
  const { practiceId, invoiceId, writeOffId } = note.metadata ?? {};
  if (!invoiceId && !writeOffId) return dashboardCreditNote(ctx, note);
  if (!invoiceId || !writeOffId || practiceId !== ctx.practiceId) return { kind: 'ignore', reason: 'not the credit note of a kneadpay write-off' };
  const invoice = await ctx.port.getInvoice(ctx.store, ctx.practiceId, invoiceId);
  const pending = invoice?.writeOffRequest;
  if (!invoice || invoice.writeOff || !pending || pending.writeOffId !== writeOffId || pending.amountCents === undefined) return { kind: 'ignore', reason: 'no write-off waits for this credit note' };
  if (ctx.now.getTime() - Date.parse(pending.requestedAt) < WRITE_OFF_REQUEST_GRACE_MS) throw new RetryableError('a write-off of part of this invoice is being recorded');
  return partialWriteOffDecision(ctx, invoice, { ...pending, amountCents: pending.amountCents, writtenOffAt: ctx.now.toISOString(), creditNoteId: note.id });
};

/** Who wrote off what a credit note made in the practice's Stripe Dashboard lowered (the audit's `writtenOffBy`). */
export const DASHBOARD_CREDIT_NOTE_AUTHOR = 'stripe-dashboard';

const dashboardCreditNote = async (ctx: Ctx, note: Stripe.CreditNote): Promise<Decision> => {
  const stripeInvoiceId = typeof note.invoice === 'string' ? note.invoice : note.invoice?.id;
  const lowered = note.pre_payment_amount ?? 0;
  if (!stripeInvoiceId || !(lowered > 0)) return { kind: 'ignore', reason: 'a credit note that lowers no unpaid invoice' };
  const stripeInvoice = await retrieveInvoice({ stripe: await ctx.stripe(), account: ctx.event.account }, stripeInvoiceId);
  const invoiceId = stripeInvoice.metadata?.invoiceId;
  if (!invoiceId || stripeInvoice.metadata?.practiceId !== ctx.practiceId) return { kind: 'ignore', reason: 'not a kneadpay invoice' };
  const invoice = await ctx.port.getInvoice(ctx.store, ctx.practiceId, invoiceId);
  if (!invoice || invoice.writeOff || invoice.stripeInvoiceId !== stripeInvoiceId) return { kind: 'ignore', reason: 'no balance invoice this credit note lowers' };
  const writeOffId = deriveId('wo', ctx.practiceId, invoiceId, note.id);
  if (invoice.partialWriteOffs?.some((part) => part.writeOffId === writeOffId)) return { kind: 'ignore', reason: 'this credit note is recorded' };
  // A write-off of kneadpay's is being recorded: it goes first (its commit clears the request), then this.
  if (invoice.writeOffRequest) throw new RetryableError('a write-off of this invoice is being recorded');
  const created = new Date(note.created * 1000).toISOString();
  const amountCents = Math.min(lowered, invoice.amountDueCents - invoice.amountPaidCents);
  if (!(amountCents > 0)) return { kind: 'ignore', reason: 'nothing left on the invoice for this credit note to lower' };
  return partialWriteOffDecision(ctx, invoice, {
    writeOffId,
    reason: 'other',
    note: null,
    writtenOffBy: DASHBOARD_CREDIT_NOTE_AUTHOR,
    requestedAt: created,
    amountCents,
    writtenOffAt: ctx.now.toISOString(),
    creditNoteId: note.id,
  });
};

/** The partial write-off committed with the event (core/write-off-commit.ts `partialWriteOffCommit`). */
const partialWriteOffDecision = async (ctx: Ctx, invoice: BalanceInvoice, part: PartialWriteOff): Promise<Decision> => {
  const claim = await WRITE_OFFS_STORE.getClaim(ctx.store, ctx.practiceId, invoice.claimId);
  if (!claim) return { kind: 'ignore', reason: 'no claim for this invoice' };
  const { writes, events } = partialWriteOffCommit(WRITE_OFFS_STORE, invoice, (claim as { balanceVersion?: number }).balanceVersion ?? 0, part, ctx.now);
  return { kind: 'apply', summary: 'partial write-off recorded', writes, events };
};

/**
 * `credit_note.voided`: a pre-payment credit note that lowered a kneadpay balance invoice — a partial
 * write-off, kneadpay's own (its metadata names the invoice) or one the practice made in its
 * Dashboard (recorded from its `credit_note.created`) — voided on Stripe. Stripe then asks the amount
 * again (API reference, "Void a credit note": only while the invoice is open), so the write-off is
 * reversed, once (core/write-off-commit.ts `partialWriteOffReversal`), by `stripe-dashboard` at the
 * event's time. A credit note kneadpay recorded no write-off for is recorded and ignored.
 */
const creditNoteVoided: Effect = async (ctx) => {
  const note = ctx.event.data.object as Stripe.CreditNote;
  const stripeInvoiceId = typeof note.invoice === 'string' ? note.invoice : note.invoice?.id;
  let invoiceId = note.metadata?.practiceId === ctx.practiceId ? note.metadata?.invoiceId : undefined;
  if (!invoiceId && stripeInvoiceId) {
    const stripeInvoice = await retrieveInvoice({ stripe: await ctx.stripe(), account: ctx.event.account }, stripeInvoiceId);
    if (stripeInvoice.metadata?.practiceId === ctx.practiceId) invoiceId = stripeInvoice.metadata?.invoiceId;
  }
  if (!invoiceId) return { kind: 'ignore', reason: 'not a kneadpay invoice' };
  const invoice = await ctx.port.getInvoice(ctx.store, ctx.practiceId, invoiceId);
  const part = invoice?.partialWriteOffs?.find((recorded) => recorded.creditNoteId === note.id);
  if (!invoice || !part || (stripeInvoiceId && invoice.stripeInvoiceId !== stripeInvoiceId)) return { kind: 'ignore', reason: 'no write-off of kneadpay was made by this credit note' };
  if (part.voidedAt) return { kind: 'ignore', reason: 'this write-off is already reversed' };
  if (invoice.writeOff || (invoice.status !== 'open' && invoice.status !== 'uncollectible')) return { kind: 'ignore', reason: `the invoice is ${invoice.writeOff ? 'written off' : invoice.status}` };
  // A write-off being recorded goes first (its commit clears the request), then this.
  if (invoice.writeOffRequest) throw new RetryableError('a write-off of this invoice is being recorded');
  const claim = await WRITE_OFFS_STORE.getClaim(ctx.store, ctx.practiceId, invoice.claimId);
  if (!claim) return { kind: 'ignore', reason: 'no claim for this invoice' };
  const reversedAt = new Date(ctx.event.created * 1000).toISOString();
  const { writes, events } = partialWriteOffReversal(
    WRITE_OFFS_STORE,
    invoice,
    (claim as { balanceVersion?: number }).balanceVersion ?? 0,
    part,
    { reversedAt, reversedBy: DASHBOARD_CREDIT_NOTE_AUTHOR },
    ctx.now,
  );
  return { kind: 'apply', summary: 'partial write-off reversed', writes, events };
};

const invoiceUncollectible: Effect = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  return invoice ? moveTo(ctx.port, invoice, 'uncollectible', object) : { kind: 'ignore', reason: 'not a kneadpay invoice' };
};

// Refunds made outside kneadpay -----------------------------------------------------------------

/**
 * The balance invoice a charge paid: the charge names only its payment intent, whose invoice
 * payment names the Stripe invoice, whose metadata (kneadpay's) names ours. Another tool's invoice,
 * or one of another practice, is not ours.
 */
const invoiceOfCharge = async (ctx: Ctx, charge: Pick<Stripe.Charge, 'payment_intent'>): Promise<BalanceInvoice | undefined> => {
  const paymentIntent = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  if (!paymentIntent) return undefined;
  const stripeInvoice = await findInvoiceOfPaymentIntent({ stripe: await ctx.stripe(), account: ctx.event.account }, paymentIntent);
  const invoiceId = stripeInvoice?.metadata?.invoiceId;
  if (!invoiceId || stripeInvoice.metadata?.practiceId !== ctx.practiceId) return undefined;
  return ctx.port.getInvoice(ctx.store, ctx.practiceId, invoiceId);
};

/**
 * The live refunds of the invoice's other payments (an invoice the practice charged in parts:
 * Stripe's partial payments, docs.stripe.com/api/invoices/attach_payment), each as `{amount,
 * created}`: a refund receipt's running total is the invoice's, as the receipt it names is (bug 154).
 * Usually none: an invoice paid at once has this payment only.
 */
const refundsOfOtherPayments = async (ctx: Ctx, invoice: BalanceInvoice, paymentIntent: string | undefined) => {
  if (!invoice.stripeInvoiceId) return [];
  const scope = { stripe: await ctx.stripe(), account: ctx.event.account };
  const others = (await listInvoicePayments(scope, invoice.stripeInvoiceId)).flatMap((payment) => {
    const intent = typeof payment.payment?.payment_intent === 'string' ? payment.payment.payment_intent : payment.payment?.payment_intent?.id;
    return payment.status === 'paid' && intent && intent !== paymentIntent ? [intent] : [];
  });
  const refunds = await Promise.all(others.map((intent) => listRefunds(scope, { payment_intent: intent })));
  return refunds.flat().filter((refund) => refund.status !== 'failed' && refund.status !== 'canceled');
};

export const NOT_A_BALANCE_CHARGE = 'no balance invoice for this charge';

/**
 * A balance payment refunded outside kneadpay (by hand in the Stripe Dashboard, or any tool on the
 * account): every refund gets its receipt (DOMAIN.md §1), so each one is recorded once, keyed on its
 * id — the payment is given back, and the client owes that part of the balance again
 * (docs/decisions/012-refunds-outside-kneadpay.md): a `refund` ledger entry, the invoice's
 * `amountRefundedCents` (what later balance plans no longer count as paid), and one PaymentRefunded
 * (kind `invoice`) per refund for its receipt. kneadpay's own overpayment refunds carry
 * `metadata.refundId` and are recorded by the balance invoicer with their payout: left out here. A
 * refund that overtakes the payment's own `invoice.paid` waits for it (503, Stripe retries).
 */
const balanceChargeRefunded: Effect = async (ctx) => {
  const charge = ctx.event.data.object as Stripe.Charge;
  const invoice = await invoiceOfCharge(ctx, charge);
  if (!invoice) return { kind: 'ignore', reason: NOT_A_BALANCE_CHARGE };
  // Since API 2022-11-15 a charge's refunds are not in the payload: list them (a read, no effect).
  const live = oldestFirst(
    (await listRefunds({ stripe: await ctx.stripe(), account: ctx.event.account }, { charge: charge.id })).filter((refund) => refund.status !== 'failed' && refund.status !== 'canceled'),
  );
  const seen = new Set(invoice.refundIds ?? []);
  const fresh = live.filter((refund) => !refund.metadata?.refundId && !seen.has(refund.id));
  if (fresh.length === 0) return { kind: 'ignore', reason: 'refunds already recorded (or made by kneadpay)' };
  if (invoice.status !== 'paid') throw new RetryableError('the balance payment of this charge is not recorded yet');

  const paymentId = invoice.stripeInvoiceId ?? charge.id;
  const entries: Parameters<InvoiceEffectsPort['ledgerWrites']>[2] = [];
  const events: OutboxEvent[] = [];
  const earlierCents = live.filter((refund) => !fresh.includes(refund)).reduce((sum, refund) => sum + refund.amount, 0);
  const intentOfCharge = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  const others = await refundsOfOtherPayments(ctx, invoice, intentOfCharge);
  let refundedNow = 0;
  for (const refund of fresh) {
    refundedNow += refund.amount;
    // What the invoice's other payments had given back by then (same second: counted).
    const othersCents = others.filter((other) => other.created <= refund.created).reduce((sum, other) => sum + other.amount, 0);
    const refundedAt = new Date(refund.created * 1000).toISOString();
    // The payment is reversed: the client owes this part of the balance again.
    entries.push({ kind: 'refund', amountCents: refund.amount, currency: invoice.currency, at: refundedAt, ref: refund.id });
    events.push({
      detailType: 'PaymentRefunded',
      detail: {
        practiceId: ctx.practiceId,
        clientId: invoice.clientId,
        kind: 'invoice',
        invoiceId: invoice.invoiceId,
        claimId: invoice.claimId,
        // The id PaymentSucceeded named this payment by (invoice.paid), so the refund finds its receipt.
        paymentId,
        refundId: refund.id,
        amountCents: refund.amount,
        // Every refund of the charge recorded before this one (kneadpay's own included), this one, and
        // those of the invoice's other payments made by then (an invoice paid in parts).
        totalRefundedCents: earlierCents + refundedNow + othersCents,
        currency: invoice.currency,
        creditsRemoved: 0,
        refundedAt,
      },
    });
  }
  return {
    kind: 'apply',
    summary: 'balance refund recorded',
    writes: [
      updateInvoice(ctx.port, invoice, { refundIds: [...seen, ...fresh.map((refund) => refund.id)], amountRefundedCents: (invoice.amountRefundedCents ?? 0) + refundedNow }),
      ...ctx.port.ledgerWrites(ctx.practiceId, invoice.clientId, entries),
    ],
    events,
  };
};

/** `charge.refunded` on a balance invoice's charge (the package side is credit-effects'; see core/charge-refunds.ts). */
export const invoiceChargeRefunded =
  (port: InvoiceEffectsPort = INVOICE_EFFECTS_STORE): EffectHandler =>
  (ctx) =>
    balanceChargeRefunded({ ...ctx, port });

// Disputes of a balance payment ------------------------------------------------------------------

/**
 * How far a dispute has come (Stripe API reference, Dispute.status): an inquiry (`warning_*`) may
 * escalate to a chargeback (`needs_response` → `under_review`); `warning_closed`, `won`, `lost` and
 * `prevented` are final. Events come in any order: an earlier status never overwrites a later one.
 */
const DISPUTE_PROGRESS: Readonly<Record<string, number>> = {
  warning_needs_response: 0,
  warning_under_review: 1,
  needs_response: 2,
  under_review: 3,
  warning_closed: 4,
  won: 4,
  lost: 4,
  prevented: 4,
};
const FINAL_DISPUTE = 4;

export const NOT_A_DISPUTED_BALANCE = 'no balance invoice for this dispute';

/**
 * `charge.dispute.*` on a balance invoice's charge (docs/decisions/013-balance-disputes.md). Every
 * status is recorded on the invoice (`dispute`, so staff see a payment under dispute); only a lost
 * dispute — final, the cardholder's bank keeps the money — moves the balance: the client owes again
 * what was taken back, at most what was still paid on the charge (Stripe reinstates a part refunded
 * before: docs.stripe.com/disputes, partially refunded payments). That part is a `chargeback` ledger
 * entry, the invoice's `amountDisputedCents` (what balance plans no longer count as paid) and one
 * `PaymentDisputeLost`. No receipt: a chargeback is not a refund the practice made. Inquiries, open
 * chargebacks, `won`, `warning_closed` and `prevented` move nothing (a prevented dispute's money, if
 * Stripe refunds it, comes as a refund: decision 012). Once per dispute: a final status is never
 * recorded twice, and a dispute that overtakes the payment's own `invoice.paid` waits for it (503).
 */
const balanceDisputeEffect: Effect = async (ctx) => {
  const dispute = ctx.event.data.object as Stripe.Dispute;
  const invoice = await invoiceOfCharge(ctx, dispute);
  if (!invoice) return { kind: 'ignore', reason: NOT_A_DISPUTED_BALANCE };
  const progress = DISPUTE_PROGRESS[dispute.status];
  if (progress === undefined) return { kind: 'ignore', reason: `dispute status ${dispute.status} is not one kneadpay knows` };
  const known = invoice.dispute?.disputeId === dispute.id ? invoice.dispute : undefined;
  if (known && DISPUTE_PROGRESS[known.status] === FINAL_DISPUTE) return { kind: 'ignore', reason: `dispute already ${known.status}` };
  if (known && progress <= (DISPUTE_PROGRESS[known.status] ?? -1)) return { kind: 'ignore', reason: `dispute already recorded as ${known.status}` };
  if (invoice.status !== 'paid') throw new RetryableError('the balance payment of this dispute is not recorded yet');

  const at = new Date(ctx.event.created * 1000).toISOString();
  const record = { disputeId: dispute.id, status: dispute.status, amountCents: dispute.amount, updatedAt: at };
  if (dispute.status !== 'lost') return { kind: 'apply', summary: `balance dispute ${dispute.status}`, writes: [updateInvoice(ctx.port, invoice, { dispute: record })], events: [] };

  // What the practice still held of this payment: the charge less every refund of it (listed from
  // Stripe, so a refund whose own event is still on its way counts too) and earlier losses.
  // Stripe always names the charge; a payload without it (checked in core/stripe-event-shapes.ts) is
  // the payment intent's, whose refunds are the same ones (one charge paid the invoice).
  const chargeId = typeof dispute.charge === 'string' ? dispute.charge : (dispute.charge as Stripe.Charge | undefined)?.id;
  const paymentIntent = typeof dispute.payment_intent === 'string' ? dispute.payment_intent : dispute.payment_intent!.id;
  const refunded = (await listRefunds({ stripe: await ctx.stripe(), account: ctx.event.account }, chargeId ? { charge: chargeId } : { payment_intent: paymentIntent }))
    .filter((refund) => refund.status !== 'failed' && refund.status !== 'canceled')
    .reduce((sum, refund) => sum + refund.amount, 0);
  const lostCents = Math.max(0, Math.min(dispute.amount, invoice.amountPaidCents - refunded - (invoice.amountDisputedCents ?? 0)));
  return {
    kind: 'apply',
    summary: 'balance dispute lost',
    writes: [
      updateInvoice(ctx.port, invoice, { dispute: record, amountDisputedCents: (invoice.amountDisputedCents ?? 0) + lostCents }),
      ...(lostCents > 0 ? ctx.port.ledgerWrites(ctx.practiceId, invoice.clientId, [{ kind: 'chargeback', amountCents: lostCents, currency: invoice.currency, at, ref: dispute.id }]) : []),
    ],
    events: [
      {
        detailType: 'PaymentDisputeLost',
        detail: {
          practiceId: ctx.practiceId,
          clientId: invoice.clientId,
          kind: 'invoice',
          invoiceId: invoice.invoiceId,
          claimId: invoice.claimId,
          // The id PaymentSucceeded named this payment by (invoice.paid).
          paymentId: invoice.stripeInvoiceId ?? chargeId ?? paymentIntent,
          disputeId: dispute.id,
          amountCents: lostCents,
          currency: invoice.currency,
          lostAt: at,
        },
      },
    ],
  };
};

/** `charge.dispute.*` on a balance invoice's charge (the package side is credit-effects'; see core/charge-disputes.ts). */
export const balanceChargeDisputed =
  (port: InvoiceEffectsPort = INVOICE_EFFECTS_STORE): EffectHandler =>
  (ctx) =>
    balanceDisputeEffect({ ...ctx, port });

const EFFECTS: Record<string, Effect> = {
  'invoice.finalized': invoiceFinalized,
  'invoice.paid': invoicePaid,
  'invoice.payment_failed': invoicePaymentFailed,
  'invoice.voided': invoiceVoided,
  'invoice.marked_uncollectible': invoiceUncollectible,
  'credit_note.created': creditNoteCreated,
  'credit_note.voided': creditNoteVoided,
};

/** The balance-invoice effects on a storage port (default: the table); a test may pass another. */
export const invoiceEffects = (port: InvoiceEffectsPort = INVOICE_EFFECTS_STORE): Record<string, EffectHandler> =>
  Object.fromEntries(Object.entries(EFFECTS).map(([type, effect]): [string, EffectHandler] => [type, (ctx) => effect({ ...ctx, port })]));

export const INVOICE_EFFECTS: Record<string, EffectHandler> = invoiceEffects();
