/**
 * Staff write off what a balance invoice still asks for: a hardship or courtesy waiver, a balance too
 * small to collect, a bad debt (docs/decisions/014-write-offs.md). The invoice is closed where the
 * client could pay it — voided on Stripe (Stripe: a void invoice is not payable; an `uncollectible`
 * one still is), never sent if it was held — and then, exactly once, in one transaction: the invoice
 * `void` with its write-off, the claim closed and its balance version moved on, a `balance_writeoff`
 * ledger entry that zeroes what was owed, the audit item and PatientBalanceWrittenOff. No email: the
 * client is told nothing by kneadpay (the practice says it in person; a Stripe invoice voided sends none).
 */
import { invoiceStripeAccount, type BalanceInvoice, type WriteOff, type WriteOffRequest } from '../domain/invoice';
import type { Practice } from '../domain/practice';
import { ConflictError, NotFoundError, RetryableError } from '../shared/errors';
import { deriveId, newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { writeOffBody } from '../shared/schemas/requests';
import { CommitConflictError } from '../store/commit';
import type { Store } from '../store/table';
import { StripeRefusedError, type StripeScope } from '../stripe/gateway';
import { deleteDraftInvoice, retrieveInvoice, voidInvoice } from '../stripe/invoices';
import type { Stripe } from '../stripe/types';
import type { WriteOffsPort } from './ports';
import { WRITE_OFFS_STORE, writeOffCommit } from './write-off-commit';

export interface WriteOffDeps {
  store: Store;
  stripe: () => Promise<Stripe>;
  port?: WriteOffsPort;
  /** Test hook: called once the invoice is closed on Stripe, before the commit (a throw there is a crash between the two). */
  after?: (step: 'stripe-closed') => void | Promise<void>;
}

export interface WriteOffAnswer extends WriteOff {
  invoiceId: string;
  claimId: string;
  clientId: string;
  status: 'written_off';
  currency: string;
}

const answerOf = (invoice: BalanceInvoice, writeOff: WriteOff): WriteOffAnswer => ({
  invoiceId: invoice.invoiceId,
  claimId: invoice.claimId,
  clientId: invoice.clientId,
  status: 'written_off',
  currency: invoice.currency,
  ...writeOff,
});

/** Whether the invoice's `void` is the Stripe void of a write-off asked for before (a crash, or Stripe's `invoice.voided`, came in between). */
const voidedByWriteOff = (invoice: BalanceInvoice) => invoice.status === 'void' && !!invoice.writeOffRequest && !invoice.voidRequested;

/** Why this invoice cannot be written off, or undefined. */
const refusal = (invoice: BalanceInvoice): ConflictError | undefined => {
  if (invoice.status === 'paid') return new ConflictError('this invoice is paid: there is no balance left to write off', 'invoice_already_paid', { field: 'invoiceId', status: 'paid' });
  if ((invoice.status === 'void' || invoice.voidRequested) && !voidedByWriteOff(invoice)) {
    return new ConflictError('this invoice is void (a later adjudication replaced it): there is no balance on it to write off', 'invoice_void', { field: 'invoiceId', status: 'void' });
  }
  return undefined;
};

/** Stripe's answer when the platform has no access to the account any more (its owner disconnected kneadpay). */
const outOfReach = (error: unknown) => error instanceof StripeRefusedError && error.stripeCode === 'account_invalid';

/**
 * On an account its owner disconnected (`account_invalid`: the platform's key has no access) a draft
 * — the invoice as kneadpay recorded it, never finalized by kneadpay — can be neither deleted nor ever
 * finalized by kneadpay, and a draft is never payable and sends nothing: 'left' (the write-off is
 * recorded, the draft named as left there, as a desk payment of it is). A finalized invoice there
 * stays payable on its Stripe page and kneadpay cannot void it: refused, saying so.
 */
const disconnected = (invoice: BalanceInvoice): 'left' => {
  if (invoice.status === 'pending' || invoice.status === 'draft') return 'left';
  throw new ConflictError(
    "the practice's Stripe account is disconnected from kneadpay: this invoice stays payable on its Stripe page and kneadpay can no longer void it (the account's owner can, in the Stripe Dashboard)",
    'stripe_account_disconnected',
    { field: 'invoiceId', status: invoice.status },
  );
};

/**
 * Closes the invoice on Stripe so the client can no longer pay it and Stripe sends nothing more: an
 * open (or uncollectible) invoice is voided, a draft deleted. A payment that got there first wins:
 * the write-off is refused (its `invoice.paid` records the payment as any other).
 */
const closeOnStripe = async (stripe: () => Promise<Stripe>, practice: Practice, invoice: BalanceInvoice): Promise<'closed' | 'left'> => {
  const scope: StripeScope = { stripe: await stripe(), account: invoiceStripeAccount(invoice, practice) };
  let current: Stripe.Invoice;
  try {
    current = await retrieveInvoice(scope, invoice.stripeInvoiceId!);
  } catch (error) {
    // A draft deleted by an earlier attempt: nothing left on Stripe to pay.
    if (error instanceof StripeRefusedError && error.stripeCode === 'resource_missing') return 'closed';
    if (outOfReach(error)) return disconnected(invoice);
    throw error;
  }
  if (current.status === 'paid')
    throw new ConflictError('the client paid this invoice on Stripe meanwhile: there is no balance left to write off', 'invoice_already_paid', { field: 'invoiceId', status: 'paid' });
  if (current.status === 'draft') {
    try {
      await deleteDraftInvoice(scope, current.id);
    } catch (error) {
      if (outOfReach(error)) return disconnected(invoice);
      throw error;
    }
  } else if (current.status === 'open' || current.status === 'uncollectible') {
    try {
      // The key the balance invoicer's void uses too: one void, whoever asks.
      await voidInvoice(scope, current.id, `inv:${invoice.invoiceId}:void`);
    } catch (error) {
      if (!(error instanceof StripeRefusedError)) throw error;
      if (outOfReach(error)) return disconnected(invoice);
      // Stripe refuses to void an invoice whose payment is processing (a bank debit): it may yet be paid.
      throw new ConflictError(`Stripe would not void this invoice now (${error.message}): write it off once its payment has ended`, 'invoice_not_voidable', { field: 'invoiceId' });
    }
  }
  return 'closed';
};

/**
 * `POST /practices/{p}/invoices/{invoiceId}/write-offs` `{reason, note?}`: writes off what the
 * invoice still asks for, once. With an `Idempotency-Key` a retry answers the first record (created:
 * false) and another body under the same key is a 409 `idempotency_key_reused`; any other write-off
 * of a written-off invoice is a 409 `invoice_already_written_off`.
 */
export const writeOffBalance = async (
  deps: WriteOffDeps,
  practiceId: string,
  invoiceId: string,
  body: Record<string, unknown>,
  request: { idempotencyKey: string | undefined; actor: string },
  now = new Date(),
): Promise<{ created: boolean; writeOff: WriteOffAnswer }> => {
  const { reason, note } = parseBody(writeOffBody, body);
  const writeOffId = request.idempotencyKey ? deriveId('wo', practiceId, invoiceId, request.idempotencyKey) : newId('wo');
  return settleWriteOff(deps, practiceId, invoiceId, { writeOffId, reason, note: note ?? null, writtenOffBy: request.actor, requestedAt: now.toISOString() }, now);
};

/**
 * Finishes a write-off whose request died after it was recorded (`writeOffRequest`, no `writeOff`)
 * on an invoice never emailed to the client — a held draft deleted on Stripe (Stripe sends no
 * `invoice.voided` for a deleted draft), or one the request died before closing: the balance
 * invoicer's hourly sweep calls it once the request is older than `WRITE_OFF_REQUEST_GRACE_MS`.
 * The same write-off as the request's (its id, reason, note and author), so staff asking again at the
 * same moment with the same key get it back (200), with another key 409 `invoice_already_written_off`.
 */
export const finishWriteOffRequest = async (deps: WriteOffDeps, invoice: BalanceInvoice, now: Date): Promise<{ created: boolean; writeOff: WriteOffAnswer }> =>
  settleWriteOff(deps, invoice.practiceId, invoice.invoiceId, invoice.writeOffRequest!, now);

const settleWriteOff = async (
  deps: WriteOffDeps,
  practiceId: string,
  invoiceId: string,
  { writeOffId, reason, note, writtenOffBy, requestedAt }: WriteOffRequest,
  now: Date,
): Promise<{ created: boolean; writeOff: WriteOffAnswer }> => {
  const port = deps.port ?? WRITE_OFFS_STORE;
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    let invoice = await port.getInvoice(deps.store, practiceId, invoiceId);
    if (!invoice) throw new NotFoundError('invoice');
    const recorded = invoice.writeOff;
    if (recorded) {
      if (recorded.writeOffId !== writeOffId) throw new ConflictError('this invoice is already written off', 'invoice_already_written_off', { field: 'invoiceId', status: 'written_off' });
      if (recorded.reason !== reason || recorded.note !== note) throw new ConflictError('this Idempotency-Key was used for a different write-off', 'idempotency_key_reused');
      return { created: false, writeOff: answerOf(invoice, recorded) };
    }
    const refused = refusal(invoice);
    if (refused) throw refused;
    const claim = await port.getClaim(deps.store, practiceId, invoice.claimId);
    if (!claim) throw new NotFoundError('claim');
    const asked: WriteOffRequest = { writeOffId, reason, note, writtenOffBy, requestedAt };
    let draftLeft = false;
    if (invoice.stripeInvoiceId && invoice.status !== 'void') {
      const practice = await port.getPractice(deps.store, practiceId);
      if (!practice) throw new NotFoundError('practice');
      // Recorded before Stripe is asked: if Stripe's void lands and this request dies, a retry (or the
      // next write-off request) still knows the void was a write-off's and finishes it.
      // Not while the invoice's email is being sent (its lease held): the email goes out first, or never.
      const requested = await port.recordWriteOffRequest(deps.store, invoice, asked);
      if (!requested) throw new RetryableError('this balance invoice is being emailed to the client right now: write it off again in a minute');
      invoice = requested;
      draftLeft = (await closeOnStripe(deps.stripe, practice, invoice)) === 'left';
    }
    await deps.after?.('stripe-closed');
    const writeOff: WriteOff = {
      ...asked,
      amountCents: invoice.amountDueCents - invoice.amountPaidCents,
      writtenOffAt: now.toISOString(),
      ...(draftLeft ? { draftLeftOnAccount: true } : {}),
    };
    try {
      const committed = await port.commitOnce(
        deps.store,
        {
          marker: { ...port.keys.marker(practiceId, 'write-off', invoiceId), result: writeOff },
          ...writeOffCommit(port, invoice, (claim as { balanceVersion?: number }).balanceVersion ?? 0, writeOff, now),
        },
        now,
      );
      // Another request wrote it off between our read and our commit: answer from what it stored.
      if (committed.status === 'duplicate') continue;
      return { created: true, writeOff: answerOf(invoice, writeOff) };
    } catch (error) {
      // The invoice or the claim's balance moved meanwhile (a plan, the send of a held invoice, a Stripe event): decide again.
      if (!(error instanceof CommitConflictError)) throw error;
    }
  }
  throw new RetryableError('the invoice kept changing while the write-off was recorded');
};
