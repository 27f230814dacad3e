import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { KneadpayError } from '../shared/errors';
import type { Store } from './table';
import { keys } from './keys';
import { carriedEvent, EVENT_SOURCE, EVENTS_PER_ITEM, OUTBOX_ITEM_TYPE, OUTBOX_TTL_SECONDS, validateOutboxEvents, type OutboxEvent } from './outbox';

type SdkTransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type TableOptional<T> = Omit<T, 'TableName'> & { TableName?: string };
/** One write of a commit; `TableName` is filled in from the store. */
export interface TransactItem {
  Put?: TableOptional<NonNullable<SdkTransactItem['Put']>>;
  Update?: TableOptional<NonNullable<SdkTransactItem['Update']>>;
  Delete?: TableOptional<NonNullable<SdkTransactItem['Delete']>>;
  ConditionCheck?: TableOptional<NonNullable<SdkTransactItem['ConditionCheck']>>;
}

/** The business identity of a change: at most one commit per marker key, ever (or until its TTL). */
export interface Marker<R> {
  pk: string;
  sk: string;
  /** What the change answered; a duplicate gets it back (idempotent APIs replay their answer). */
  result?: R;
  /** Seconds the marker is kept; omit to keep it forever. */
  ttlSeconds?: number;
}

export interface CommitRequest<R> {
  marker: Marker<R>;
  /** State changes, each with its own condition if it needs one (version, status rank, balance). */
  writes: TransactItem[];
  /** Events to publish through the outbox, in the same transaction. */
  events?: OutboxEvent[];
}

export type CommitOutcome<R> = { status: 'committed'; result: R | undefined } | { status: 'duplicate'; result: R | undefined };

/**
 * The state changed under us: a condition on a state item failed, or DynamoDB kept reporting a
 * transaction conflict. Re-read and decide again; a retry may succeed (HTTP 409/503 at the edge).
 */
export class CommitConflictError extends KneadpayError {
  readonly reasons: string[];

  constructor(message: string, reasons: string[], cause?: unknown) {
    super(message, { status: 503, code: 'retry_later', details: { reasons }, cause });
    this.name = 'CommitConflictError';
    this.reasons = reasons;
  }
}

/** Transaction items sent in one TransactWriteItems call (DynamoDB's own limit is 100). */
export const MAX_TRANSACT_ITEMS = 100;
const CONFLICT_RETRIES = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const reasonCodes = (error: TransactionCanceledException): string[] => (error.CancellationReasons ?? []).map((reason: CancellationReason) => reason.Code ?? 'None');

/**
 * Commits a state change, the condition-guarded marker of its business key and its outbox events in
 * one TransactWriteItems (the marker item carries the first events itself; see `markerItem`), and
 * says what happened:
 * - `committed`: everything was written;
 * - `duplicate`: the marker already existed, nothing was written (the stored result comes back);
 * - throws `CommitConflictError` when a state condition failed or the transaction kept conflicting.
 *
 * A `TransactionConflict` (another transaction held one of the items) is retried here with jittered
 * backoff, because the next attempt usually resolves into a clear `committed` or `duplicate`.
 */
export const commitOnce = async <R>(store: Store, request: CommitRequest<R>, now: Date = new Date()): Promise<CommitOutcome<R>> => {
  validateOutboxEvents(request.events); // the event catalog (shared/events/catalog.ts): nothing is written for an event that does not match
  const items = commitItems(store.tableName, request, now);
  if (items.length > MAX_TRANSACT_ITEMS) {
    throw new KneadpayError(`a commit holds ${items.length} items; the limit is ${MAX_TRANSACT_ITEMS}`, {
      status: 500,
      code: 'internal',
    });
  }

  let lastConflict: TransactionCanceledException | undefined;
  for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt += 1) {
    try {
      await store.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return { status: 'committed', result: request.marker.result };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) && (error as Error)?.name !== 'TransactionCanceledException') {
        throw error;
      }
      const cancelled = error as TransactionCanceledException;
      const codes = reasonCodes(cancelled);
      const markerReason = cancelled.CancellationReasons?.[0];
      if (markerReason?.Code === 'ConditionalCheckFailed') {
        const stored = markerReason.Item ? unmarshall(markerReason.Item as never) : undefined;
        return { status: 'duplicate', result: stored?.result as R | undefined };
      }
      if (codes.some((code) => code === 'ConditionalCheckFailed')) {
        throw new CommitConflictError('a condition on the current state failed; re-read and retry', codes, error);
      }
      if (codes.some((code) => code === 'TransactionConflict')) {
        lastConflict = cancelled;
        await sleep(Math.random() * Math.min(200, 10 * 2 ** attempt));
        continue;
      }
      throw new CommitConflictError(`transaction cancelled: ${codes.join(',')}`, codes, error);
    }
  }
  throw new CommitConflictError('the transaction kept conflicting with concurrent writes', lastConflict ? reasonCodes(lastConflict) : [], lastConflict);
};

/**
 * The items of a commit's one TransactWriteItems, in order: the marker (carrying the first events),
 * the state writes, the outbox items of further events. `commitOnce` sends them; bench/webhook.ts
 * sends the same items bare, to tell kneadpay's own cost from its transaction's.
 */
export const commitItems = <R>(tableName: string, request: CommitRequest<R>, now: Date): SdkTransactItem[] => [
  { Put: { TableName: tableName, Item: markerItem(request, now), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
  ...request.writes.map((write) => withTable(write, tableName)),
  ...furtherOutboxItems(request, now).map((Item) => ({ Put: { TableName: tableName, Item } })),
];

/** A commit write with the store's table filled in. */
export const withTable = (item: TransactItem, tableName: string): SdkTransactItem => {
  const [kind, body] = Object.entries(item)[0] as [keyof TransactItem, Record<string, unknown>];
  return { [kind]: { TableName: tableName, ...body } } as SdkTransactItem;
};

const identityOf = (marker: Marker<unknown>) => `${marker.pk}|${marker.sk}`;
const epochSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

/**
 * The marker item. When the commit publishes events, the marker is also their outbox item (type
 * `outbox`, the first `EVENTS_PER_ITEM` events in its `events` list): the item that makes the
 * commit happen once is the item the stream carries to the bus, so a commit costs one item less
 * per event. It is then kept at least as long as an outbox item (a week) for the stream and replays.
 */
const markerItem = <R>(request: CommitRequest<R>, now: Date): Record<string, unknown> => {
  const { marker } = request;
  const identity = identityOf(marker);
  const carried = (request.events ?? []).slice(0, EVENTS_PER_ITEM).map((event, index) => carriedEvent(event, identity, index));
  const ttlSeconds = marker.ttlSeconds && carried.length > 0 ? Math.max(marker.ttlSeconds, OUTBOX_TTL_SECONDS) : marker.ttlSeconds;
  return {
    pk: marker.pk,
    sk: marker.sk,
    type: carried.length > 0 ? OUTBOX_ITEM_TYPE : 'marker',
    committedAt: now.toISOString(),
    ...(marker.result === undefined ? {} : { result: marker.result }),
    ...(ttlSeconds ? { ttl: epochSeconds(now) + ttlSeconds } : {}),
    ...(carried.length > 0 ? { source: EVENT_SOURCE, events: carried } : {}),
  };
};

/** Events beyond what the marker carries (a balance plan, several refunds): outbox items of `EVENTS_PER_ITEM` each. */
const furtherOutboxItems = <R>(request: CommitRequest<R>, now: Date): Record<string, unknown>[] => {
  const identity = identityOf(request.marker);
  const events = request.events ?? [];
  const items: Record<string, unknown>[] = [];
  for (let start = EVENTS_PER_ITEM; start < events.length; start += EVENTS_PER_ITEM) {
    const carried = events.slice(start, start + EVENTS_PER_ITEM).map((event, offset) => carriedEvent(event, identity, start + offset));
    items.push({
      ...keys.outbox(events[start]!.detail.practiceId, carried[0]!.eventId),
      type: OUTBOX_ITEM_TYPE,
      source: EVENT_SOURCE,
      events: carried,
      createdAt: now.toISOString(),
      ttl: epochSeconds(now) + OUTBOX_TTL_SECONDS,
    });
  }
  return items;
};
