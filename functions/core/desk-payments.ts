/**
 * A balance collected at the practice's desk (cash, the card terminal, a check). A balance below
 * Stripe's minimum charge is never sent to Stripe (`below_minimum`, core/invoicing/stripe-saga.ts),
 * and one held while the practice's account cannot charge (`awaiting_stripe`) may wait for good (a
 * disconnected account), so staff take it at the desk; this records that payment exactly once: the
 * invoice paid, the claim closed, the ledger, and PaymentSucceeded (with `method`) for the receipt.
 */
import { invoiceSettledAtDesk, type BalanceInvoice, type DeskPayment } from '../domain/invoice';
import { ConflictError, NotFoundError, RetryableError, ValidationError } from '../shared/errors';
import { deriveId, newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { deskPaymentBody } from '../shared/schemas/requests';
import { claimInvoiceSummaryWrite } from '../store/claim-balance';
import { ledgerWrites } from '../store/clients';
import { commitOnce, CommitConflictError } from '../store/commit';
import { getInvoice, invoiceVersionedUpdate } from '../store/invoices';
import { keys } from '../store/keys';
import type { Store } from '../store/table';
import type { DeskPaymentsPort } from './ports';

/** The default implementation of the port: the table (core/ports.ts). */
export const DESK_PAYMENTS_STORE: DeskPaymentsPort = { getInvoice, invoiceVersionedUpdate, claimInvoiceSummaryWrite, ledgerWrites, commitOnce, keys };

export interface DeskPaymentAnswer extends DeskPayment {
  invoiceId: string;
  claimId: string;
  status: 'paid';
  currency: string;
}

const answerOf = (invoice: BalanceInvoice, payment: DeskPayment): DeskPaymentAnswer => ({
  invoiceId: invoice.invoiceId,
  claimId: invoice.claimId,
  status: 'paid',
  currency: invoice.currency,
  ...payment,
});

/**
 * Only a balance held off Stripe is collected at the desk: below its minimum charge, or waiting for
 * the practice's account to take charges (`awaiting_stripe`) and not yet made on Stripe. The latter
 * may be sent the moment the account can charge: the desk payment and the send's first record are
 * both conditioned on the invoice (its version here; no `deskPayment` there, stripe-saga.ts), so the
 * first recorded wins and the other does nothing (the send deletes the Stripe draft it made).
 */
const collectableAtDesk = (invoice: BalanceInvoice) => invoiceSettledAtDesk(invoice);

/**
 * Records a desk payment of a held balance invoice. With an `Idempotency-Key` a retry answers the
 * first record (created: false) and another body under the same key is a 409; the amount must be
 * the balance due (a part payment is not recorded: 400 naming `amountCents`).
 */
export const recordDeskPayment = async (
  store: Store,
  practiceId: string,
  invoiceId: string,
  body: Record<string, unknown>,
  idempotencyKey: string | undefined,
  now = new Date(),
  port: DeskPaymentsPort = DESK_PAYMENTS_STORE,
): Promise<{ created: boolean; payment: DeskPaymentAnswer }> => {
  const { method, amountCents } = parseBody(deskPaymentBody, body);
  const paymentId = idempotencyKey ? deriveId('desk', practiceId, invoiceId, idempotencyKey) : newId('desk');
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const invoice = await port.getInvoice(store, practiceId, invoiceId);
    if (!invoice) throw new NotFoundError('invoice');
    const recorded = invoice.deskPayment;
    if (recorded) {
      if (recorded.paymentId !== paymentId) throw new ConflictError('this invoice is already paid at the desk', 'invoice_already_paid');
      if (recorded.method !== method || recorded.amountCents !== amountCents) {
        throw new ConflictError('this Idempotency-Key was used for a different desk payment', 'idempotency_key_reused');
      }
      return { created: false, payment: answerOf(invoice, recorded) };
    }
    if (!collectableAtDesk(invoice)) {
      throw new ConflictError(
        `only a balance held off Stripe (below_minimum, or awaiting_stripe and not yet sent) is recorded as paid at the desk; this invoice is ${invoice.status}`,
        'not_collectable_at_desk',
      );
    }
    if (amountCents !== invoice.amountDueCents) {
      throw new ValidationError(`amountCents must be the balance due (${invoice.amountDueCents}): a part payment is not recorded`, { field: 'amountCents' });
    }
    const payment: DeskPayment = { paymentId, method, amountCents, paidAt: now.toISOString() };
    try {
      const committed = await port.commitOnce(
        store,
        {
          marker: { ...port.keys.marker(practiceId, 'desk-payment', invoiceId), result: payment },
          writes: [
            port.invoiceVersionedUpdate(invoice, { status: 'paid', amountPaidCents: amountCents, paidAt: payment.paidAt, deskPayment: payment }, now),
            port.claimInvoiceSummaryWrite(practiceId, invoice.claimId, { invoiceId, status: 'paid', amountDueCents: invoice.amountDueCents, hostedInvoiceUrl: null }, { closeClaim: true }),
            ...port.ledgerWrites(practiceId, invoice.clientId, [{ kind: 'payment', amountCents: -amountCents, currency: invoice.currency, at: payment.paidAt, ref: invoiceId }]),
          ],
          events: [
            {
              detailType: 'PaymentSucceeded',
              detail: {
                practiceId,
                clientId: invoice.clientId,
                kind: 'invoice',
                invoiceId,
                claimId: invoice.claimId,
                paymentId,
                amountCents,
                currency: invoice.currency,
                paidAt: payment.paidAt,
                method,
              },
            },
          ],
        },
        now,
      );
      // Another request recorded it between our read and our commit: answer from what it stored.
      if (committed.status === 'duplicate') continue;
      return { created: true, payment: answerOf(invoice, payment) };
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
    }
  }
  throw new RetryableError('the invoice kept changing while the desk payment was recorded');
};
