/**
 * The sweep of held balance invoices: nothing left waiting for an event that was lost. A held
 * invoice goes out on an event — `StripeAccountUpdated` once the practice's account can charge, a
 * client's email saved through `PATCH …/clients/{c}` — and a lost one (the balance invoicer's
 * dead-letter queue, a request that died after the save) left it waiting for the next. The balance
 * invoicer's hourly schedule (lib/wiring.ts SCHEDULES) resumes every held invoice whose reason is
 * gone, over every practice.
 */
import { heldForAccount, INVOICE_HOLD_RULES, invoiceHolds, type BalanceInvoice, type ChargingAccount } from '../../domain/invoice';
import { errorFields } from '../../shared/logger';
import { invoicesOf, type InvoicingDeps } from './deps';
import { listHeldInvoices } from './resume';
import { driveInvoice } from './stripe-saga';

export interface PracticeSweep {
  /** Held invoices whose hold an event resumes (`needs_email`, `awaiting_stripe`). */
  held: number;
  /** Driven and now emailed to the client. */
  sent: number;
  /** Being sent by another run at the same moment (the event's resume): left to it. */
  busy: number;
}

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
  const held = await listHeldInvoices(deps, practiceId, (invoice) => invoiceHolds(invoice).some((hold) => INVOICE_HOLD_RULES[hold].resumedBy !== null));
  const sweep: PracticeSweep = { held: held.length, sent: 0, busy: 0 };
  if (!held.length) return sweep;
  const practice = await store.getPractice(practiceId);
  if (!practice) return sweep;
  let account: ChargingAccount | undefined;
  for (const listed of held) {
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
  const totals = { practices: 0, held: 0, sent: 0, busy: 0, failed: 0 };
  for (const practiceId of await invoicesOf(deps).listPracticeIds()) {
    totals.practices += 1;
    try {
      const sweep = await sweepPracticeHeldInvoices(deps, practiceId, now);
      totals.held += sweep.held;
      totals.sent += sweep.sent;
      totals.busy += sweep.busy;
    } catch (error) {
      totals.failed += 1;
      deps.logger?.error('sweeping the held balance invoices of a practice failed', { practiceId, ...errorFields(error) });
    }
  }
  deps.logger?.info('held balance invoice sweep finished', totals);
  if (totals.failed > 0) throw new Error(`the held balance invoice sweep failed for ${totals.failed} practice(s)`);
  return totals;
};
