import { ledgerEntriesOfItem } from '../../functions/store/clients';
import { eventsOfItem, isMarkerItem } from '../../functions/store/outbox';

/**
 * A partition's raw items as the records they stand for, one record per fact: since 2026-12-06 a
 * commit's marker also carries the commit's events (type `outbox`, an `events` list) and one ledger
 * item may hold a moment's entries (`entries`). Tests that count markers, events or ledger entries
 * from raw items read them through this view, so they assert the same facts as before:
 * - a marker item → a `marker` record (and its events, below);
 * - an outbox item → one `outbox` record per event (`eventId`, `detailType`, `detail`, `source`);
 * - a ledger item → one `ledger` record per entry;
 * - anything else as it is.
 */
export const logicalItems = (items: Record<string, any>[]): Record<string, any>[] =>
  items.flatMap((item) => {
    if (item.type === 'ledger') return ledgerEntriesOfItem(item).map((entry) => ({ pk: item.pk, sk: item.sk, type: 'ledger', ...entry }));
    const events = eventsOfItem(item);
    if (events.length === 0 && item.type !== 'outbox') return [item];
    const { events: _carried, source: _source, ...marker } = item;
    return [...(isMarkerItem(item) ? [{ ...marker, type: 'marker' }] : []), ...events];
  });
