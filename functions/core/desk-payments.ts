/**
 * A balance collected at the practice's desk (cash, the card terminal, a check). A balance below
 * Stripe's minimum charge is never sent to Stripe (`below_minimum`, core/invoicing/stripe-saga.ts),
 * and one held while the practice's account cannot charge (`awaiting_stripe`) may wait for good (a
 * disconnected account), so staff take it at the desk; this records that payment exactly once: the
 * invoice paid, the claim closed, the ledger, and PaymentSucceeded (with `method`) for the receipt.
 */
import { deskPaymentDeletesDraft, invoiceSettledAtDesk, invoiceStripeAccount, type BalanceInvoice, type DeskPayment } from '../domain/invoice';
import type { Practice } from '../domain/practice';
import { ConflictError, NotFoundError, RetryableError, ValidationError } from '../shared/errors';
import { deriveId, newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { deskPaymentBody } from '../shared/schemas/requests';
import { claimInvoiceSummaryWrite } from '../store/claim-balance';
import { ledgerWrites } from '../store/clients';
import { commitOnce, CommitConflictError } from '../store/commit';
import { getInvoice, invoiceVersionedUpdate, recordInvoiceProgress } from '../store/invoices';
import { keys } from '../store/keys';
import { getPractice } from '../store/practices';
import type { Store } from '../store/table';
import { StripeRefusedError, type StripeScope } from '../stripe/gateway';
import { deleteDraftInvoice, retrieveInvoice } from '../stripe/invoices';
import type { Stripe } from '../stripe/types';
import type { DeskPaymentsPort } from './ports';

/** The default implementation of the port: the table (core/ports.ts). */
export const DESK_PAYMENTS_STORE: DeskPaymentsPort = { getInvoice, invoiceVersionedUpdate, recordInvoiceProgress, getPractice, claimInvoiceSummaryWrite, ledgerWrites, commitOnce, keys };

/** Stripe, for a held invoice whose draft Stripe made (bug 101), and a test hook. */
export interface DeskPaymentOptions {
  stripe?: () => Promise<Stripe>;
  /**
   * Test hook: called once the request is recorded, before Stripe is asked (`requested`), and once
   * the Stripe draft is deleted, before the record (`stripe-deleted`); a throw there is a crash.
   */
  after?: (step: 'requested' | 'stripe-deleted') => void | Promise<void>;
}

const sentMeanwhile = () =>
  new ConflictError('this balance invoice was sent to the client meanwhile (finalized on Stripe): it is paid on its own page, not recorded at the desk', 'not_collectable_at_desk', {
    field: 'invoiceId',
    status: 'open',
  });

/** Stripe's answer when the platform has no access to the account any more (its owner disconnected kneadpay). */
const outOfReach = (error: unknown) => error instanceof StripeRefusedError && error.stripeCode === 'account_invalid';

/**
 * Deletes the held invoice's Stripe draft, so nothing of the balance is left on Stripe (Stripe: a
 * draft is deleted for good; a finalized invoice cannot be deleted — docs.stripe.com/api/invoices/delete).
 * Stripe decides a race with the send's finalize: the draft already finalized, the desk is refused
 * (409); deleted first, the finalize fails and the send stops (core/invoicing/stripe-saga.ts). A
 * draft already gone (an earlier attempt's delete) is fine. On an account its owner disconnected
 * (`account_invalid`: the platform's key has no access) kneadpay can neither delete nor ever
 * finalize the draft, and a draft is never payable and sends nothing: answers 'left' (the desk
 * payment is recorded, the draft left on that account).
 */
const deleteHeldDraft = async (stripe: () => Promise<Stripe>, practice: Practice, invoice: BalanceInvoice, stripeInvoiceId: string): Promise<'deleted' | 'left'> => {
  const scope: StripeScope = { stripe: await stripe(), account: invoiceStripeAccount(invoice, practice) };
  let current: Stripe.Invoice;
  try {
    current = await retrieveInvoice(scope, stripeInvoiceId);
  } catch (error) {
    if (error instanceof StripeRefusedError && error.stripeCode === 'resource_missing') return 'deleted';
    if (outOfReach(error)) return 'left';
    throw error;
  }
  if (current.status !== 'draft') throw sentMeanwhile();
  try {
    await deleteDraftInvoice(scope, stripeInvoiceId);
    return 'deleted';
  } catch (error) {
    if (!(error instanceof StripeRefusedError)) throw error;
    if (error.stripeCode === 'resource_missing') return 'deleted';
    if (outOfReach(error)) return 'left';
    // Finalized between the read and the delete: the send won.
    if ((await retrieveInvoice(scope, stripeInvoiceId)).status !== 'draft') throw sentMeanwhile();
    throw error;
  }
};

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
 * An `awaiting_stripe` invoice whose Stripe draft exists (not finalized) is collected too, once its
 * draft is deleted (`deleteHeldDraft`, bug 101).
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
  options: DeskPaymentOptions = {},
): Promise<{ created: boolean; payment: DeskPaymentAnswer }> => {
  const { method, amountCents } = parseBody(deskPaymentBody, body);
  const paymentId = idempotencyKey ? deriveId('desk', practiceId, invoiceId, idempotencyKey) : newId('desk');
  return settleAtDesk(store, practiceId, invoiceId, { paymentId, method, amountCents }, now, port, options);
};

/**
 * How long a desk request whose draft is being deleted is left to its own request before the balance
 * invoicer's sweep finishes it: longer than a request may run (API Gateway's 29 s), so the sweep
 * never races a live request (as for a write-off, core/write-off-commit.ts).
 */
export const DESK_PAYMENT_REQUEST_GRACE_MS = 60_000;

/**
 * Finishes a desk payment whose request died between the delete of the held draft and the record
 * (`deskPaymentRequest` recorded, no `deskPayment`): the balance invoicer's hourly sweep calls it
 * once the request is older than `DESK_PAYMENT_REQUEST_GRACE_MS`. The same record as the request's
 * (its payment id, method and amount, paid when staff asked), so staff submitting it again at the
 * same moment with the same key get this payment back (200), with another key 409
 * `invoice_already_paid`: one payment either way. Answers 'finished' (recorded by this call),
 * 'recorded' (by another call first) or 'not_recorded' for a request recorded before its method and
 * amount were (staff record it again).
 */
export const finishDeskPaymentRequest = async (
  store: Store,
  invoice: BalanceInvoice,
  now: Date,
  options: DeskPaymentOptions & { port?: DeskPaymentsPort } = {},
): Promise<'finished' | 'recorded' | 'not_recorded'> => {
  const request = invoice.deskPaymentRequest;
  if (!request?.method || request.amountCents === undefined) return 'not_recorded';
  const payment = { paymentId: request.paymentId, method: request.method, amountCents: request.amountCents, paidAt: request.requestedAt };
  const { created } = await settleAtDesk(store, invoice.practiceId, invoice.invoiceId, payment, now, options.port ?? DESK_PAYMENTS_STORE, options);
  return created ? 'finished' : 'recorded';
};

const settleAtDesk = async (
  store: Store,
  practiceId: string,
  invoiceId: string,
  { paymentId, method, amountCents, paidAt }: Omit<DeskPayment, 'paidAt'> & { paidAt?: string },
  now: Date,
  port: DeskPaymentsPort,
  options: DeskPaymentOptions,
): Promise<{ created: boolean; payment: DeskPaymentAnswer }> => {
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    let invoice = await port.getInvoice(store, practiceId, invoiceId);
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
    const payment: DeskPayment = { paymentId, method, amountCents, paidAt: paidAt ?? now.toISOString() };
    const draft = deskPaymentDeletesDraft(invoice) ? invoice.stripeInvoiceId : null;
    let draftLeft = false;
    if (draft) {
      if (!options.stripe) throw new Error('recordDeskPayment: a held Stripe draft needs options.stripe');
      const practice = await port.getPractice(store, practiceId);
      if (!practice) throw new NotFoundError('practice');
      // Recorded before Stripe is asked: a send that then finds the draft gone stops (stripe-saga.ts),
      // and a retry after a crash between the delete and the record finishes this payment.
      if (invoice.deskPaymentRequest?.stripeInvoiceId !== draft) {
        invoice = await port.recordInvoiceProgress(store, invoice, { deskPaymentRequest: { paymentId, stripeInvoiceId: draft, requestedAt: now.toISOString(), method, amountCents } });
      }
      await options.after?.('requested');
      draftLeft = (await deleteHeldDraft(options.stripe, practice, invoice, draft)) === 'left';
      await options.after?.('stripe-deleted');
    }
    try {
      const committed = await port.commitOnce(
        store,
        {
          marker: { ...port.keys.marker(practiceId, 'desk-payment', invoiceId), result: payment },
          writes: [
            port.invoiceVersionedUpdate(
              invoice,
              // A deleted draft leaves nothing on Stripe: no Stripe invoice is recorded (refunds, voids and reminders look for none).
              {
                status: 'paid',
                amountPaidCents: amountCents,
                paidAt: payment.paidAt,
                deskPayment: payment,
                ...(draft ? { stripeInvoiceId: null, stripeInvoiceItemId: null } : {}),
                // Out of kneadpay's reach on a disconnected account: the request names the draft left there.
                ...(draftLeft && invoice.deskPaymentRequest ? { deskPaymentRequest: { ...invoice.deskPaymentRequest, draftLeftOnAccount: true } } : {}),
              },
              now,
            ),
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
