/**
 * Staff write off what a balance invoice still asks for: a hardship or courtesy waiver, a balance too
 * small to collect, a bad debt (docs/decisions/014-write-offs.md). The invoice is closed where the
 * client could pay it — voided on Stripe (Stripe: a void invoice is not payable; an `uncollectible`
 * one still is), never sent if it was held — and then, exactly once, in one transaction: the invoice
 * `void` with its write-off, the claim closed and its balance version moved on, a `balance_writeoff`
 * ledger entry that zeroes what was owed, the audit item and PatientBalanceWrittenOff. No email: the
 * client is told nothing by kneadpay (the practice says it in person; a Stripe invoice voided sends none).
 */
import { minimumChargeCents } from '../domain/charge-minimum';
import { invoiceHold, invoiceStripeAccount, shownInvoiceHold, type BalanceInvoice, type PartialWriteOff, type WriteOff, type WriteOffRequest } from '../domain/invoice';
import { formatMoney } from '../shared/html';
import type { Practice } from '../domain/practice';
import { ConflictError, NotFoundError, RetryableError, ValidationError } from '../shared/errors';
import { deriveId, newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { writeOffBody } from '../shared/schemas/requests';
import { CommitConflictError } from '../store/commit';
import type { Store } from '../store/table';
import { StripeRefusedError, type StripeScope } from '../stripe/gateway';
import { createCreditNote, deleteDraftInvoice, findCreditNoteByMetadata, retrieveInvoice, voidInvoice } from '../stripe/invoices';
import type { Stripe } from '../stripe/types';
import type { WriteOffsPort } from './ports';
import { commitPartialWriteOff, finishPartialWriteOff, partialWriteOffCommit, WRITE_OFF_REQUEST_GRACE_MS, WRITE_OFFS_STORE, writeOffCommit } from './write-off-commit';

export interface WriteOffDeps {
  store: Store;
  stripe: () => Promise<Stripe>;
  port?: WriteOffsPort;
  /**
   * Test hook: called once the invoice is closed on Stripe (`stripe-closed`) or credited there (a
   * partial write-off: `stripe-credited`), before the commit (a throw there is a crash between the two).
   */
  after?: (step: 'stripe-closed' | 'stripe-credited') => void | Promise<void>;
}

export interface WriteOffAnswer extends WriteOff {
  invoiceId: string;
  claimId: string;
  clientId: string;
  /** `written_off` once all of it is; after a partial write-off, the invoice's status as `GET …/invoices` shows it. */
  status: string;
  currency: string;
  /** What the invoice still asks for after this write-off (0 once all of it is written off). */
  amountRemainingCents: number;
  /** A partial write-off of an invoice on Stripe: the credit note that lowered it (null: held, never on Stripe). */
  creditNoteId?: string | null;
}

const answerOf = (invoice: BalanceInvoice, writeOff: WriteOff): WriteOffAnswer => ({
  invoiceId: invoice.invoiceId,
  claimId: invoice.claimId,
  clientId: invoice.clientId,
  status: 'written_off',
  currency: invoice.currency,
  ...writeOff,
  amountRemainingCents: 0,
});

/** The answer for a partial write-off, from the invoice as it is after it (or later). */
const partAnswerOf = (invoice: BalanceInvoice, part: PartialWriteOff): WriteOffAnswer => ({
  invoiceId: invoice.invoiceId,
  claimId: invoice.claimId,
  clientId: invoice.clientId,
  status: invoice.writeOff ? 'written_off' : (shownInvoiceHold(invoice) ?? invoice.status),
  currency: invoice.currency,
  ...part,
  amountRemainingCents: remainingOf(invoice),
});

/** What the invoice still asks for. */
const remainingOf = (invoice: BalanceInvoice): number => (invoice.writeOff ? 0 : invoice.amountDueCents - invoice.amountPaidCents);

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

/** The idempotency key of a partial write-off's credit note: one credit note per write-off, whoever asks. */
const creditNoteKey = (invoiceId: string, writeOffId: string) => `inv:${invoiceId}:writeoff:${writeOffId}`;

/**
 * Lowers the invoice on Stripe by a partial write-off: one pre-payment credit note (Stripe's API
 * reference, "Create a credit note": it reduces the invoice's `amount_remaining` and `amount_due`),
 * found by its metadata if an earlier attempt made it, else made with a key built from the write-off
 * id. No `reason`, no `memo` (the customer sees both on the credit note), no email (`email_type`).
 * A payment or a void that got there first wins: the write-off is refused.
 */
const creditOnStripe = async (stripe: () => Promise<Stripe>, practice: Practice, invoice: BalanceInvoice, asked: WriteOffRequest & { amountCents: number }): Promise<string> => {
  const scope: StripeScope = { stripe: await stripe(), account: invoiceStripeAccount(invoice, practice) };
  const stripeInvoiceId = invoice.stripeInvoiceId!;
  try {
    const found = await findCreditNoteByMetadata(scope, stripeInvoiceId, asked.writeOffId);
    if (found) return found.id;
    const current = await retrieveInvoice(scope, stripeInvoiceId);
    if (current.status === 'paid')
      throw new ConflictError('the client paid this invoice on Stripe meanwhile: there is no balance left to write off', 'invoice_already_paid', { field: 'invoiceId', status: 'paid' });
    if (current.status !== 'open' && current.status !== 'uncollectible')
      throw new ConflictError(`this invoice is ${current.status} on Stripe: part of it cannot be written off`, 'invoice_void', { field: 'invoiceId', status: current.status });
    const note = await createCreditNote(
      scope,
      { invoice: stripeInvoiceId, amount: asked.amountCents, email_type: 'none', metadata: { practiceId: invoice.practiceId, invoiceId: invoice.invoiceId, writeOffId: asked.writeOffId } },
      creditNoteKey(invoice.invoiceId, asked.writeOffId),
    );
    return note.id;
  } catch (error) {
    // Out of kneadpay's reach (its owner disconnected kneadpay): said as the write-off of all of it says it (bug 108), not in Stripe's words.
    if (outOfReach(error))
      throw new ConflictError(
        "the practice's Stripe account is disconnected from kneadpay: this invoice stays payable in full on its Stripe page and kneadpay can no longer lower it (the account's owner can, with a credit note in the Stripe Dashboard)",
        'stripe_account_disconnected',
        { field: 'invoiceId', status: invoice.status },
      );
    throw error;
  }
};

const isConditionFailure = (error: unknown) => (error as Error)?.name === 'ConditionalCheckFailedException';

/** Clears a write-off's request nothing of which happened (stored `null`: read as absent), only while it is still `requested`. */
const dropWriteOffRequest = async (deps: WriteOffDeps, port: WriteOffsPort, invoice: BalanceInvoice, requested: WriteOffRequest): Promise<void> => {
  await port
    .recordInvoiceProgress(deps.store, invoice, { writeOffRequest: null } as unknown as Partial<BalanceInvoice>, { attribute: 'writeOffRequest', expected: requested })
    .catch((dropped: Error) => {
      if (!isConditionFailure(dropped)) throw dropped;
    });
};

/**
 * `POST /practices/{p}/invoices/{invoiceId}/write-offs` `{reason, note?, amountCents?}`: writes off
 * what the invoice still asks for, once — or, with `amountCents` less than that, part of it: the
 * invoice goes on asking for the rest (docs/decisions/014-write-offs.md, "Part of a balance"). With an
 * `Idempotency-Key` a retry answers the first record (created: false) and another body under the same
 * key is a 409 `idempotency_key_reused`; any other write-off of a written-off invoice is a 409
 * `invoice_already_written_off`. Two partial write-offs of one invoice are two write-offs (each its own
 * key, or none); while one is being recorded another is a 409 `write_off_in_progress`.
 */
export const writeOffBalance = async (
  deps: WriteOffDeps,
  practiceId: string,
  invoiceId: string,
  body: Record<string, unknown>,
  request: { idempotencyKey: string | undefined; actor: string },
  now = new Date(),
): Promise<{ created: boolean; writeOff: WriteOffAnswer }> => {
  const { reason, note, amountCents } = parseBody(writeOffBody, body);
  const writeOffId = request.idempotencyKey ? deriveId('wo', practiceId, invoiceId, request.idempotencyKey) : newId('wo');
  return settleWriteOff(deps, practiceId, invoiceId, { writeOffId, reason, note: note ?? null, writtenOffBy: request.actor, requestedAt: now.toISOString() }, amountCents, now);
};

/**
 * Finishes a write-off of all of an invoice whose request died after it was recorded
 * (`writeOffRequest` without `amountCents`, no `writeOff`) on an invoice never emailed to the client —
 * a held draft deleted on Stripe (Stripe sends no `invoice.voided` for a deleted draft), or one the
 * request died before closing: the balance invoicer's hourly sweep calls it once the request is older
 * than `WRITE_OFF_REQUEST_GRACE_MS`. The same write-off as the request's (its id, reason, note and
 * author), so staff asking again at the same moment with the same key get it back (200), with another
 * key 409 `invoice_already_written_off`. (A partial one left unfinished is finished by the next
 * write-off request or the invoice's `invoice.paid`: `finishPartialWriteOff`.)
 */
export const finishWriteOffRequest = async (deps: WriteOffDeps, invoice: BalanceInvoice, now: Date): Promise<{ created: boolean; writeOff: WriteOffAnswer }> => {
  const { writeOffId, reason, note, writtenOffBy, requestedAt } = invoice.writeOffRequest!;
  return settleWriteOff(deps, invoice.practiceId, invoice.invoiceId, { writeOffId, reason, note, writtenOffBy, requestedAt }, undefined, now);
};

const settleWriteOff = async (
  deps: WriteOffDeps,
  practiceId: string,
  invoiceId: string,
  asking: WriteOffRequest,
  amountCents: number | undefined,
  now: Date,
): Promise<{ created: boolean; writeOff: WriteOffAnswer }> => {
  const port = deps.port ?? WRITE_OFFS_STORE;
  const { writeOffId, reason, note } = asking;
  const sameBody = (recorded: WriteOffRequest, recordedAmount: number) => recorded.reason === reason && recorded.note === note && (amountCents === undefined || amountCents === recordedAmount);
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    let invoice = await port.getInvoice(deps.store, practiceId, invoiceId);
    if (!invoice) throw new NotFoundError('invoice');
    const part = invoice.partialWriteOffs?.find((recorded) => recorded.writeOffId === writeOffId);
    if (part) {
      if (!sameBody(part, part.amountCents) || amountCents === undefined) throw new ConflictError('this Idempotency-Key was used for a different write-off', 'idempotency_key_reused');
      return { created: false, writeOff: partAnswerOf(invoice, part) };
    }
    const recorded = invoice.writeOff;
    if (recorded) {
      if (recorded.writeOffId !== writeOffId) throw new ConflictError('this invoice is already written off', 'invoice_already_written_off', { field: 'invoiceId', status: 'written_off' });
      if (!sameBody(recorded, recorded.amountCents)) throw new ConflictError('this Idempotency-Key was used for a different write-off', 'idempotency_key_reused');
      return { created: false, writeOff: answerOf(invoice, recorded) };
    }
    const refused = refusal(invoice);
    if (refused) throw refused;
    // Another write-off of this invoice is under way: a live one finishes itself; a partial one left
    // unfinished is finished (its credit note is on Stripe) or dropped, then this one is decided again.
    const pending = invoice.writeOffRequest;
    if (pending && pending.writeOffId !== writeOffId && (pending.amountCents !== undefined || amountCents !== undefined)) {
      const live = now.getTime() - Date.parse(pending.requestedAt) < WRITE_OFF_REQUEST_GRACE_MS;
      if (live || pending.amountCents === undefined)
        throw new ConflictError(
          pending.amountCents === undefined
            ? 'a write-off of all of this invoice was asked and is not finished: send that request again to finish it'
            : 'another write-off of this invoice is being recorded: try again in a minute',
          'write_off_in_progress',
          { field: 'invoiceId' },
        );
      await finishPartialWriteOff(deps, port, invoice, { ...pending, amountCents: pending.amountCents }, now);
      continue;
    }
    if (pending?.writeOffId === writeOffId && pending.amountCents !== undefined && (amountCents === undefined || !sameBody(pending, pending.amountCents)))
      throw new ConflictError('this Idempotency-Key was used for a different write-off', 'idempotency_key_reused');
    const remaining = invoice.amountDueCents - invoice.amountPaidCents;
    // A retry of a partial write-off whose request is recorded keeps its amount, whatever remains now.
    const partial = amountCents !== undefined && (amountCents < remaining || (pending?.writeOffId === writeOffId && pending.amountCents === amountCents));
    if (amountCents !== undefined && !partial && amountCents > remaining)
      throw new ValidationError(`amountCents must be at most ${remaining} (${formatMoney(remaining, invoice.currency)}), what the invoice still asks for`, { field: 'amountCents' });
    const claim = await port.getClaim(deps.store, practiceId, invoice.claimId);
    if (!claim) throw new NotFoundError('claim');
    const claimBalanceVersion = (claim as { balanceVersion?: number }).balanceVersion ?? 0;

    if (partial) {
      const onStripe = invoice.status === 'open' || invoice.status === 'uncollectible';
      const held = invoice.status === 'pending' && !invoice.stripeInvoiceId && invoiceHold(invoice) !== null;
      if (!onStripe && !held)
        throw new ConflictError('this invoice is on its way to Stripe: write off part of it once it is open, or all of it now', 'invoice_being_sent', { field: 'invoiceId', status: invoice.status });
      // Stripe charges nothing below its minimum (docs.stripe.com/currencies): an open invoice left
      // asking less could not be paid on its page. A held one is held as below_minimum instead.
      const minimum = minimumChargeCents(invoice.currency);
      if (onStripe && remaining - amountCents < minimum && pending?.writeOffId !== writeOffId)
        throw new ValidationError(
          `amountCents would leave ${formatMoney(remaining - amountCents, invoice.currency)}, less than Stripe's minimum charge (${formatMoney(minimum, invoice.currency)}): write off at most ${remaining - minimum}, or all of it (${remaining})`,
          { field: 'amountCents' },
        );
      const asked = { ...asking, amountCents };
      if (pending?.writeOffId !== writeOffId) {
        // Recorded before Stripe is asked, only while no other write-off is: a retry after a crash
        // (or the next write-off request) finds it and finishes it.
        try {
          invoice = await port.recordInvoiceProgress(deps.store, invoice, { writeOffRequest: asked }, { attribute: 'writeOffRequest', expected: null, absent: 'writeOff' });
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          continue;
        }
      }
      const requested = invoice.writeOffRequest!;
      let creditNoteId: string | null = null;
      if (onStripe) {
        const practice = await port.getPractice(deps.store, practiceId);
        if (!practice) throw new NotFoundError('practice');
        try {
          creditNoteId = await creditOnStripe(deps.stripe, practice, invoice, { ...requested, amountCents });
        } catch (error) {
          // Refused (paid or void meanwhile, or Stripe would not credit it): nothing of it happened, so
          // its request goes, and the next write-off of the invoice is not held up by it.
          if (error instanceof ConflictError || error instanceof StripeRefusedError) await dropWriteOffRequest(deps, port, invoice, requested);
          throw error;
        }
      }
      await deps.after?.('stripe-credited');
      const written: PartialWriteOff = { ...requested, amountCents, writtenOffAt: now.toISOString(), creditNoteId };
      try {
        const status = await commitPartialWriteOff(deps, port, invoice, claimBalanceVersion, written, now);
        // Committed by another request meanwhile (the same key): the next pass answers from its record.
        if (status === 'committed') return { created: true, writeOff: partAnswerOf(partialWriteOffCommit(port, invoice, claimBalanceVersion, written, now).after, written) };
      } catch (error) {
        // The invoice or the claim's balance moved meanwhile: decide again (the credit note is found by its metadata).
        if (!(error instanceof CommitConflictError)) throw error;
      }
      continue;
    }

    const asked: WriteOffRequest = asking;
    let draftLeft = false;
    if (invoice.stripeInvoiceId && invoice.status !== 'void') {
      const practice = await port.getPractice(deps.store, practiceId);
      if (!practice) throw new NotFoundError('practice');
      // Recorded before Stripe is asked: if Stripe's void lands and this request dies, a retry (or the
      // next write-off request) still knows the void was a write-off's and finishes it. Not over a
      // partial write-off being recorded meanwhile (decided again), and not while the invoice's email
      // is being sent (its lease held): the email goes out first, or never.
      const requested = await port.recordWriteOffRequest(deps.store, invoice, asked, pending ?? null);
      if (requested === 'changed') continue;
      if (requested === 'emailing') throw new RetryableError('this balance invoice is being emailed to the client right now: write it off again in a minute');
      invoice = requested;
      try {
        draftLeft = (await closeOnStripe(deps.stripe, practice, invoice)) === 'left';
      } catch (error) {
        // Refused (paid on Stripe meanwhile, not voidable now, or out of kneadpay's reach on an account
        // its owner disconnected): nothing of it happened, so its request goes with the refusal — as a
        // partial one's does — else the hourly sweep would retry and log it every hour, and the next
        // write-off be told one is in progress. Once, and only this request (another may have replaced it).
        if (error instanceof ConflictError) await dropWriteOffRequest(deps, port, invoice, invoice.writeOffRequest!);
        throw error;
      }
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
          ...writeOffCommit(port, invoice, claimBalanceVersion, writeOff, now),
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
