/** Telling the client: the balance invoice issued and emailed once; an invoice that waits for the client's email or for the practice's Stripe account. */
import { balanceInvoiceEmail, sendEmail } from '../../shared/email';
import { RetryableError } from '../../shared/errors';
import { countMetric, METRIC } from '../../shared/metrics';
import { invoiceHolds, writeOffAskedInFull, type BalanceInvoice } from '../../domain/invoice';
import type { Practice } from '../../domain/practice';
import { invoicesOf, type InvoicingDeps } from './deps';

/** Staff took the balance from the client: a write-off of all of it asked or done, a desk payment (a partial write-off leaves the rest owed). */
const takenFromClient = (invoice: BalanceInvoice) => writeOffAskedInFull(invoice) || !!(invoice.writeOff || invoice.deskPayment);

/** The invoice as recorded when staff took it meanwhile (`takenFromClient`), else undefined. */
const takenByStaff = async (deps: InvoicingDeps, invoice: BalanceInvoice): Promise<BalanceInvoice | undefined> => {
  const current = await invoicesOf(deps).getInvoice(invoice.practiceId, invoice.invoiceId);
  if (!current || !takenFromClient(current)) return undefined;
  deps.logger?.info('balance invoice written off or paid at the desk before its email: not issued, not emailed', { practiceId: invoice.practiceId, invoiceId: invoice.invoiceId });
  return current;
};

/**
 * An invoice Stripe finalized is issued once (PatientBalanceInvoiced and the claim's view of it),
 * then emailed once under the invoice's email lease (LEASES.invoiceEmail).
 */
export const notifyInvoiceIssued = async (deps: InvoicingDeps, practice: Practice, issued: BalanceInvoice, now: Date): Promise<BalanceInvoice> => {
  const store = invoicesOf(deps);
  let invoice = issued;
  // Marked issued once: the PatientBalanceInvoiced event and the claim's view of the invoice — not
  // once staff wrote it off (or took it at the desk) meanwhile: nothing is issued or emailed then.
  const issuing = store.markInvoiceIssued(
    invoice,
    [
      {
        detailType: 'PatientBalanceInvoiced',
        detail: {
          practiceId: practice.practiceId,
          claimId: invoice.claimId,
          clientId: invoice.clientId,
          invoiceId: invoice.invoiceId,
          amountDueCents: invoice.amountDueCents,
          currency: invoice.currency,
          dueAt: invoice.dueAt,
        },
      },
    ],
    now,
  );
  const issuedNow = await issuing.catch(async (error: unknown) => {
    const taken = (error as Error).name === 'CommitConflictError' ? await takenByStaff(deps, invoice) : undefined;
    if (!taken) throw error;
    return taken;
  });
  if (typeof issuedNow !== 'boolean') return issuedNow;
  if (issuedNow) countMetric(METRIC.balanceInvoiceIssued, 1, 'balance-invoicer');
  await deps.after?.('issued', invoice.invoiceId);
  // One sender at a time: a lease taken conditionally. A crash after sending and before recording
  // can resend once the lease lapses; a crash anywhere else never sends twice.
  if (!(await store.takeInvoiceEmailLease(invoice, now))) {
    // Sent, or another run holds the lease. That run may have died before sending: answering
    // success would end the bus's retries and lose the email, so ask to come back after the lease.
    const current = await store.getInvoice(practice.practiceId, invoice.invoiceId);
    if (current?.emailedAt) return current;
    // Staff wrote it off (or took it at the desk) first: it is not emailed, by this run or any other.
    if (current && takenFromClient(current)) return current;
    throw new RetryableError(`the email of balance invoice ${invoice.invoiceId} is being sent by another delivery`);
  }
  const client = await store.getClient(practice.practiceId, invoice.clientId);
  await sendEmail({ to: client.email!, ...balanceInvoiceEmail(practice, client, invoice), practiceId: practice.practiceId });
  await deps.after?.('email-sent', invoice.invoiceId);
  // Sent: no longer waiting for an email (kept until now, so a crash on the way is resumed again: resume.ts).
  invoice = await store.recordInvoiceProgress(invoice, { emailedAt: now.toISOString(), ...(invoiceHolds(invoice).includes('needs_email') ? { needsEmail: false } : {}) });
  deps.logger?.info('balance invoice emailed', { practiceId: practice.practiceId, invoiceId: invoice.invoiceId });
  await deps.after?.('email', invoice.invoiceId);
  return invoice;
};

/**
 * The client has no email: the invoice waits as `needs_email` (on the invoice and on the claim's
 * view of it), once, with no Stripe call. Staff adding the email resumes it (`resumeInvoicesAwaitingEmail`).
 */
export const awaitEmail = async (deps: InvoicingDeps, practice: Practice, invoice: BalanceInvoice, now: Date): Promise<BalanceInvoice> => {
  if (invoiceHolds(invoice).includes('needs_email')) return invoice;
  await invoicesOf(deps).markInvoiceAwaitingEmail(invoice, now);
  deps.logger?.warn("balance invoice waits for the client's email", { practiceId: practice.practiceId, invoiceId: invoice.invoiceId, clientId: invoice.clientId });
  return { ...invoice, needsEmail: true };
};

/**
 * The practice's connected account cannot take charges (its onboarding is not finished, Stripe turned
 * charges off, or its owner disconnected kneadpay): a hosted invoice on it could not take the
 * client's payment. The invoice waits as `awaiting_stripe` (on the invoice and on the claim's view
 * of it), once, with no Stripe call and no email. When kneadpay records the account able to charge
 * again (StripeAccountUpdated), `resumeInvoicesAwaitingStripe` sends it.
 */
export const awaitStripe = async (deps: InvoicingDeps, practice: Practice, invoice: BalanceInvoice, now: Date): Promise<BalanceInvoice> => {
  if (invoiceHolds(invoice).includes('awaiting_stripe')) return invoice;
  await invoicesOf(deps).markInvoiceAwaitingStripe(invoice, now);
  deps.logger?.warn("balance invoice waits for the practice's Stripe account to take charges", { practiceId: practice.practiceId, invoiceId: invoice.invoiceId });
  return { ...invoice, awaitingStripe: true, needsEmail: false };
};
