import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReceiptKind } from '../domain/receipt';
import type { Store } from './client';
import type { TransactItem } from './commit';
import { getItem, queryPage, withoutKeys, type Page } from './items';
import { keys, practicePk } from './keys';

import type { Receipt, ReceiptSource } from '../domain/receipt';
// re-export for the merge; remove
export type { EmailStatus, Receipt, ReceiptSource } from '../domain/receipt';
// re-export for the merge; remove
export { EMAIL_STATUSES } from '../domain/receipt';

export const receiptKey = (practiceId: string, receiptId: string) => ({ pk: practicePk(practiceId), sk: `RECEIPT#${receiptId}` });
/** The practice's last receipt number. One item per practice: the number sequence has no gaps. */
export const receiptCounterKey = (practiceId: string) => ({ pk: practicePk(practiceId), sk: 'COUNTER#RECEIPT' });
/** A receipt waiting for its number, in issue order (receipt ids are time-sortable). */
export const receiptQueueKey = (practiceId: string, receiptId: string) => ({ pk: practicePk(practiceId), sk: `RECEIPTQUEUE#${receiptId}` });
const clientReceiptsIndex = (practiceId: string, clientId: string) => `${practicePk(practiceId)}#CLIENT#${clientId}#RECEIPTS`;

/** The business identity of a receipt: a payment id or a refund id (one receipt each, ever). */
export const receiptSourceKey = (source: Pick<ReceiptSource, 'type' | 'paymentId' | 'refundId'>): string =>
  source.type === 'refund' ? `refund#${source.refundId}` : `payment#${source.paymentId}`;
export const receiptMarkerKey = (practiceId: string, sourceKey: string) => keys.marker(practiceId, 'receipt', sourceKey);
/** One numbering batch per counter value: the batch that starts at `first` commits once. */
export const numberingMarkerKey = (practiceId: string, first: number) => keys.marker(practiceId, 'receipt-numbers', String(first));

/** What the receipt marker remembers, so a duplicate event finds the receipt without a query. */
export interface IssuedReceiptRef {
  receiptId: string;
}

export const getReceipt = async (store: Store, practiceId: string, receiptId: string): Promise<Receipt | undefined> => {
  const item = await getItem<Receipt>(store, receiptKey(practiceId, receiptId));
  return item ? withoutKeys<Receipt>(item) : undefined;
};

/** The receipt already issued for a payment or refund, if any (read from its marker). */
export const findIssuedReceipt = async (store: Store, practiceId: string, sourceKey: string): Promise<IssuedReceiptRef | undefined> => {
  const marker = await getItem<{ result?: IssuedReceiptRef }>(store, receiptMarkerKey(practiceId, sourceKey));
  return marker?.result;
};

/** The last number issued in the practice (0 before the first receipt). */
export const readReceiptCounter = async (store: Store, practiceId: string): Promise<number> => {
  const answer = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: receiptCounterKey(practiceId), ConsistentRead: true }));
  return (answer.Item?.lastSequence as number | undefined) ?? 0;
};

/** A queued receipt: what its ReceiptIssued event needs, so numbering does not read the receipts. */
export interface QueuedReceipt {
  receiptId: string;
  clientId: string;
  kind: ReceiptKind;
  totalCents: number;
  currency: string;
  paymentId: string;
  refundId?: string;
}

/** The writes that issue a receipt (not numbered yet): the receipt and its place in the numbering queue. */
export const receiptIssueWrites = (receipt: Receipt): TransactItem[] => {
  const queued: QueuedReceipt = {
    receiptId: receipt.receiptId,
    clientId: receipt.clientId,
    kind: receipt.kind,
    totalCents: receipt.totalCents,
    currency: receipt.currency,
    paymentId: receipt.source.paymentId,
    ...(receipt.source.refundId ? { refundId: receipt.source.refundId } : {}),
  };
  return [
    {
      Put: {
        Item: {
          ...receiptKey(receipt.practiceId, receipt.receiptId),
          type: 'receipt',
          ...receipt,
          gsi1pk: clientReceiptsIndex(receipt.practiceId, receipt.clientId),
          gsi1sk: receipt.receiptId,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { Item: { ...receiptQueueKey(receipt.practiceId, receipt.receiptId), type: 'receipt-queue', ...queued }, ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
};

/** The oldest receipts waiting for a number (strongly consistent: numbering decides on it). */
export const listQueuedReceipts = async (store: Store, practiceId: string, limit: number): Promise<QueuedReceipt[]> => {
  const page = await queryPage<Record<string, unknown>>(store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'RECEIPTQUEUE#' },
    ConsistentRead: true,
    Limit: limit,
  });
  return page.items.map((item) => withoutKeys<QueuedReceipt>(item));
};

/** Removes a queue entry (one whose receipt is numbered already or gone). */
export const deleteQueueEntry = async (store: Store, practiceId: string, receiptId: string): Promise<void> => {
  await store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: receiptQueueKey(practiceId, receiptId) }));
};

/** Formats a sequence as a receipt number (injected: the format is the domain's). */
export type NumberFormat = (sequence: number) => string;

/**
 * Takes the practice's numbering lease: one numberer at a time, so racing consumers wait on a
 * cheap single-item condition instead of colliding with 75-item transactions. Answers the counter
 * as it stands (the last number issued), or undefined while someone else holds a live lease.
 * A crashed holder's lease lapses after `leaseMs`.
 */
export const takeNumberingLease = async (
  store: Store,
  practiceId: string,
  lease: { leaseId: string; now: Date; leaseMs: number },
): Promise<{ lastSequence: number } | undefined> => {
  try {
    const answer = await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: receiptCounterKey(practiceId),
        UpdateExpression: 'SET leaseId = :lease, leaseUntil = :until, #type = :type',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':lease': lease.leaseId,
          ':until': new Date(lease.now.getTime() + lease.leaseMs).toISOString(),
          ':now': lease.now.toISOString(),
          ':type': 'receipt-counter',
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { lastSequence: (answer.Attributes?.lastSequence as number | undefined) ?? 0 };
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
};

/** Gives the lease back without numbering (nothing queued, or the numbering failed). */
export const releaseNumberingLease = async (store: Store, practiceId: string, leaseId: string): Promise<void> => {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: receiptCounterKey(practiceId),
        UpdateExpression: 'REMOVE leaseId, leaseUntil',
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeValues: { ':lease': leaseId },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
};

/**
 * The writes that number a batch of queued receipts `seen + 1 … seen + n` in queue order and give
 * the lease back: the counter moves from `seen` only if it is still `seen` and the lease still
 * ours, each receipt gets its number only if it has none, and leaves the queue. A number exists
 * exactly when its receipt does, so the sequence has no gaps.
 */
export const receiptNumberingWrites = (
  practiceId: string,
  seen: number,
  leaseId: string,
  batch: QueuedReceipt[],
  format: NumberFormat,
  now: Date,
): TransactItem[] => [
  {
    Update: {
      Key: receiptCounterKey(practiceId),
      UpdateExpression: 'SET lastSequence = :last, updatedAt = :at REMOVE leaseId, leaseUntil',
      ConditionExpression: `leaseId = :lease AND ${seen === 0 ? 'attribute_not_exists(lastSequence)' : 'lastSequence = :seen'}`,
      ExpressionAttributeValues: {
        ':last': seen + batch.length,
        ':at': now.toISOString(),
        ':lease': leaseId,
        ...(seen === 0 ? {} : { ':seen': seen }),
      },
    },
  },
  ...batch.flatMap((queued, index): TransactItem[] => [
    {
      Update: {
        Key: receiptKey(practiceId, queued.receiptId),
        UpdateExpression: 'SET #sequence = :sequence, #number = :number, #document.#number = :number, numberedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#sequence)',
        ExpressionAttributeNames: { '#sequence': 'sequence', '#number': 'number', '#document': 'document' },
        ExpressionAttributeValues: { ':sequence': seen + index + 1, ':number': format(seen + index + 1), ':at': now.toISOString() },
      },
    },
    { Delete: { Key: receiptQueueKey(practiceId, queued.receiptId), ConditionExpression: 'attribute_exists(pk)' } },
  ]),
];

/**
 * Receipts of a practice, newest first (receipt ids are time-sortable, and numbers follow issue
 * order); of one client when `clientId` is given (GSI1).
 */
export const listReceipts = async (
  store: Store,
  practiceId: string,
  opts: { clientId?: string; cursor?: string; limit?: number; includeUnnumbered?: boolean } = {},
): Promise<Page<Receipt>> => {
  const limit = opts.limit ?? 50;
  // A receipt is numbered within moments of being issued; until then the practice does not see it.
  const numbered = opts.includeUnnumbered ? {} : { FilterExpression: 'attribute_exists(#sequence)', ExpressionAttributeNames: { '#sequence': 'sequence' } };
  const page = opts.clientId
    ? await queryPage<Record<string, unknown>>(
        store,
        {
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': clientReceiptsIndex(practiceId, opts.clientId) },
          ScanIndexForward: false,
          Limit: limit,
          ...numbered,
        },
        opts.cursor,
      )
    : await queryPage<Record<string, unknown>>(
        store,
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'RECEIPT#' },
          ScanIndexForward: false,
          Limit: limit,
          ...numbered,
        },
        opts.cursor,
      );
  return { items: page.items.map((item) => withoutKeys<Receipt>(item)), nextCursor: page.nextCursor };
};

/** Every receipt of one client (bounded: a client's receipts over the years). */
export const listClientReceipts = async (store: Store, practiceId: string, clientId: string): Promise<Receipt[]> => {
  const receipts: Receipt[] = [];
  let cursor: string | undefined;
  do {
    const page = await listReceipts(store, practiceId, { clientId, cursor, limit: 200, includeUnnumbered: true });
    receipts.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return receipts;
};

// Email delivery ------------------------------------------------------------------------------

/**
 * Takes the send lease: only one delivery sends a receipt's email at a time, so two copies of the
 * same event cannot send two emails. A normal delivery takes it only while the email is unsent;
 * a resend (`force`) takes it whatever the status, unless another send holds a live lease.
 * Answers the receipt as leased, or undefined when someone else holds it or it is settled.
 */
export const takeEmailLease = async (
  store: Store,
  practiceId: string,
  receiptId: string,
  lease: { leaseId: string; now: Date; leaseMs: number; force: boolean },
): Promise<Receipt | undefined> => {
  const now = lease.now.toISOString();
  const open = '(emailStatus = :sending AND emailLeaseUntil < :now)';
  try {
    const answer = await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: receiptKey(practiceId, receiptId),
        UpdateExpression:
          'SET emailStatus = :sending, emailLeaseId = :lease, emailLeaseUntil = :until, emailLastAttemptAt = :now, emailAttempts = if_not_exists(emailAttempts, :zero) + :one',
        ConditionExpression: lease.force
          ? `attribute_exists(pk) AND (emailStatus <> :sending OR ${open})`
          : `attribute_exists(pk) AND (emailStatus IN (:pending, :retrying) OR ${open})`,
        ExpressionAttributeValues: {
          ':sending': 'sending',
          ':lease': lease.leaseId,
          ':until': new Date(lease.now.getTime() + lease.leaseMs).toISOString(),
          ':now': now,
          ':zero': 0,
          ':one': 1,
          ...(lease.force ? {} : { ':pending': 'pending', ':retrying': 'retrying' }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return answer.Attributes ? withoutKeys<Receipt>(answer.Attributes) : undefined;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
};

/** Settles the lease: the email went (`sent`) or did not (`retrying` / `failed`, with the reason). */
export const settleEmail = async (
  store: Store,
  practiceId: string,
  receiptId: string,
  leaseId: string,
  outcome: { status: 'sent'; messageId: string; at: Date } | { status: 'retrying' | 'failed'; error: string; at: Date },
): Promise<boolean> => {
  const sent = outcome.status === 'sent';
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: receiptKey(practiceId, receiptId),
        UpdateExpression: sent
          ? 'SET emailStatus = :status, emailSentAt = :at, emailMessageId = :id, emailSends = if_not_exists(emailSends, :zero) + :one REMOVE emailLeaseId, emailLeaseUntil, emailLastError'
          : 'SET emailStatus = :status, emailLastError = :error REMOVE emailLeaseId, emailLeaseUntil',
        // Only the holder settles: a lease that expired and was taken over is not ours any more.
        ConditionExpression: 'emailLeaseId = :lease',
        ExpressionAttributeValues: {
          ':status': outcome.status,
          ':lease': leaseId,
          ...(sent
            ? { ':at': outcome.at.toISOString(), ':id': outcome.messageId, ':zero': 0, ':one': 1 }
            : { ':error': outcome.error }),
        },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
};

/** A balance invoice (written by the balance invoicer): only the fields receipts read. */
export interface InvoiceRef {
  invoiceId: string;
  claimId?: string;
  clientId?: string;
}

export const getInvoiceRef = async (store: Store, practiceId: string, invoiceId: string): Promise<InvoiceRef | undefined> => {
  const item = await getItem<InvoiceRef>(store, { pk: practicePk(practiceId), sk: `INVOICE#${invoiceId}` });
  return item ? { invoiceId, claimId: item.claimId, clientId: item.clientId } : undefined;
};
