import type { Stripe } from '../stripe/types';
import { advances, INVOICE_RANK, type InvoiceState } from '../domain/ranks';
import { RetryableError } from '../shared/errors';
import { claimInvoiceSummaryWrite } from '../store/claim-balance';
import { ledgerWrites } from '../store/clients';
import type { TransactItem } from '../store/commit';
import { getInvoice, invoiceVersionedUpdate } from '../store/invoices';
import type { BalanceInvoice } from '../domain/invoice';
import type { Decision, EffectHandler, EventContext } from './stripe-events';

/** The balance invoice a Stripe invoice event is about (our metadata). Not committed yet → retry. */
const invoiceOf = async (ctx: EventContext): Promise<{ invoice: BalanceInvoice | undefined; object: Stripe.Invoice }> => {
  const object = ctx.event.data.object as Stripe.Invoice;
  const invoiceId = object.metadata?.invoiceId;
  if (!invoiceId) return { invoice: undefined, object };
  const invoice = await getInvoice(ctx.store, ctx.practiceId, invoiceId);
  if (!invoice) throw new RetryableError(`invoice ${invoiceId} is not committed yet`);
  return { invoice, object };
};

/** A conditional update of the invoice record: applies only to the version it was decided on. */
const updateInvoice = (invoice: BalanceInvoice, set: Record<string, unknown>): TransactItem => invoiceVersionedUpdate(invoice, set);

/** The claim's view of the invoice; a paid balance invoice ends the claim's life (adjudicated → closed). */
const claimSummary = (invoice: BalanceInvoice, status: string, hostedInvoiceUrl: string | null): TransactItem =>
  claimInvoiceSummaryWrite(invoice.practiceId, invoice.claimId, { invoiceId: invoice.invoiceId, status, amountDueCents: invoice.amountDueCents, hostedInvoiceUrl }, { closeClaim: status === 'paid' });

const rankOf = (status: BalanceInvoice['status']): InvoiceState => (status === 'pending' ? 'draft' : status);

/** Moves the invoice record forward by rank; a late or replayed event changes nothing. */
const moveTo = (invoice: BalanceInvoice, next: InvoiceState, object: Stripe.Invoice, extra: Record<string, unknown> = {}): Decision => {
  if (!advances(INVOICE_RANK, rankOf(invoice.status), next)) return { kind: 'ignore', reason: `invoice already ${invoice.status}` };
  const hosted = object.hosted_invoice_url ?? invoice.hostedInvoiceUrl;
  return {
    kind: 'apply',
    summary: `invoice ${next}`,
    writes: [updateInvoice(invoice, { status: next, hostedInvoiceUrl: hosted, ...extra }), claimSummary(invoice, next, hosted)],
    events: [],
  };
};

const paymentIntentOfInvoice = (object: Stripe.Invoice): string | null => {
  const payment = object.payments?.data?.[0]?.payment;
  const pi = payment?.payment_intent;
  return typeof pi === 'string' ? pi : (pi?.id ?? null);
};

const invoiceFinalized: EffectHandler = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  return invoice ? moveTo(invoice, 'open', object) : { kind: 'ignore', reason: 'not a kneadpay invoice' };
};

const invoicePaid: EffectHandler = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  if (!invoice) return { kind: 'ignore', reason: 'not a kneadpay invoice' };
  const decision = moveTo(invoice, 'paid', object, {
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
      ...ledgerWrites(ctx.practiceId, invoice.clientId, [{ kind: 'payment', amountCents: -object.amount_paid, currency: invoice.currency, at: paidAt, ref: invoice.invoiceId }]),
    ],
    events: [{
      detailType: 'PaymentSucceeded',
      detail: {
        practiceId: ctx.practiceId, clientId: invoice.clientId, kind: 'invoice', invoiceId: invoice.invoiceId, claimId: invoice.claimId,
        paymentId: paymentIntentOfInvoice(object) ?? object.id, amountCents: object.amount_paid, currency: invoice.currency, paidAt,
      },
    }],
  };
};

/** Recorded, not a state change: the invoice stays open; each failure counted once by event id. */
const invoicePaymentFailed: EffectHandler = async (ctx) => {
  const { invoice } = await invoiceOf(ctx);
  if (!invoice) return { kind: 'ignore', reason: 'not a kneadpay invoice' };
  if (invoice.paymentFailures.includes(ctx.event.id)) return { kind: 'ignore', reason: 'failure already recorded' };
  return { kind: 'apply', summary: 'payment failure recorded', writes: [updateInvoice(invoice, { paymentFailures: [...invoice.paymentFailures, ctx.event.id] })], events: [] };
};

const invoiceVoided: EffectHandler = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  return invoice ? moveTo(invoice, 'void', object) : { kind: 'ignore', reason: 'not a kneadpay invoice' };
};

const invoiceUncollectible: EffectHandler = async (ctx) => {
  const { invoice, object } = await invoiceOf(ctx);
  return invoice ? moveTo(invoice, 'uncollectible', object) : { kind: 'ignore', reason: 'not a kneadpay invoice' };
};

export const INVOICE_EFFECTS: Record<string, EffectHandler> = {
  'invoice.finalized': invoiceFinalized,
  'invoice.paid': invoicePaid,
  'invoice.payment_failed': invoicePaymentFailed,
  'invoice.voided': invoiceVoided,
  'invoice.marked_uncollectible': invoiceUncollectible,
};
