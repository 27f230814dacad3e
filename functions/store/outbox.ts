import { EventDetailError, isCatalogued, parseEventDetail } from '../shared/events/catalog';
import { deriveId } from '../shared/ids';
import { keys } from './keys';

export const EVENT_SOURCE = 'kneadpay' as const;
/** Outbox items are kept a week: long enough for the stream (24 h) and for replays by hand. */
export const OUTBOX_TTL_SECONDS = 7 * 24 * 3600;
/** The item `type` the EventBridge Pipe (and the local stream poller) forwards. */
export const OUTBOX_ITEM_TYPE = 'outbox' as const;

/** An event to publish on the `kneadpay` bus. `detail` carries ids and amounts, never names. */
export interface OutboxEvent {
  detailType: string;
  detail: { practiceId: string; version?: number; [key: string]: unknown };
}

export interface OutboxItem {
  pk: string;
  sk: string;
  type: typeof OUTBOX_ITEM_TYPE;
  eventId: string;
  source: typeof EVENT_SOURCE;
  detailType: string;
  detail: Record<string, unknown>;
  createdAt: string;
  ttl: number;
}

/**
 * The detail as it is written (`version: 1` first, then the event's own fields), validated first:
 * a catalogued detail-type against its schema (functions/shared/events/catalog.ts); every event
 * names its practice (the bus's tenancy). Throws EventDetailError.
 * test/unit/event-catalog.test.ts checks that every detail-type the functions emit is catalogued.
 */
export const validatedDetail = (event: OutboxEvent): Record<string, unknown> => {
  const detail = { version: 1, ...event.detail };
  if (typeof detail.practiceId !== 'string' || detail.practiceId === '') throw new EventDetailError(event.detailType, ['practiceId: expected string']);
  if (isCatalogued(event.detailType)) parseEventDetail(event.detailType, detail);
  return detail;
};

/**
 * The producers' check: commitOnce calls it before it builds any item, so an event that does not
 * match the catalog commits nothing. (`carriedEvent` and `outboxItem` only lay items out: tests
 * build partial items with them.)
 */
export const validateOutboxEvents = (events: readonly OutboxEvent[] = []): void => {
  for (const event of events) validatedDetail(event);
};

/**
 * Builds the outbox item for an event. The event id is derived from the business identity that
 * produced it, so a retried transaction writes the same id and consumers can dedupe on it.
 */
export const outboxItem = (event: OutboxEvent, identity: string, now: Date = new Date()): OutboxItem => {
  const eventId = deriveId('evt', identity, event.detailType);
  // commitOnce no longer writes this layout (its events ride on the marker, see `carriedEvent`);
  // the Pipe and the local bus still read it, for items written before.
  return {
    ...keys.outbox(event.detail.practiceId, eventId),
    type: OUTBOX_ITEM_TYPE,
    eventId,
    source: EVENT_SOURCE,
    detailType: event.detailType,
    detail: { version: 1, ...event.detail },
    createdAt: now.toISOString(),
    ttl: Math.floor(now.getTime() / 1000) + OUTBOX_TTL_SECONDS,
  };
};

/**
 * How many events one item carries at most. The Pipe's enrichment turns one stream record into as
 * many bus events as its item carries, and the bus target takes at most 10 per batch: the Pipe reads
 * `OUTBOX_PIPE_BATCH_SIZE` records at a time so a batch never holds more than 10 events.
 */
export const EVENTS_PER_ITEM = 2;
export const OUTBOX_PIPE_BATCH_SIZE = Math.floor(10 / EVENTS_PER_ITEM);

/** One event as an outbox item carries it in its `events` list. */
export interface CarriedEvent {
  eventId: string;
  detailType: string;
  detail: Record<string, unknown>;
}

/** The event id of the `index`-th event of the commit with this business identity (stable across retries). */
export const outboxEventId = (identity: string, index: number, detailType: string) => deriveId('evt', `${identity}#${index}`, detailType);

/** An event as it goes into an item's `events` list. */
export const carriedEvent = (event: OutboxEvent, identity: string, index: number): CarriedEvent => ({
  eventId: outboxEventId(identity, index, event.detailType),
  detailType: event.detailType,
  detail: { version: 1, ...event.detail },
});

/**
 * The events an item carries, whatever its layout: an outbox item of one event (`detailType`,
 * `detail` at the top, as written before 2026-12-06), or one carrying an `events` list (a commit's
 * marker since then, and the items holding a large commit's further events). Not an outbox item → [].
 */
export const eventsOfItem = (item: Record<string, unknown>): OutboxItem[] => {
  if (item.type !== OUTBOX_ITEM_TYPE) return [];
  const base = {
    pk: item.pk as string,
    sk: item.sk as string,
    type: OUTBOX_ITEM_TYPE,
    source: (item.source as typeof EVENT_SOURCE) ?? EVENT_SOURCE,
    createdAt: (item.createdAt ?? item.committedAt) as string,
    ttl: item.ttl as number,
  };
  if (Array.isArray(item.events)) return (item.events as CarriedEvent[]).map((event) => ({ ...base, ...event }));
  return [{ ...base, eventId: item.eventId as string, detailType: item.detailType as string, detail: item.detail as Record<string, unknown> }];
};

/** Whether an item is a commit's marker (a plain one, or one that also carries the commit's events). */
export const isMarkerItem = (item: Record<string, unknown>) => item.type === 'marker' || (item.type === OUTBOX_ITEM_TYPE && typeof item.committedAt === 'string');
