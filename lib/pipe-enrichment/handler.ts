import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * The EventBridge Pipe's enrichment: outbox stream records (DynamoDB JSON) in, plain
 * `{source, detailType, detail}` out, in order: one per event the record's item carries (an item
 * holds one event at its top level, or an `events` list of up to EVENTS_PER_ITEM — a commit's
 * marker carries its events; the pipe reads few enough records that a batch stays within 10 events). The pipe's target then sets
 * Source and DetailType from these fields and sends `detail` as the event's detail.
 * The pipe's filter has already dropped everything that is not an inserted outbox item.
 */

/** The part of a DynamoDB stream record (as Pipes delivers it) this function reads. */
export interface OutboxStreamRecord {
  eventID?: string;
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, AttributeValue> };
}

export interface BusEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

/** An outbox item the stack cannot publish: the batch fails, Pipes retries, then dead-letters it. */
export class MalformedOutboxItemError extends Error {
  constructor(
    message: string,
    readonly eventId: string | undefined,
  ) {
    super(`${message} (stream record ${eventId ?? 'without an id'})`);
    this.name = 'MalformedOutboxItemError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One outbox stream record → the event to put on the bus. Throws rather than drop an event. */
export const outboxRecordToBusEvent = (record: OutboxStreamRecord): BusEvent => {
  const image = record.dynamodb?.NewImage;
  if (!image) throw new MalformedOutboxItemError('the record has no NewImage; the stream must carry NEW_IMAGE', record.eventID);
  const item = unmarshall(image);
  if (typeof item.source !== 'string' || item.source === '') {
    throw new MalformedOutboxItemError('the outbox item has no source', record.eventID);
  }
  if (typeof item.detailType !== 'string' || item.detailType === '') {
    throw new MalformedOutboxItemError('the outbox item has no detailType', record.eventID);
  }
  if (!isRecord(item.detail)) throw new MalformedOutboxItemError('the outbox item has no detail map', record.eventID);
  return { source: item.source, detailType: item.detailType, detail: item.detail };
};

/** One outbox stream record → every event its item carries, in order. Throws rather than drop one. */
export const outboxRecordToBusEvents = (record: OutboxStreamRecord): BusEvent[] => {
  const image = record.dynamodb?.NewImage;
  if (!image) throw new MalformedOutboxItemError('the record has no NewImage; the stream must carry NEW_IMAGE', record.eventID);
  const item = unmarshall(image);
  if (!('events' in item)) return [outboxRecordToBusEvent(record)];
  if (typeof item.source !== 'string' || item.source === '') {
    throw new MalformedOutboxItemError('the outbox item has no source', record.eventID);
  }
  if (!Array.isArray(item.events) || item.events.length === 0) throw new MalformedOutboxItemError('the outbox item has an empty events list', record.eventID);
  return item.events.map((event: unknown, index: number) => {
    if (!isRecord(event) || typeof event.detailType !== 'string' || event.detailType === '') {
      throw new MalformedOutboxItemError(`the outbox item's event ${index} has no detailType`, record.eventID);
    }
    if (!isRecord(event.detail)) throw new MalformedOutboxItemError(`the outbox item's event ${index} has no detail map`, record.eventID);
    return { source: item.source as string, detailType: event.detailType, detail: event.detail };
  });
};

/**
 * Pipes invokes enrichments synchronously with a batch and sends each returned element on; the
 * answer may be longer than the batch, up to the bus target's 10 (OutboxPipe sizes the batch).
 */
export const handler = async (records: OutboxStreamRecord[]): Promise<BusEvent[]> => records.flatMap(outboxRecordToBusEvents);
