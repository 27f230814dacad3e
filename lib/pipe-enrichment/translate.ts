/**
 * The one translation of an outbox item into the events it puts on the bus, shared by the
 * EventBridge Pipe's enrichment (`handler.ts`, in AWS) and the local event bus (`local/event-bus.ts`,
 * on a laptop). Pure: no SDK, no I/O; the callers unmarshall the stream record's NewImage first.
 *
 * An item carries one event at its top level (`detailType`, `detail`: the layout written before
 * 2026-12-06) or an `events` list of up to EVENTS_PER_ITEM (a commit's marker and the items holding
 * a large commit's further events). What cannot be published throws MalformedOutboxItemError rather
 * than dropping an event: the Pipe fails the batch (retries, then its dead-letter queue).
 */

export interface BusEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

/** A bus event with what the item says of it besides: its outbox event id and when it was committed. */
export interface OutboxBusEvent extends BusEvent {
  eventId?: string;
  createdAt?: string;
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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * One outbox item (plain, unmarshalled) → every event it carries, in order. `recordId` (the stream
 * record's eventID) only names the record in an error. Throws rather than drop an event.
 */
export const outboxItemToBusEvents = (item: Record<string, unknown>, recordId?: string): OutboxBusEvent[] => {
  if (typeof item.source !== 'string' || item.source === '') {
    throw new MalformedOutboxItemError('the outbox item has no source', recordId);
  }
  const source = item.source;
  const createdAt = optionalString(item.createdAt) ?? optionalString(item.committedAt);
  if (!('events' in item)) {
    if (typeof item.detailType !== 'string' || item.detailType === '') {
      throw new MalformedOutboxItemError('the outbox item has no detailType', recordId);
    }
    if (!isRecord(item.detail)) throw new MalformedOutboxItemError('the outbox item has no detail map', recordId);
    return [{ source, detailType: item.detailType, detail: item.detail, eventId: optionalString(item.eventId), createdAt }];
  }
  if (!Array.isArray(item.events) || item.events.length === 0) throw new MalformedOutboxItemError('the outbox item has an empty events list', recordId);
  return item.events.map((event: unknown, index: number) => {
    if (!isRecord(event) || typeof event.detailType !== 'string' || event.detailType === '') {
      throw new MalformedOutboxItemError(`the outbox item's event ${index} has no detailType`, recordId);
    }
    if (!isRecord(event.detail)) throw new MalformedOutboxItemError(`the outbox item's event ${index} has no detail map`, recordId);
    return { source, detailType: event.detailType, detail: event.detail, eventId: optionalString(event.eventId), createdAt };
  });
};
