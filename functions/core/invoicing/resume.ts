/** Resuming the invoices that waited for a client's email, once staff gave one. */
import type { BalanceInvoice } from '../../domain/invoice';
import { invoicesOf, type InvoicingDeps } from './deps';
import { driveInvoice } from './stripe-saga';

/**
 * Drives every invoice of the client that waits for an email (called once staff gave the client
 * one). Safe to call any number of times; an invoice that fails here stays `needs_email`-free and
 * pending, and the next call (or the next ClaimAdjudicated of its claim) drives it on.
 */
export const resumeInvoicesAwaitingEmail = async (deps: InvoicingDeps, practiceId: string, clientId: string, now = new Date()): Promise<BalanceInvoice[]> => {
  const store = invoicesOf(deps);
  const practice = await store.getPractice(practiceId);
  if (!practice) return [];
  const waiting: BalanceInvoice[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listInvoices(practiceId, 'pending', cursor);
    waiting.push(...page.items.filter((invoice) => invoice.clientId === clientId && invoice.needsEmail));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const driven: BalanceInvoice[] = [];
  for (const invoice of waiting) {
    const current = await store.getInvoice(practiceId, invoice.invoiceId);
    if (current) driven.push(await driveInvoice(deps, practice, current, now));
  }
  return driven;
};
