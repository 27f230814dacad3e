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
 * Builds the outbox item for an event. The event id is derived from the business identity that
 * produced it, so a retried transaction writes the same id and consumers can dedupe on it.
 */
export const outboxItem = (event: OutboxEvent, identity: string, now: Date = new Date()): OutboxItem => {
  const eventId = deriveId('evt', identity, event.detailType);
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
