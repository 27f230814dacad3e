import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Receipt, ReceiptKind, ReceiptSource } from '../domain/receipt';
import type { Store } from './table';
import { clientKey } from './clients';
import type { TransactItem } from './commit';
import { absent, nullValue, present } from './conditions';
import { getItem, queryPage, withoutKeys, type Page } from './items';
import { keys, practicePk } from './keys';
import { leaseExpressions, LEASES, placeholders, releaseLease, takeLease, updateExpression } from './lease';

export const receiptKey = (practiceId: string, receiptId: string) => ({ pk: practicePk(practiceId), sk: `RECEIPT#${receiptId}` });
/** The practice's last receipt number. One item per practice: the number sequence has no gaps. */
export const receiptCounterKey = (practiceId: string) => ({ pk: practicePk(practiceId), sk: 'COUNTER#RECEIPT' });
/** A receipt waiting for its number, in issue order (receipt ids are time-sortable). */
export const receiptQueueKey = (practiceId: string, receiptId: string) => ({ pk: practicePk(practiceId), sk: `RECEIPTQUEUE#${receiptId}` });
const clientReceiptsIndex = (practiceId: string, clientId: string) => `${practicePk(practiceId)}#CLIENT#${clientId}#RECEIPTS`;

/** The business identity of a receipt: a payment id or a refund id (one receipt each, ever). */
export const receiptSourceKey = (source: Pick<ReceiptSource, 'type' | 'paymentId' | 'refundId'>): string => (source.type === 'refund' ? `refund#${source.refundId}` : `payment#${source.paymentId}`);
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
 * A crashed holder's lease lapses (LEASES.receiptNumbering).
 */
export const takeNumberingLease = async (store: Store, practiceId: string, lease: { leaseId: string; now: Date }): Promise<{ lastSequence: number } | undefined> => {
  const counter = await takeLease(store, receiptCounterKey(practiceId), LEASES.receiptNumbering, {
    holderId: lease.leaseId,
    now: lease.now,
    also: { set: ['#type = :type'], names: { '#type': 'type' }, values: { ':type': 'receipt-counter' } },
    returnItem: true,
  });
  return counter ? { lastSequence: (counter.lastSequence as number | undefined) ?? 0 } : undefined;
};

/** Gives the lease back without numbering (nothing queued, or the numbering failed). */
export const releaseNumberingLease = async (store: Store, practiceId: string, leaseId: string): Promise<void> => {
  await releaseLease(store, receiptCounterKey(practiceId), LEASES.receiptNumbering, leaseId);
};

/** The counter moves from `seen` to `last` and the numbering lease is given back, if still ours. */
const numberingCounterWrite = (practiceId: string, seen: number, last: number, leaseId: string, now: Date): TransactItem => {
  const lease = leaseExpressions(LEASES.receiptNumbering, { holderId: leaseId });
  const update = updateExpression({ set: ['lastSequence = :last', 'updatedAt = :at'], remove: lease.clear, add: [] });
  const condition = `${lease.heldBy} AND ${seen === 0 ? absent('lastSequence') : 'lastSequence = :seen'}`;
  return {
    Update: {
      Key: receiptCounterKey(practiceId),
      UpdateExpression: update,
      ConditionExpression: condition,
      ...placeholders(
        { names: lease.names, values: { ...lease.values, ':last': last, ':at': now.toISOString(), ...(seen === 0 ? {} : { ':seen': seen }), ...nullValue(condition) } },
        update,
        condition,
      ),
    },
  };
};

/**
 * The writes that number a batch of queued receipts `seen + 1 … seen + n` in queue order and give
 * the lease back: the counter moves from `seen` only if it is still `seen` and the lease still
 * ours, each receipt gets its number only if it has none, and leaves the queue. A number exists
 * exactly when its receipt does, so the sequence has no gaps.
 */
export const receiptNumberingWrites = (practiceId: string, seen: number, leaseId: string, batch: QueuedReceipt[], format: NumberFormat, now: Date): TransactItem[] => [
  numberingCounterWrite(practiceId, seen, seen + batch.length, leaseId, now),
  ...batch.flatMap((queued, index): TransactItem[] => [
    {
      Update: {
        Key: receiptKey(practiceId, queued.receiptId),
        UpdateExpression: 'SET #sequence = :sequence, #number = :number, #document.#number = :number, numberedAt = :at',
        ConditionExpression: `attribute_exists(pk) AND ${absent('#sequence')}`,
        ExpressionAttributeNames: { '#sequence': 'sequence', '#number': 'number', '#document': 'document' },
        ExpressionAttributeValues: { ':sequence': seen + index + 1, ':number': format(seen + index + 1), ':at': now.toISOString(), ...nullValue(absent('#sequence')) },
      },
    },
    { Delete: { Key: receiptQueueKey(practiceId, queued.receiptId), ConditionExpression: 'attribute_exists(pk)' } },
  ]),
];

/**
 * The queued receipts a failed numbering transaction refused (their receipt's condition failed,
 * not the counter's), from its cancellation reasons. Transaction items: marker, counter, then
 * (receipt, queue entry) pairs, as `receiptNumberingWrites` lays them out.
 */
export const numberingRefusals = (batch: QueuedReceipt[], reasons: string[]): QueuedReceipt[] => {
  const failed = new Set<number>();
  reasons.forEach((code, index) => {
    if (code === 'ConditionalCheckFailed' && index >= 2 && index < 2 + batch.length * 2) failed.add(Math.floor((index - 2) / 2));
  });
  return [...failed].map((index) => batch[index]!);
};

/**
 * Receipts of a practice, newest first (receipt ids are time-sortable, and numbers follow issue
 * order); of one client when `clientId` is given (GSI1).
 */
export const listReceipts = async (store: Store, practiceId: string, opts: { clientId?: string; cursor?: string; limit?: number; includeUnnumbered?: boolean } = {}): Promise<Page<Receipt>> => {
  const limit = opts.limit ?? 50;
  // A receipt is numbered within moments of being issued; until then the practice does not see it.
  const numbered = opts.includeUnnumbered ? {} : { FilterExpression: present('#sequence'), ExpressionAttributeNames: { '#sequence': 'sequence' } };
  const numberedValues = opts.includeUnnumbered ? {} : nullValue(present('#sequence'));
  const page = opts.clientId
    ? await queryPage<Record<string, unknown>>(
        store,
        {
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': clientReceiptsIndex(practiceId, opts.clientId), ...numberedValues },
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
          ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'RECEIPT#', ...numberedValues },
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
export const takeEmailLease = async (store: Store, practiceId: string, receiptId: string, lease: { leaseId: string; now: Date; force: boolean }): Promise<Receipt | undefined> => {
  // A receipt's lease is live while it is `sending` (settling removes it with the status change).
  const leased = await takeLease(store, receiptKey(practiceId, receiptId), LEASES.receiptEmail, {
    holderId: lease.leaseId,
    now: lease.now,
    condition: ({ lapsed }) =>
      lease.force
        ? `attribute_exists(pk) AND (emailStatus <> :sending OR (emailStatus = :sending AND ${lapsed}))`
        : `attribute_exists(pk) AND (emailStatus IN (:pending, :retrying) OR (emailStatus = :sending AND ${lapsed}))`,
    also: {
      set: ['emailStatus = :sending', 'emailLastAttemptAt = :attemptAt', 'emailAttempts = if_not_exists(emailAttempts, :zero) + :one'],
      values: { ':sending': 'sending', ':attemptAt': lease.now.toISOString(), ':zero': 0, ':one': 1, ':pending': 'pending', ':retrying': 'retrying' },
    },
    returnItem: true,
  });
  return leased ? withoutKeys<Receipt>(leased) : undefined;
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
  const lease = leaseExpressions(LEASES.receiptEmail, { holderId: leaseId });
  const update = sent
    ? updateExpression({
        set: ['emailStatus = :status', 'emailSentAt = :at', 'emailMessageId = :id', 'emailSends = if_not_exists(emailSends, :zero) + :one'],
        remove: [...lease.clear, 'emailLastError'],
        add: [],
      })
    : updateExpression({ set: ['emailStatus = :status', 'emailLastError = :error'], remove: lease.clear, add: [] });
  // Only the holder settles: a lease that expired and was taken over is not ours any more.
  const condition = lease.heldBy;
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: receiptKey(practiceId, receiptId),
        UpdateExpression: update,
        ConditionExpression: condition,
        ...placeholders(
          {
            names: lease.names,
            values: {
              ...lease.values,
              ':status': outcome.status,
              ...(sent ? { ':at': outcome.at.toISOString(), ':id': outcome.messageId, ':zero': 0, ':one': 1 } : { ':error': outcome.error }),
            },
          },
          update,
          condition,
        ),
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
};

/** The client's name as staff last corrected it (a receipt shows it), if the client is there. */
export const currentClientName = async (store: Store, practiceId: string, clientId: string): Promise<string | undefined> =>
  (await getItem<{ name?: string }>(store, clientKey(practiceId, clientId)))?.name || undefined;

/** A balance invoice (written by the balance invoicer): only the fields receipts read. */
export interface InvoiceRef {
  invoiceId: string;
  claimId?: string;
  clientId?: string;
  /** What the invoice was paid (a refund receipt's original amount when the payment's receipt is not issued yet). */
  amountPaidCents?: number;
}

export const getInvoiceRef = async (store: Store, practiceId: string, invoiceId: string): Promise<InvoiceRef | undefined> => {
  const item = await getItem<InvoiceRef>(store, { pk: practicePk(practiceId), sk: `INVOICE#${invoiceId}` });
  return item ? { invoiceId, claimId: item.claimId, clientId: item.clientId, amountPaidCents: item.amountPaidCents } : undefined;
};
