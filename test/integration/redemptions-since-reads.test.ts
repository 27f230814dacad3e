/**
 * Credits used since an instant are read at their own cost, not the practice's redemption history
 * (bug 160, decisions/019): `GET /practices/{p}/redemptions?since=` (store/purchases.ts
 * `listRedemptionsSince`) Queries the practice's time index of standing redemptions (gsi1,
 * `PRACTICE#<p>#REDEMPTIONS`, `<redeemedAt>#<appointmentId>`), written with a redemption and removed
 * by its cancellation, instead of every `REDEMPTION#` item with a filter. Redemptions stored before
 * the index are found the old way, for a `since` before the practice's mark (`INDEXED#redemptions`,
 * `indexedFrom`, written by its first read under this code).
 *
 * The history (redemptions of last year, as the code before the index wrote them) is written
 * directly (BatchWriteItem): it only needs to be there, in the same partition, to be read or not; this
 * month's redemptions and the cancellation go through the API (the real redeem, the real cancel).
 */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { listRedemptionsSince, redemptionsIndexPk, redemptionsMarkKey } from '../../functions/store/purchases';
import type { Store } from '../../functions/store/table';
import { api } from '../support/api';
import { putItems, readCountedStore, redemptionItem } from '../support/paged-store';
import { paidPurchase } from '../support/purchase-flow';
import { store } from '../support/invoicing';

const readCounted = () => readCountedStore({ endpoint: inject('dynamoEndpoint'), tableName: inject('tableName') });

/** The practice's mark as its first read under the index would have left it at `indexedFrom`. */
const markAt = (practiceId: string, indexedFrom: Date) =>
  store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...redemptionsMarkKey(practiceId), type: 'redemptions-mark', indexedFrom: indexedFrom.toISOString() } }));

const monthStart = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
};

/** `count` standing redemptions of last year, without the index (as stored before it), written directly. */
const history = (practiceId: string, clientId: string, count: number) => {
  const from = Date.UTC(new Date().getUTCFullYear() - 1, 0, 1);
  return putItems(
    store,
    Array.from({ length: count }, (_, i) => redemptionItem(practiceId, clientId, `appt-old-${String(i).padStart(4, '0')}`, new Date(from + i * 6 * 3600_000).toISOString())),
  );
};

const redeem = async (practiceId: string, clientId: string, appointmentId: string) =>
  expect((await api('POST', `/practices/${practiceId}/clients/${clientId}/redemptions`, { practiceId, body: { appointmentId } })).status).toBe(201);
const cancel = async (practiceId: string, clientId: string, appointmentId: string) =>
  expect((await api('DELETE', `/practices/${practiceId}/clients/${clientId}/redemptions/${appointmentId}`, { practiceId })).status).toBe(200);
const since = (practiceId: string, at: Date, cursor?: string) =>
  api('GET', `/practices/${practiceId}/redemptions?since=${encodeURIComponent(at.toISOString())}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { practiceId });

/** Every page of the store's read, as the web app's Today reads the route. */
const allPages = async (read: Store, practiceId: string, at: Date) => {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listRedemptionsSince(read, practiceId, at.toISOString(), cursor);
    ids.push(...page.items.map((item) => item.appointmentId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
};

const indexEntries = async (practiceId: string) =>
  (
    await store.doc.send(
      new QueryCommand({ TableName: store.tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': redemptionsIndexPk(practiceId) } }),
    )
  ).Items?.map((item) => item.appointmentId as string) ?? [];

const ids = (items: { appointmentId: string }[]) => items.map((item) => item.appointmentId);

describe("GET …/redemptions?since=: this month's credits used at their cost, not the practice's redemption history", () => {
  it("1,200 redemptions of last year and 4 of this month (one cancelled): the first page of since=<month start> holds this month's 3 standing ones, no cursor, and reads about them, not the 1,200", async () => {
    // Prepare: the practice's first read under the index was last month (its mark); the history
    // was stored before it, without the index; this month's visits go through the API.
    const { practiceId, clientId } = await paidPurchase();
    await markAt(practiceId, new Date(monthStart().getTime() - 86_400_000));
    await history(practiceId, clientId, 1200);
    for (const appointmentId of ['visit-1', 'visit-2', 'visit-3', 'visit-4']) await redeem(practiceId, clientId, appointmentId);
    await cancel(practiceId, clientId, 'visit-2');
    const counted = readCounted();

    // Act
    const first = await since(practiceId, monthStart());
    const read = await listRedemptionsSince(counted, practiceId, monthStart().toISOString());

    // Assess: in the order they were redeemed; the mark and the 3 index entries (the Query read 500
    // items for an empty page with a cursor, and 25 such pages after 12,500 redemptions).
    expect(first.status).toBe(200);
    expect(ids(first.body.items)).toEqual(['visit-1', 'visit-3', 'visit-4']);
    expect(first.body.items.every((item: Record<string, unknown>) => Object.keys(item).sort().join() === 'appointmentId,clientId,purchaseId,redeemedAt')).toBe(true);
    expect(first.body.nextCursor).toBeNull();
    expect(ids(read.items)).toEqual(['visit-1', 'visit-3', 'visit-4']);
    expect(read.items.every((item) => !('pk' in item) && !('gsi1pk' in item))).toBe(true);
    expect(counted.reads.items).toBe(4);
    expect(counted.reads.units).toBeGreaterThan(0);
    expect(counted.reads.units).toBeLessThanOrEqual(2);
  });

  it('redemptions stored before the index (no mark): the first read marks the practice (one mark, whoever reads first) and answers them; a since before the mark still finds them, one after it reads the index', async () => {
    // Prepare: 600 redemptions of last year and two of two hours ago (one cancelled), all stored before the index.
    const { practiceId, clientId } = await paidPurchase();
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    await history(practiceId, clientId, 600);
    await putItems(store, [redemptionItem(practiceId, clientId, 'old-recent-1', twoHoursAgo), redemptionItem(practiceId, clientId, 'old-recent-2', twoHoursAgo, { status: 'cancelled' })]);
    const threeHoursAgo = new Date(Date.now() - 3 * 3600_000);
    const before = new Date();

    // Act: five first reads at once.
    const firstReads = await Promise.all(Array.from({ length: 5 }, () => allPages(store, practiceId, threeHoursAgo)));

    // Assess: each found the standing one the old way; the practice is marked from no earlier than the reads.
    for (const found of firstReads) expect(found).toEqual(['old-recent-1']);
    const mark = (await store.doc.send(new GetCommand({ TableName: store.tableName, Key: redemptionsMarkKey(practiceId), ConsistentRead: true }))).Item;
    expect(mark?.indexedFrom >= before.toISOString()).toBe(true);

    // Prepare: as if that first read had been an hour ago; three visits since, one cancelled.
    await markAt(practiceId, new Date(Date.now() - 3600_000));
    for (const appointmentId of ['visit-1', 'visit-2', 'visit-3']) await redeem(practiceId, clientId, appointmentId);
    await cancel(practiceId, clientId, 'visit-2');
    const counted = readCounted();

    // Act
    const beforeMark = await allPages(store, practiceId, threeHoursAgo);
    const afterMark = await listRedemptionsSince(counted, practiceId, new Date(Date.now() - 1800_000).toISOString());

    // Assess: before the mark, the old Query over every redemption (pages short, with cursors);
    // after it, the mark and the 2 index entries.
    expect(beforeMark.sort()).toEqual(['old-recent-1', 'visit-1', 'visit-3']);
    expect(ids(afterMark.items)).toEqual(['visit-1', 'visit-3']);
    expect(afterMark.nextCursor).toBeNull();
    expect(counted.reads.items).toBe(3);
  });

  it('a redemption is in the time index while it stands: its cancellation takes it out; a stale entry left in the index is not answered', async () => {
    // Prepare
    const { practiceId, clientId } = await paidPurchase();
    await markAt(practiceId, new Date(Date.now() - 3600_000));
    await redeem(practiceId, clientId, 'visit-1');
    await redeem(practiceId, clientId, 'visit-2');
    const standing = await indexEntries(practiceId);

    // Act
    await cancel(practiceId, clientId, 'visit-1');
    const afterCancel = await indexEntries(practiceId);
    await putItems(store, [redemptionItem(practiceId, clientId, 'stale-1', new Date().toISOString(), { status: 'cancelled', indexed: true })]);
    const answered = await since(practiceId, new Date(Date.now() - 1800_000));

    // Assess
    expect(standing).toEqual(['visit-1', 'visit-2']);
    expect(afterCancel).toEqual(['visit-2']);
    expect(ids(answered.body.items)).toEqual(['visit-2']);
  });

  it('a cursor from the other read (the index, or the Query of redemptions stored before it) is refused: 400 naming cursor, not 500', async () => {
    // Prepare: 600 redemptions stored before the index (last year) and 501 in the index (this
    // month, written directly with their entries): a page and a cursor of each read.
    const { practiceId, clientId } = await paidPurchase();
    const indexedFrom = new Date(monthStart().getTime() - 86_400_000);
    await markAt(practiceId, indexedFrom);
    await history(practiceId, clientId, 600);
    await putItems(
      store,
      Array.from({ length: 501 }, (_, i) =>
        redemptionItem(practiceId, clientId, `appt-new-${String(i).padStart(4, '0')}`, new Date(monthStart().getTime() + i * 1000).toISOString(), { indexed: true }),
      ),
    );
    const lastYear = new Date(Date.UTC(new Date().getUTCFullYear() - 1, 0, 1));
    const byQuery = await since(practiceId, lastYear);
    const byIndex = await since(practiceId, monthStart());
    expect([byQuery.status, byIndex.status]).toEqual([200, 200]);
    expect(byIndex.body.items).toHaveLength(500);
    expect(typeof byQuery.body.nextCursor).toBe('string');
    expect(typeof byIndex.body.nextCursor).toBe('string');

    // Act
    const queryCursorOnIndex = await since(practiceId, monthStart(), byQuery.body.nextCursor);
    const indexCursorOnQuery = await since(practiceId, lastYear, byIndex.body.nextCursor);
    const next = await since(practiceId, monthStart(), byIndex.body.nextCursor);

    // Assess
    for (const refused of [queryCursorOnIndex, indexCursorOnQuery]) {
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.field).toBe('cursor');
    }
    expect(ids(next.body.items)).toEqual(['appt-new-0500']);
    expect(next.body.nextCursor).toBeNull();
  });
});
