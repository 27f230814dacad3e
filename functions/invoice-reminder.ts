import middy from '@middy/core';
import { balanceReminderEmail, sendEmail } from './shared/email';
import { createLogger, errorFields, lambdaContext } from './shared/logger';
import { getStore, type Store } from './store/table';
import { getClient } from './store/clients';
import { LEASES } from './store/lease';
import { listInvoices, recordRemindersSent, takeReminderLease } from './store/invoices';
import { invoiceStripeAccount, type BalanceInvoice } from './domain/invoice';
import type { StripeConnect } from './domain/connect';
import { chargesBlocked, getConnect } from './store/connect';
import { getPractice, listPracticeIds } from './store/practices';
import type { Practice } from './domain/practice';

const logger = createLogger('invoice-reminder');
const DAY = 86_400_000;

/** The reminder (days after due) an open invoice is owed now, if any: the latest one not yet sent. */
export const reminderDue = (invoice: BalanceInvoice, cadenceDays: readonly number[], now: Date): number | undefined => {
  if (invoice.status !== 'open' || !invoice.dueAt || invoice.voidRequested) return undefined;
  const daysPastDue = Math.floor((now.getTime() - Date.parse(invoice.dueAt)) / DAY);
  const owed = cadenceDays.filter((days) => days <= daysPastDue && !invoice.remindersSent.includes(days));
  return owed.length ? Math.max(...owed) : undefined;
};

/**
 * The reminder's step boundaries, per invoice: `lease` — the reminder's send lease is taken;
 * `send` — SES accepted the email, not recorded yet; `record` — the reminder is recorded as sent.
 * Tests inject a crash after each (a real crash cannot be scheduled).
 */
export const REMINDER_STEPS = ['lease', 'send', 'record'] as const;
export type ReminderStep = (typeof REMINDER_STEPS)[number];

export interface ReminderDeps {
  /** Crash injection for reliability tests: called after each step has happened. */
  after?: (step: ReminderStep, invoiceId: string) => void | Promise<void>;
}

/** The reminder lease's lifetime; why it is 15 min: LEASES.invoiceReminder (store/lease.ts). */
export const REMINDER_LEASE_MS = LEASES.invoiceReminder.ms;

/** Sends one reminder under its lease, then records it: never lost; sent twice only if the process dies between SES and the record. */
const remind = async (store: Store, practice: Practice, invoice: BalanceInvoice, days: number, now: Date, deps: ReminderDeps): Promise<boolean> => {
  if (!(await takeReminderLease(store, invoice, days, { now }))) return false;
  await deps.after?.('lease', invoice.invoiceId);
  const client = await getClient(store, practice.practiceId, invoice.clientId);
  // An open invoice was sent to an email; one removed since leaves nothing to remind (the lease lapses).
  if (!client.email) return false;
  await sendEmail({ practiceId: practice.practiceId, to: client.email, ...balanceReminderEmail(practice, client, invoice) });
  await deps.after?.('send', invoice.invoiceId);
  // Earlier reminders of the cadence that were never sent (a run missed) are not sent late: only the latest.
  await recordRemindersSent(store, invoice, [...invoice.remindersSent, ...practice.billing.reminderDays.filter((d) => d <= days && !invoice.remindersSent.includes(d))]);
  await deps.after?.('record', invoice.invoiceId);
  logger.info('reminder sent', { practiceId: practice.practiceId, invoiceId: invoice.invoiceId, daysPastDue: days });
  return true;
};

/**
 * A reminder sends the client to the invoice's hosted page: only while the account the invoice is on
 * can take the payment and kneadpay still follows it (bug 95). While Stripe has charges off
 * (`charges_enabled` false) the page cannot take it — the reminder owed goes out once they are back;
 * on an account its owner disconnected, or one released since, kneadpay sees none of the invoice's
 * events and would remind a client who may have paid. An invoice on the platform's account, or on
 * an account typed into an old profile (no connect record), is reminded as before.
 */
const remindable = (invoice: BalanceInvoice, practice: Practice, connect: StripeConnect | undefined): boolean => {
  const account = invoiceStripeAccount(invoice, practice);
  if (account === null) return true;
  if (!connect) return account === (practice.stripeAccountId ?? null);
  return connect.accountId === account && !chargesBlocked(connect);
};

/** Scheduled: emails open invoices on the practice's cadence (default 7 and 14 days after due). */
export const sendReminders = async (store: Store = getStore(), now = new Date(), only?: readonly string[], deps: ReminderDeps = {}) => {
  let sent = 0;
  let practices = 0;
  for (const practiceId of only ?? (await listPracticeIds(store))) {
    practices += 1;
    // The profile is read only for a practice with open invoices: most have none on a given day
    // (10,000 practices: 10,000 reads a run saved, docs/benchmarks.md).
    let practice: Practice | undefined;
    let connect: { record: StripeConnect | undefined } | undefined;
    let cursor: string | undefined;
    do {
      const page = await listInvoices(store, practiceId, 'open', cursor);
      if (page.items.length && !practice) practice = await getPractice(store, practiceId);
      if (!practice) {
        cursor = page.nextCursor ?? undefined;
        continue;
      }
      for (const invoice of page.items) {
        const days = reminderDue(invoice, practice.billing.reminderDays, now);
        if (days === undefined) continue;
        // Read once a practice, and only for one with a reminder owed.
        connect ??= { record: await getConnect(store, practiceId) };
        if (!remindable(invoice, practice, connect.record)) continue;
        try {
          if (await remind(store, practice, invoice, days, now, deps)) sent += 1;
        } catch (error) {
          logger.error('reminder failed', { practiceId, invoiceId: invoice.invoiceId, ...errorFields(error) });
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return { sent, practices };
};

export const handler = middy(async () => sendReminders()).use(lambdaContext());
