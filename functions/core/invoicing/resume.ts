/** Resuming held invoices: those that waited for a client's email, once staff gave one; those that waited for the practice's Stripe account, once it can charge. */
import { invoiceHolds, type BalanceInvoice, type InvoiceHold } from '../../domain/invoice';
import type { Practice } from '../../domain/practice';
import { invoicesOf, type InvoicingDeps } from './deps';
import { driveInvoice } from './stripe-saga';

/**
 * The practice's invoices not yet finished (pending, a draft, finalized) that `held` picks, over
 * every page of each status; `driveHeld` drives those held for `hold` (the hold rule,
 * domain/invoice.ts: not yet emailed) that `also` picks: a hold's flag stays on the invoice until
 * the email is sent, so a call after a crash on the way finds it again and finishes it. Safe to call any number of times and
 * concurrently: each Stripe step has its key built from the invoice id, the issue is marked once
 * and the email is sent under its lease.
 */
export const listHeldInvoices = async (deps: InvoicingDeps, practiceId: string, held: (invoice: BalanceInvoice) => boolean): Promise<BalanceInvoice[]> => {
  const store = invoicesOf(deps);
  const waiting: BalanceInvoice[] = [];
  for (const status of ['pending', 'draft', 'open'] as const) {
    let cursor: string | undefined;
    do {
      const page = await store.listInvoices(practiceId, status, cursor);
      waiting.push(...page.items.filter(held));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return waiting;
};

const driveHeld = async (deps: InvoicingDeps, practice: Practice, hold: InvoiceHold, now: Date, also: (invoice: BalanceInvoice) => boolean = () => true): Promise<BalanceInvoice[]> => {
  const store = invoicesOf(deps);
  const waiting = await listHeldInvoices(deps, practice.practiceId, (invoice) => invoiceHolds(invoice).includes(hold) && also(invoice));
  const driven: BalanceInvoice[] = [];
  for (const invoice of waiting) {
    const current = await store.getInvoice(practice.practiceId, invoice.invoiceId);
    if (current) driven.push(await driveInvoice(deps, practice, current, now));
  }
  return driven;
};

/**
 * Drives every invoice of the client that waits for an email (called once staff gave the client
 * one), and one a crash left on its way after that (test/reliability/awaiting-email-crashes.test.ts).
 */
export const resumeInvoicesAwaitingEmail = async (deps: InvoicingDeps, practiceId: string, clientId: string, now = new Date()): Promise<BalanceInvoice[]> => {
  const practice = await invoicesOf(deps).getPractice(practiceId);
  return practice ? driveHeld(deps, practice, 'needs_email', now, (invoice) => invoice.clientId === clientId) : [];
};

/**
 * Drives every invoice of the practice that waits for its Stripe account (`awaiting_stripe`), when
 * kneadpay records the account able to charge (the balance invoicer's consumer of
 * StripeAccountUpdated, from `account.updated` or the onboarding refresh). Does nothing while the
 * account still cannot charge (an older or a disconnected state: the record decides, not the event),
 * nor without a connected account (released: they wait for the next one, domain/invoice.ts `heldForAccount`).
 * A redelivered event or two resumes racing make one Stripe invoice and one email; a crash midway
 * leaves the invoice on its way, recorded step by step and still flagged, and the bus's retry drives
 * it on (test/reliability/awaiting-stripe-crashes.test.ts).
 */
export const resumeInvoicesAwaitingStripe = async (deps: InvoicingDeps, practiceId: string, now = new Date()): Promise<BalanceInvoice[]> => {
  const store = invoicesOf(deps);
  const practice = await store.getPractice(practiceId);
  if (!practice || (await store.chargingAccount(practiceId)) !== 'connected_can_charge') return [];
  return driveHeld(deps, practice, 'awaiting_stripe', now);
};
