import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InvoiceStatus } from '../domain/patient-share';
import type { Store } from './table';
import type { TransactItem } from './commit';
import { getItem, getItems, queryAll, queryPage, withoutKeys, type Page } from './items';
import { claimKey } from './claims';
import { practicePk } from './keys';
import { absent, nullValue, present } from './conditions';
import { leaseExpressions, LEASES, takeLease, updateExpression } from './lease';

import { INVOICE_HOLD_RULES, shownInvoiceHold, type BalanceInvoice, type InvoiceHold, type InvoiceHoldView, type WriteOffRequest } from '../domain/invoice';
/**
 * The status the staff API shows: `written_off` for a void invoice whose balance staff wrote off
 * (core/write-offs.ts); else the invoice's hold (`below_minimum`, `needs_email`, `awaiting_stripe`)
 * while it is pending and not yet on Stripe, else its own status (the hold rule: domain/invoice.ts
 * `shownInvoiceHold`).
 */
export const shownInvoiceStatus = (invoice: InvoiceHoldView & Pick<BalanceInvoice, 'writeOff'>): InvoiceStatus | InvoiceHold | 'written_off' =>
  invoice.writeOff ? 'written_off' : (shownInvoiceHold(invoice) ?? invoice.status);

export const invoiceKey = (practiceId: string, invoiceId: string) => ({ pk: practicePk(practiceId), sk: `INVOICE#${invoiceId}` });

/** GSI1 entry: a practice's invoices by status (the list route, reminders). */
export const invoiceStatusIndex = (practiceId: string, status: InvoiceStatus, createdAt: string, invoiceId: string) => ({
  gsi1pk: `${practicePk(practiceId)}#INVOICES`,
  gsi1sk: `${status}#${createdAt}#${invoiceId}`,
});

const view = (item: object): BalanceInvoice => ({ ...withoutKeys<BalanceInvoice>(item), version: (item as { version?: number }).version ?? 0 });

export const getInvoice = async (store: Store, practiceId: string, invoiceId: string): Promise<BalanceInvoice | undefined> => {
  const item = await getItem<BalanceInvoice>(store, invoiceKey(practiceId, invoiceId));
  return item ? view(item) : undefined;
};

/**
 * Every invoice of a claim, in `seq` order, strongly consistent (the balance plan decides voids and
 * refunds from it under the claim's balance version). The claim item keeps its invoices' ids
 * (`invoiceIds`, written whole by every balance plan: store/claim-balance.ts `claimBalancePlanWrite`),
 * so the read is the claim item and those invoices (BatchGetItem): its cost is the claim's invoices,
 * not the practice's (bug 157). A claim without the list (invoiced before it was kept; `null` is
 * absent) is read the old way, a Query of every invoice of the practice filtered on the claim, until
 * its next plan writes the list (docs/decisions/016-claim-invoice-ids.md).
 */
export const listClaimInvoices = async (store: Store, practiceId: string, claimId: string): Promise<BalanceInvoice[]> => {
  const claim = await getItem<{ invoiceIds?: string[] | null }>(store, claimKey(practiceId, claimId));
  const ids = claim?.invoiceIds;
  const items = Array.isArray(ids)
    ? await getItems<Record<string, unknown>>(
        store,
        ids.map((invoiceId) => invoiceKey(practiceId, invoiceId)),
      )
    : await queryClaimInvoices(store, practiceId, claimId);
  return items
    .map(view)
    .filter((invoice) => invoice.claimId === claimId)
    .sort((a, b) => a.seq - b.seq);
};

/** A claim's invoices the old way: every invoice item of the practice read, those of the claim kept (claims without `invoiceIds`). */
export const queryClaimInvoices = (store: Store, practiceId: string, claimId: string): Promise<Record<string, unknown>[]> =>
  queryAll<Record<string, unknown>>(store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    FilterExpression: 'claimId = :claim',
    ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'INVOICE#', ':claim': claimId },
    ConsistentRead: true,
  });

export const listInvoices = async (store: Store, practiceId: string, status: InvoiceStatus | undefined, cursor?: string): Promise<Page<BalanceInvoice>> => {
  const page = await queryPage<Record<string, unknown>>(
    store,
    {
      IndexName: 'gsi1',
      KeyConditionExpression: status ? 'gsi1pk = :pk AND begins_with(gsi1sk, :status)' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `${practicePk(practiceId)}#INVOICES`, ...(status ? { ':status': `${status}#` } : {}) },
      Limit: 100,
    },
    cursor,
  );
  return { items: page.items.map(view), nextCursor: page.nextCursor };
};

/**
 * Records what the saga learned (a Stripe id, a new status) on the invoice, conditionally so two
 * runs racing on the same invoice cannot record different Stripe objects. With `guard.absent`, only
 * while the invoice has none of these attributes (or has them `null`: `deskPayment`: not paid at the
 * desk meanwhile; `writeOff`: not written off meanwhile); with `guard.notTakenByStaff`, only while no
 * write-off of all of it is asked or done and no desk payment is recorded (`NOT_TAKEN_BY_STAFF`).
 */
export const recordInvoiceProgress = async (
  store: Store,
  invoice: BalanceInvoice,
  changes: Partial<BalanceInvoice>,
  guard?: { attribute: keyof BalanceInvoice; expected: unknown; absent?: string | readonly string[]; notTakenByStaff?: boolean },
): Promise<BalanceInvoice> => {
  const next = { ...changes, updatedAt: new Date().toISOString() };
  if (changes.status) Object.assign(next, invoiceStatusIndex(invoice.practiceId, changes.status, invoice.createdAt, invoice.invoiceId));
  const entries = Object.entries(next);
  const absentNames = guard?.absent === undefined ? [] : typeof guard.absent === 'string' ? [guard.absent] : guard.absent;
  const condition = guard
    ? `attribute_exists(pk) AND (${absent('#g')} OR #g = :g)${absentNames.map((_, i) => ` AND ${absent(`#absent${i}`)}`).join('')}${guard.notTakenByStaff ? ` AND ${NOT_TAKEN_BY_STAFF}` : ''}`
    : 'attribute_exists(pk)';
  const answer = await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: invoiceKey(invoice.practiceId, invoice.invoiceId),
      UpdateExpression: `SET ${entries.map((_, i) => `#k${i} = :v${i}`).join(', ')} ADD version :one`,
      ConditionExpression: condition,
      ExpressionAttributeNames: {
        ...Object.fromEntries(entries.map(([key], i) => [`#k${i}`, key])),
        ...(guard ? { '#g': guard.attribute } : {}),
        ...Object.fromEntries(absentNames.map((name, i) => [`#absent${i}`, name])),
      },
      ExpressionAttributeValues: {
        ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
        ':one': 1,
        ...(guard ? { ':g': guard.expected } : {}),
        ...nullValue(condition),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return view(answer.Attributes ?? {});
};

/**
 * Takes the send lease of one reminder (`days` after due) on an open invoice: one sender at a time,
 * and none once the reminder is recorded. A sender that died leaves a lease that lapses
 * (LEASES.invoiceReminder); the next run then sends. Answers false when the invoice is not open any
 * more, the reminder is recorded, or another run holds a live lease.
 */
export const takeReminderLease = async (store: Store, invoice: BalanceInvoice, days: number, lease: { now: Date }): Promise<boolean> =>
  (await takeLease(store, invoiceKey(invoice.practiceId, invoice.invoiceId), LEASES.invoiceReminder, {
    now: lease.now,
    condition: ({ free }) => `#status = :open AND NOT contains(remindersSent, :days) AND ${free}`,
    also: { names: { '#status': 'status' }, values: { ':open': 'open', ':days': days } },
  })) !== undefined;

/** Records reminders as sent and gives the send lease back. */
export const recordRemindersSent = async (store: Store, invoice: BalanceInvoice, remindersSent: number[]): Promise<void> => {
  const lease = leaseExpressions(LEASES.invoiceReminder);
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: invoiceKey(invoice.practiceId, invoice.invoiceId),
      UpdateExpression: updateExpression({ set: ['remindersSent = :sent', 'updatedAt = :at'], remove: lease.clear, add: ['version :one'] }),
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: lease.names,
      ExpressionAttributeValues: { ':sent': remindersSent, ':at': new Date().toISOString(), ':one': 1 },
    }),
  );
};

/**
 * Takes the lease to email a balance invoice: one sender at a time, none once `emailedAt` is
 * recorded. A crash after sending and before recording can resend once the lease lapses
 * (LEASES.invoiceEmail); a crash anywhere else never sends twice.
 *
 * The lease lapses `LEASES.invoiceEmail.ms` after the saga's `now`, and is judged by the clock
 * (`clock`), as it always was: a saga run with an older `now` holds a shorter lease.
 */
export const takeInvoiceEmailLease = async (store: Store, invoice: BalanceInvoice, now: Date, clock: Date = new Date()): Promise<boolean> =>
  (await takeLease(store, invoiceKey(invoice.practiceId, invoice.invoiceId), LEASES.invoiceEmail, {
    now: clock,
    until: new Date(now.getTime() + LEASES.invoiceEmail.ms),
    // Never once staff took the balance (a write-off asked or done, a desk payment): the client is
    // not emailed an invoice staff wrote off (the write-off's request waits for a live lease: `recordWriteOffRequest`).
    condition: ({ free }) => `${absent('emailedAt')} AND ${NOT_TAKEN_BY_STAFF} AND ${free}`,
    also: { values: nullValue(NOT_TAKEN_BY_STAFF) },
  })) !== undefined;

/**
 * The invoice carries no write-off of all of it (asked or done) and no desk payment: the email and the
 * issue may go on. A partial write-off (its request has `amountCents`) leaves the invoice asking for the
 * rest; a request cleared is `null` (core/write-off-commit.ts), read as absent (store/conditions.ts). Uses `:null`.
 */
const NOT_TAKEN_BY_STAFF = `(${absent('writeOffRequest')} OR ${present('writeOffRequest.amountCents')}) AND ${absent('writeOff')} AND ${absent('deskPayment')}`;

/**
 * Records a write-off request on the invoice (core/write-offs.ts), only while its email is not
 * being sent: emailed already, or no live email lease (LEASES.invoiceEmail). With the lease's own
 * condition (`takeInvoiceEmailLease`: no write-off request) the two serialise on the invoice item:
 * the email goes out before the request, or never. And not over a partial write-off's request
 * recorded since the caller read the invoice (`expected`: none, or a partial one left unfinished); a
 * request of all of it racing this one is overwritten, as one write-off wins the commit anyway.
 * Answers the invoice as recorded, `'changed'` when a partial write-off's request came meanwhile
 * (decide again), or `'emailing'` while a sender holds the lease.
 */
export const recordWriteOffRequest = async (
  store: Store,
  invoice: BalanceInvoice,
  request: WriteOffRequest,
  expected: WriteOffRequest | null,
  clock: Date = new Date(),
): Promise<BalanceInvoice | 'changed' | 'emailing'> => {
  const lease = leaseExpressions(LEASES.invoiceEmail, { now: clock });
  const condition = `attribute_exists(pk) AND (${absent('writeOffRequest')} OR writeOffRequest = :expected OR ${absent('writeOffRequest.amountCents')}) AND (${present('emailedAt')} OR ${lease.free})`;
  try {
    const answer = await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: invoiceKey(invoice.practiceId, invoice.invoiceId),
        UpdateExpression: 'SET writeOffRequest = :request, updatedAt = :at ADD version :one',
        ConditionExpression: condition,
        ExpressionAttributeNames: lease.names,
        ExpressionAttributeValues: { ':request': request, ':expected': expected, ':at': clock.toISOString(), ':one': 1, ...lease.values, ...nullValue(condition) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return view(answer.Attributes ?? {});
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const current = await getInvoice(store, invoice.practiceId, invoice.invoiceId);
    const partial = current?.writeOffRequest;
    return partial && partial.amountCents !== undefined && partial.writeOffId !== expected?.writeOffId ? 'changed' : 'emailing';
  }
};

/** In a commit: the invoice carries no write-off (asked or done) and no desk payment (the issue of an invoice staff took meanwhile is not recorded). */
export const invoiceNotTakenCheck = (practiceId: string, invoiceId: string): TransactItem => ({
  ConditionCheck: { Key: invoiceKey(practiceId, invoiceId), ConditionExpression: NOT_TAKEN_BY_STAFF, ExpressionAttributeValues: nullValue(NOT_TAKEN_BY_STAFF) },
});

// Writes that go in a commit (commitOnce) -------------------------------------------------------

/** A new balance invoice record, written once (the plan decided it). */
export const newInvoiceWrite = (invoice: BalanceInvoice): TransactItem => ({
  Put: {
    Item: { ...invoiceKey(invoice.practiceId, invoice.invoiceId), type: 'invoice', ...invoice, ...invoiceStatusIndex(invoice.practiceId, invoice.status, invoice.createdAt, invoice.invoiceId) },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** A later plan decided the invoice no longer counts: the saga voids it on Stripe. */
export const invoiceVoidRequestWrite = (practiceId: string, invoiceId: string): TransactItem => ({
  Update: { Key: invoiceKey(practiceId, invoiceId), UpdateExpression: 'SET voidRequested = :yes', ExpressionAttributeValues: { ':yes': true } },
});

/** Each hold and the invoice attribute that records it (domain/invoice.ts `INVOICE_HOLD_RULES`). */
export const INVOICE_HOLDS = {
  needs_email: INVOICE_HOLD_RULES.needs_email.flag,
  below_minimum: INVOICE_HOLD_RULES.below_minimum.flag,
  awaiting_stripe: INVOICE_HOLD_RULES.awaiting_stripe.flag,
} as const satisfies Record<InvoiceHold, string>;
export type { InvoiceHold };

/**
 * Marks the invoice as held for `hold`. `awaiting_stripe` is decided after the client's email was
 * found (core/invoicing/stripe-saga.ts), so it ends a `needs_email` wait (an email cannot be removed).
 */
export const invoiceHoldWrite = (practiceId: string, invoiceId: string, hold: InvoiceHold): TransactItem => ({
  Update: {
    Key: invoiceKey(practiceId, invoiceId),
    UpdateExpression: hold === 'awaiting_stripe' ? `SET ${INVOICE_HOLDS[hold]} = :yes, needsEmail = :no` : `SET ${INVOICE_HOLDS[hold]} = :yes`,
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: hold === 'awaiting_stripe' ? { ':yes': true, ':no': false } : { ':yes': true },
  },
});

/** The item is at the version read (`:seen`; an item without one is at 0). */
const VERSION_SEEN = `attribute_exists(pk) AND (version = :seen OR (${absent('version')} AND :seen = :zero))`;

/**
 * A change of the invoice record that applies only to the version it was decided on (a Stripe
 * event's effect); a new status moves the invoice in the status index too.
 */
export const invoiceVersionedUpdate = (invoice: BalanceInvoice, set: Record<string, unknown>, now: Date = new Date()): TransactItem => {
  const status = set.status as InvoiceStatus | undefined;
  const fields = { ...set, ...(status ? invoiceStatusIndex(invoice.practiceId, status, invoice.createdAt, invoice.invoiceId) : {}), updatedAt: now.toISOString() };
  const entries = Object.entries(fields);
  return {
    Update: {
      Key: invoiceKey(invoice.practiceId, invoice.invoiceId),
      UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')} ADD version :one`,
      ConditionExpression: VERSION_SEEN,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([key], i) => [`#f${i}`, key])),
      ExpressionAttributeValues: { ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])), ':seen': invoice.version, ':one': 1, ':zero': 0, ...nullValue(VERSION_SEEN) },
    },
  };
};
