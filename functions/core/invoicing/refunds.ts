/** Paying out a claim's recorded overpayment refunds on Stripe (refund policy). */
import { oldestFirst, StripeRefusedError, type StripeScope } from '../../stripe/gateway';
import { listInvoicePayments } from '../../stripe/invoices';
import { createRefund, listRefunds } from '../../stripe/refunds';
import { invoiceStripeAccount, type BalanceInvoice } from '../../domain/invoice';
import type { Practice } from '../../domain/practice';
import type { OutboxEvent } from '../../store/outbox';
import { invoicesOf, type InvoicingDeps } from './deps';

/** A payment that paid (part of) a Stripe invoice: its payment intent and what it paid of the invoice. */
interface InvoicePart {
  paymentIntent: string;
  paidCents: number;
}

/** Stripe's objects as the gateway answers them (core never imports the SDK: test/infra/layers.test.ts). */
type InvoicePayment = Awaited<ReturnType<typeof listInvoicePayments>>[number];
type Refund = Awaited<ReturnType<typeof listRefunds>>[number];

const paymentIntentId = (payment: InvoicePayment): string | null => {
  const pi = payment.payment?.payment_intent;
  return typeof pi === 'string' ? pi : (pi?.id ?? null);
};

/**
 * The payments that paid a Stripe invoice, oldest first, asked of Stripe (its invoice payments): an
 * `invoice.paid` event's invoice carries no `payments` (includable: sent only to a request that
 * asks). Usually one; several when the practice charged the invoice in parts in its Dashboard
 * (Stripe's partial payments, docs.stripe.com/api/invoices/attach_payment), each refundable only up
 * to what it paid. With no payment marked paid, the first listed stands for the whole invoice.
 */
const paymentsOfPaidInvoice = async (scope: StripeScope, invoice: BalanceInvoice): Promise<InvoicePart[]> => {
  if (!invoice.stripeInvoiceId) return [];
  const payments = await listInvoicePayments(scope, invoice.stripeInvoiceId);
  const paid = oldestFirst(payments.filter((payment) => payment.status === 'paid')).flatMap((payment) => {
    const intent = paymentIntentId(payment);
    return intent ? [{ paymentIntent: intent, paidCents: payment.amount_paid ?? 0 }] : [];
  });
  if (paid.length > 0) return paid;
  const first = payments[0] && paymentIntentId(payments[0]);
  return first ? [{ paymentIntent: first, paidCents: invoice.amountPaidCents }] : [];
};

/**
 * Pays out recorded overpayments (refund policy) on the claim's paid invoices, oldest first: each
 * payment gives back at most what it has left after earlier refunds, so a refund larger than one
 * invoice's payment is spread over the others. Each part's key is built from the refund and the
 * invoice; if it expired and our record missed Stripe's answer, the part is found again on the
 * payment by its metadata. What no payment can take back stays the client's credit: the record
 * says how much, and the ledger gets an `overpayment_refund_not_paid` entry for it, in the same
 * transaction that records the refund (once: it is conditional on the refund still pending).
 */
export const driveRefunds = async (deps: InvoicingDeps, practice: Practice, claimId: string) => {
  const store = invoicesOf(deps);
  const pending = await store.listPendingRefunds(practice.practiceId, claimId);
  if (pending.length === 0) return;
  const stripe = await deps.stripe();
  for (const refund of pending) {
    const parts: { id: string; amountCents: number }[] = [];
    // One PaymentRefunded per Stripe refund, so each gets its receipt (DOMAIN.md §1: every refund).
    const events: OutboxEvent[] = [];
    const refunded = (invoice: BalanceInvoice, made: { id: string; amount: number; created: number }, totalRefundedCents: number) =>
      events.push({
        detailType: 'PaymentRefunded',
        detail: {
          practiceId: practice.practiceId,
          clientId: invoice.clientId,
          kind: 'invoice',
          invoiceId: invoice.invoiceId,
          claimId,
          // The id PaymentSucceeded named this payment by (invoice.paid), so the refund finds its receipt.
          paymentId: invoice.stripeInvoiceId ?? made.id,
          refundId: made.id,
          amountCents: made.amount,
          totalRefundedCents,
          currency: invoice.currency,
          creditsRemoved: 0,
          refundedAt: new Date(made.created * 1000).toISOString(),
        },
      });
    let remaining = refund.amountCents;
    // Payments skipped because of a dispute: a credit kept for them goes if the chargeback is lost (bug 99).
    const disputedInvoiceIds: string[] = [];
    const paidInvoices = (await store.listClaimInvoices(practice.practiceId, claimId)).filter((invoice) => invoice.status === 'paid').sort((a, b) => a.seq - b.seq);
    for (const invoice of paidInvoices) {
      if (remaining <= 0) break;
      // A charged-back payment cannot be refunded (Stripe refuses: `charge_disputed`); what it would
      // have taken stays the client's credit (decisions/013). An inquiry's payment may still be
      // refundable (Dispute.is_charge_refundable): Stripe decides, and its refusal is caught below.
      if (invoice.dispute && !invoice.dispute.status.startsWith('warning_')) {
        disputedInvoiceIds.push(invoice.invoiceId);
        continue;
      }
      // The payment is on the account the invoice was made on, which may not be the practice's now.
      const scope: StripeScope = { stripe, account: invoiceStripeAccount(invoice, practice) };
      const payments = await paymentsOfPaidInvoice(scope, invoice);
      if (payments.length === 0) continue;
      // What each payment has already given back (any refund, kneadpay's or the Dashboard's).
      const refundsOf = await Promise.all(payments.map((payment) => listRefunds(scope, { payment_intent: payment.paymentIntent })));
      const live = (refunds: Refund[]) => refunds.filter((r) => r.status !== 'failed' && r.status !== 'canceled').reduce((sum, r) => sum + r.amount, 0);
      let invoiceRefunded = refundsOf.reduce((sum, refunds) => sum + live(refunds), 0);
      let disputed = false;
      for (const [index, payment] of payments.entries()) {
        if (remaining <= 0) break;
        const refunds = refundsOf[index]!;
        const existing = refunds.find((r) => r.metadata?.refundId === refund.refundId);
        if (existing) {
          parts.push({ id: existing.id, amountCents: existing.amount });
          refunded(invoice, existing, invoiceRefunded);
          remaining -= existing.amount;
          continue;
        }
        // At most what this payment has left, and what the invoice has left of what it was paid.
        const amount = Math.min(remaining, payment.paidCents - live(refunds), invoice.amountPaidCents - invoiceRefunded);
        if (amount <= 0) continue;
        const made = await createRefund(
          scope,
          { payment_intent: payment.paymentIntent, amount, metadata: { practiceId: practice.practiceId, invoiceId: invoice.invoiceId, refundId: refund.refundId } },
          // The first payment keeps the key a one-payment invoice always had; another adds its intent.
          index === 0 ? `rfd:${refund.refundId}:${invoice.invoiceId}` : `rfd:${refund.refundId}:${invoice.invoiceId}:${payment.paymentIntent}`,
        ).catch((error: unknown) => {
          // Disputed on Stripe before its dispute event reached kneadpay: the same as above.
          if (error instanceof StripeRefusedError && error.stripeCode === 'charge_disputed') return undefined;
          throw error;
        });
        if (!made) {
          disputed = true;
          continue;
        }
        invoiceRefunded += made.amount;
        parts.push({ id: made.id, amountCents: made.amount });
        refunded(invoice, made, invoiceRefunded);
        remaining -= made.amount;
      }
      if (disputed) disputedInvoiceIds.push(invoice.invoiceId);
    }
    if (parts.length > 0) await deps.afterRefund?.('refund', refund.refundId);
    if (remaining > 0)
      deps.logger?.warn('overpayment partly kept as credit: the paid invoices have no more payment to refund', {
        practiceId: practice.practiceId,
        refundId: refund.refundId,
        keptAsCreditCents: remaining,
      });
    const claim = remaining > 0 ? await store.getClaim(practice.practiceId, claimId) : undefined;
    const at = new Date().toISOString();
    await store.recordRefundPayout(
      practice.practiceId,
      claimId,
      refund.refundId,
      { stripeRefundIds: parts.map((part) => part.id), refundedCents: refund.amountCents - remaining, keptAsCreditCents: remaining, disputedInvoiceIds },
      claim && remaining > 0 ? { clientId: claim.clientId, entries: [{ kind: 'overpayment_refund_not_paid', amountCents: -remaining, currency: claim.currency, at, ref: claimId }] } : undefined,
      events,
    );
    await deps.afterRefund?.('record', refund.refundId);
  }
};
