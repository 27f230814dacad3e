/** Paying out a claim's recorded overpayment refunds on Stripe (refund policy). */
import { StripeRefusedError, type StripeScope } from '../../stripe/gateway';
import { listInvoicePayments } from '../../stripe/invoices';
import { createRefund, listRefunds } from '../../stripe/refunds';
import { invoiceStripeAccount, type BalanceInvoice } from '../../domain/invoice';
import type { Practice } from '../../domain/practice';
import type { OutboxEvent } from '../../store/outbox';
import { invoicesOf, type InvoicingDeps } from './deps';

/**
 * The payment intent that paid a Stripe invoice, asked of Stripe (its invoice payments): an
 * `invoice.paid` event's invoice carries no `payments` (includable: sent only to a request that asks).
 */
const paymentIntentOfPaidInvoice = async (scope: StripeScope, invoice: BalanceInvoice): Promise<string | null> => {
  if (!invoice.stripeInvoiceId) return null;
  const payments = await listInvoicePayments(scope, invoice.stripeInvoiceId);
  const paid = payments.find((payment) => payment.status === 'paid') ?? payments[0];
  const pi = paid?.payment?.payment_intent;
  return typeof pi === 'string' ? pi : (pi?.id ?? null);
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
      const paymentIntent = await paymentIntentOfPaidInvoice(scope, invoice);
      if (!paymentIntent) continue;
      const refunds = await listRefunds(scope, { payment_intent: paymentIntent });
      const existing = refunds.find((r) => r.metadata?.refundId === refund.refundId);
      const alreadyRefunded = refunds.filter((r) => r.status !== 'failed' && r.status !== 'canceled').reduce((sum, r) => sum + r.amount, 0);
      if (existing) {
        parts.push({ id: existing.id, amountCents: existing.amount });
        refunded(invoice, existing, alreadyRefunded);
        remaining -= existing.amount;
        continue;
      }
      const amount = Math.min(remaining, invoice.amountPaidCents - alreadyRefunded);
      if (amount <= 0) continue;
      const made = await createRefund(
        scope,
        { payment_intent: paymentIntent, amount, metadata: { practiceId: practice.practiceId, invoiceId: invoice.invoiceId, refundId: refund.refundId } },
        `rfd:${refund.refundId}:${invoice.invoiceId}`,
      ).catch((error: unknown) => {
        // Disputed on Stripe before its dispute event reached kneadpay: the same as above.
        if (error instanceof StripeRefusedError && error.stripeCode === 'charge_disputed') return undefined;
        throw error;
      });
      if (!made) {
        disputedInvoiceIds.push(invoice.invoiceId);
        continue;
      }
      parts.push({ id: made.id, amountCents: made.amount });
      refunded(invoice, made, alreadyRefunded + made.amount);
      remaining -= made.amount;
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
