import type { Stripe } from '../stripe/types';
import { advances, INVOICE_RANK, type InvoiceState } from '../domain/ranks';
import { RetryableError } from '../shared/errors';
import { claimInvoiceSummaryWrite } from '../store/claim-balance';
import { ledgerWrites } from '../store/clients';
import type { TransactItem } from '../store/commit';
import { getInvoice, invoiceVersionedUpdate } from '../store/invoices';
import type { BalanceInvoice } from '../domain/invoice';
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

const paymentIntentOfInvoice = (object: Stripe.Invoice): string | null => {
  const payment = object.payments?.data?.[0]?.payment;
  const pi = payment?.payment_intent;
  return typeof pi === 'string' ? pi : (pi?.id ?? null);
};

const invoiceFinalized: Effect = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  return invoice ? moveTo(ctx.port, invoice, 'open', object) : { kind: 'ignore', reason: 'not a kneadpay invoice' };
};

const invoicePaid: Effect = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  if (!invoice) return { kind: 'ignore', reason: 'not a kneadpay invoice' };
  const decision = moveTo(ctx.port, invoice, 'paid', object, {
    amountPaidCents: object.amount_paid,
    paidAt: new Date(ctx.event.created * 1000).toISOString(),
    paymentIntentId: paymentIntentOfInvoice(object),
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
          paymentId: paymentIntentOfInvoice(object) ?? object.id,
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
  return invoice ? moveTo(ctx.port, invoice, 'void', object) : { kind: 'ignore', reason: 'not a kneadpay invoice' };
};

const invoiceUncollectible: Effect = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  return invoice ? moveTo(ctx.port, invoice, 'uncollectible', object) : { kind: 'ignore', reason: 'not a kneadpay invoice' };
};

const EFFECTS: Record<string, Effect> = {
  'invoice.finalized': invoiceFinalized,
  'invoice.paid': invoicePaid,
  'invoice.payment_failed': invoicePaymentFailed,
  'invoice.voided': invoiceVoided,
  'invoice.marked_uncollectible': invoiceUncollectible,
};

/** The balance-invoice effects on a storage port (default: the table); a test may pass another. */
export const invoiceEffects = (port: InvoiceEffectsPort = INVOICE_EFFECTS_STORE): Record<string, EffectHandler> =>
  Object.fromEntries(Object.entries(EFFECTS).map(([type, effect]): [string, EffectHandler] => [type, (ctx) => effect({ ...ctx, port })]));

export const INVOICE_EFFECTS: Record<string, EffectHandler> = invoiceEffects();
