/**
 * The sweep of held balance invoices: nothing left waiting for an event that was lost. A held
 * invoice goes out on an event — `StripeAccountUpdated` once the practice's account can charge, a
 * client's email saved through `PATCH …/clients/{c}` — and a lost one (the balance invoicer's
 * dead-letter queue, a request that died after the save) left it waiting for the next. The balance
 * invoicer's hourly schedule (lib/wiring.ts SCHEDULES) resumes every held invoice whose reason is
 * gone, over every practice. It also finishes a desk payment or a write-off whose request died
 * midway and that no event finishes (`staffRequestToFinish`), and releases every patient balance
 * that waited for a payer longer than its practice allows (`releaseOverdueBalanceHolds`, holds.ts).
 */
import { deskPaymentDeletesDraft, heldForAccount, INVOICE_HOLD_RULES, invoiceHolds, writeOffAskedInFull, type BalanceInvoice, type ChargingAccount } from '../../domain/invoice';
import { errorFields } from '../../shared/logger';
import { DESK_PAYMENT_REQUEST_GRACE_MS, finishDeskPaymentRequest } from '../desk-payments';
import { WRITE_OFF_REQUEST_GRACE_MS } from '../write-off-commit';
import { finishWriteOffRequest } from '../write-offs';
import { invoicesOf, type InvoicingDeps } from './deps';
import { releaseOverdueBalanceHolds } from './holds';
import { listHeldInvoices } from './resume';
import { driveInvoice } from './stripe-saga';

export interface PracticeSweep {
  /** Held invoices whose hold an event resumes (`needs_email`, `awaiting_stripe`). */
  held: number;
  /** Driven and now emailed to the client. */
  sent: number;
  /** Being sent by another run at the same moment (the event's resume): left to it. */
  busy: number;
  /** Desk payments and write-offs whose request died midway, finished (`staffRequestToFinish`). */
  finished: number;
}

/**
 * A staff request the invoice carries that died midway and that nothing else finishes, once it is
 * older than its grace (a live request finishes itself): a desk payment of a held draft whose draft
 * was deleted (or is being deleted) and whose payment is not recorded — Stripe sends nothing kneadpay
 * acts on for a deleted draft —; a write-off of an invoice never emailed whose record is missing (a
 * held draft deleted, no event; or a request that died before closing it on Stripe). A write-off
 * of an invoice the client was emailed is left to Stripe's `invoice.voided` (core/invoice-effects.ts)
 * and to the request's retry, as before.
 */
const staffRequestToFinish = (invoice: BalanceInvoice, now: Date): 'desk' | 'write-off' | undefined => {
  const older = (requestedAt: string, graceMs: number) => now.getTime() - Date.parse(requestedAt) >= graceMs;
  if (invoice.deskPaymentRequest && !invoice.deskPayment && deskPaymentDeletesDraft(invoice) && older(invoice.deskPaymentRequest.requestedAt, DESK_PAYMENT_REQUEST_GRACE_MS)) return 'desk';
  if (writeOffAskedInFull(invoice) && !invoice.writeOff && !invoice.emailedAt && !invoice.voidRequested && older(invoice.writeOffRequest.requestedAt, WRITE_OFF_REQUEST_GRACE_MS)) return 'write-off';
  return undefined;
};

/**
 * Finishes the staff request `staffRequestToFinish` names; answers `finished` (by this sweep),
 * `ended` (staff finished it first, or it cannot be finished here) or `to-saga`. Staff finishing it
 * at the same moment is fine (one commit, one marker): their answer or a refusal naming the outcome
 * (`invoice_already_paid`, `invoice_already_written_off`) ends it here too; a desk request the send
 * beat (Stripe finalized the draft first, `not_collectable_at_desk`) leaves the invoice to the saga.
 */
const finishStaffRequest = async (deps: InvoicingDeps, invoice: BalanceInvoice, kind: 'desk' | 'write-off', now: Date): Promise<'finished' | 'ended' | 'to-saga'> => {
  const at = { practiceId: invoice.practiceId, invoiceId: invoice.invoiceId };
  try {
    if (kind === 'desk') {
      const desk = await finishDeskPaymentRequest(deps.store, invoice, now, { stripe: deps.stripe });
      if (desk === 'not_recorded') deps.logger?.warn('a desk payment request died midway and was recorded without its method: staff record it again', at);
      if (desk !== 'finished') return 'ended';
    } else if (!(await finishWriteOffRequest({ store: deps.store, stripe: deps.stripe }, invoice, now)).created) return 'ended';
    deps.logger?.info(`a ${kind === 'desk' ? 'desk payment' : 'write-off'} whose request died midway finished by the sweep`, at);
    return 'finished';
  } catch (error) {
    if ((error as Error).name !== 'ConflictError') throw error;
    const code = (error as { code?: string }).code;
    deps.logger?.info(`a ${kind === 'desk' ? 'desk payment' : 'write-off'} whose request died midway was not finished: ${code}`, at);
    return code === 'not_collectable_at_desk' ? 'to-saga' : 'ended';
  }
};

/**
 * Resumes the practice's held invoices whose reason is gone: an `awaiting_stripe` one once its
 * account can charge (read once for the practice), a `needs_email` one through the saga, which
 * reads the client's email and leaves it held, with no write, while there is none. `below_minimum`
 * is never resumed (its amount never changes). Exactly once against the event's resume racing it:
 * the saga's Stripe keys are the invoice's, the issue is marked once and the email is sent under
 * its lease; the run that finds the lease taken leaves the invoice to the other (`busy`).
 */
export const sweepPracticeHeldInvoices = async (deps: InvoicingDeps, practiceId: string, now = new Date()): Promise<PracticeSweep> => {
  const store = invoicesOf(deps);
  const held = await listHeldInvoices(
    deps,
    practiceId,
    (invoice) => invoiceHolds(invoice).some((hold) => INVOICE_HOLD_RULES[hold].resumedBy !== null) || staffRequestToFinish(invoice, now) !== undefined,
  );
  const sweep: PracticeSweep = { held: held.length, sent: 0, busy: 0, finished: 0 };
  if (!held.length) return sweep;
  const practice = await store.getPractice(practiceId);
  if (!practice) return sweep;
  let account: ChargingAccount | undefined;
  for (const listed of held) {
    const request = staffRequestToFinish(listed, now);
    if (request) {
      // Before the account's hold: a desk payment or a write-off is finished whatever the account says.
      const current = await store.getInvoice(practiceId, listed.invoiceId);
      const still = current && staffRequestToFinish(current, now);
      const outcome = still ? await finishStaffRequest(deps, current, still, now) : 'ended';
      if (outcome === 'finished') sweep.finished += 1;
      if (outcome !== 'to-saga') continue;
    }
    const holds = invoiceHolds(listed);
    if (holds.includes('awaiting_stripe') && heldForAccount(listed, (account ??= await store.chargingAccount(practiceId)))) continue;
    const current = await store.getInvoice(practiceId, listed.invoiceId);
    if (!current) continue;
    let driven: BalanceInvoice;
    try {
      driven = await driveInvoice(deps, practice, current, now);
    } catch (error) {
      // The email's lease is held: another run (the event's resume) is sending this invoice now.
      if ((error as Error).name !== 'RetryableError') throw error;
      sweep.busy += 1;
      continue;
    }
    if (driven.emailedAt) sweep.sent += 1;
  }
  return sweep;
};

/**
 * One sweep over every practice (every page of the practices index). One practice's failure does
 * not stop the others; the run fails at the end, so the schedule's retries and its dead-letter
 * alarm see it.
 */
export const sweepHeldInvoices = async (deps: InvoicingDeps, now = new Date()) => {
  const totals = { practices: 0, held: 0, sent: 0, busy: 0, finished: 0, failed: 0 };
  // Patient balances that waited for a payer past the practice's `billing.payerWaitDays` (holds.ts).
  let releasedHolds = 0;
  for (const practiceId of await invoicesOf(deps).listPracticeIds()) {
    totals.practices += 1;
    try {
      const sweep = await sweepPracticeHeldInvoices(deps, practiceId, now);
      totals.held += sweep.held;
      totals.sent += sweep.sent;
      totals.busy += sweep.busy;
      totals.finished += sweep.finished;
      releasedHolds += await releaseOverdueBalanceHolds(deps, practiceId, now);
    } catch (error) {
      totals.failed += 1;
      deps.logger?.error('sweeping the held balance invoices of a practice failed', { practiceId, ...errorFields(error) });
    }
  }
  if (releasedHolds > 0) deps.logger?.info('patient balances held past the payer wait released by the sweep', { practices: totals.practices, released: releasedHolds });
  deps.logger?.info('held balance invoice sweep finished', totals);
  if (totals.failed > 0) throw new Error(`the held balance invoice sweep failed for ${totals.failed} practice(s)`);
  return totals;
};
