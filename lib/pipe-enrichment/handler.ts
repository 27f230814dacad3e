import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MalformedOutboxItemError, outboxItemToBusEvents, type BusEvent, type OutboxBusEvent } from './translate';

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

export { MalformedOutboxItemError, type BusEvent } from './translate';

/** Only the fields the bus takes: source, detail-type and the plain detail. */
const onTheBus = ({ source, detailType, detail }: OutboxBusEvent): BusEvent => ({ source, detailType, detail });

/** The record's item, unmarshalled; a record without NewImage cannot be published. */
const itemOf = (record: OutboxStreamRecord): Record<string, unknown> => {
  const image = record.dynamodb?.NewImage;
  if (!image) throw new MalformedOutboxItemError('the record has no NewImage; the stream must carry NEW_IMAGE', record.eventID);
  return unmarshall(image);
};

/** One outbox stream record → the event to put on the bus (an item of one event). Throws rather than drop an event. */
export const outboxRecordToBusEvent = (record: OutboxStreamRecord): BusEvent => {
  const item = itemOf(record);
  const { events: _ignored, ...single } = item;
  return onTheBus(outboxItemToBusEvents(single, record.eventID)[0]!);
};

/** One outbox stream record → every event its item carries, in order (lib/pipe-enrichment/translate.ts). Throws rather than drop one. */
export const outboxRecordToBusEvents = (record: OutboxStreamRecord): BusEvent[] => outboxItemToBusEvents(itemOf(record), record.eventID).map(onTheBus);

/**
 * Pipes invokes enrichments synchronously with a batch and sends each returned element on; the
 * answer may be longer than the batch, up to the bus target's 10 (OutboxPipe sizes the batch).
 */
export const handler = async (records: OutboxStreamRecord[]): Promise<BusEvent[]> => records.flatMap(outboxRecordToBusEvents);
