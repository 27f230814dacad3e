/**
 * The claims in a waiting state (draft, ready, submitted, accepted, rejected) are listed at their own
 * cost, not the practice's claim history's (bug 159): `GET …/claims?state=` was a Query of every
 * `CLAIM#` item (each claim and each of its adjudications), 200 a page, filtered by state after the
 * read. With a history sorted before them, the first page of `?state=ready` came back empty with a
 * cursor, and the web app's Today page, which reads every page of four waiting states to count the
 * claims waiting, made hundreds of requests and then said "at least". A claim in a waiting state now
 * carries an entry in the claim-state index (`gsi2`, `<state>#<claimId>`), moved with each change of
 * its state and removed when an 835 decides it.
 *
 * The history (adjudicated claims, each with one adjudication of ~1 KB) is written directly
 * (BatchWriteItem): it only needs to be in the partition; the claims in waiting states get there
 * through the API (the real insert, batch, 999 and 835).
 */
import { readFileSync } from 'node:fs';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { listClaims } from '../../functions/store/claims-out';
import { claimKey } from '../../functions/store/claims';
import { getItem } from '../../functions/store/items';
import { practicePk } from '../../functions/store/keys';
import { api } from '../support/api';
import { practiceWithClaims } from '../support/claims-practice';
import { claimHistoryItems, claimItem, putItems, readCountedStore } from '../support/paged-store';
import { newPracticeId } from '../support/store';
import { store } from '../support/invoicing';
import { ack999 } from '../fixtures/claims/acks';

const readCounted = () => readCountedStore({ endpoint: inject('dynamoEndpoint'), tableName: inject('tableName') });
const era = (name: string) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8');
const x12 = { 'content-type': 'application/edi-x12' };

/** The ids of one page of `GET …/claims?state=`, and its cursor. */
const listed = async (practiceId: string, state: string) => {
  const answer = await api('GET', `/practices/${practiceId}/claims?state=${state}`, { practiceId });
  expect(answer.status).toBe(200);
  return { ids: (answer.body.items as { claimId: string; state: string }[]).map((claim) => `${claim.claimId} ${claim.state}`), nextCursor: answer.body.nextCursor };
};

const WAITING = ['draft', 'ready', 'submitted', 'accepted', 'rejected'] as const;

/** Every waiting state's first page: the claims listed in it (each page must be the whole list). */
const waitingLists = async (practiceId: string) => {
  const lists: Record<string, string[]> = {};
  for (const state of WAITING) {
    const page = await listed(practiceId, state);
    expect([state, page.nextCursor]).toEqual([state, null]);
    lists[state] = page.ids;
  }
  return lists;
};

describe("GET …/claims?state=: a waiting state's claims at their cost, not the practice's claim history's", () => {
  it('300 adjudicated claims sorted before them: each waiting state is one page holding its claims, through insert, batch, 999 and 835; the read looks at the claim it lists', async () => {
    // Prepare: CLM-1001 sent (submitted), CLM-1002 a draft, CLM-1003 ready; a history whose ids sort first.
    const { practiceId, clientId, groupControlNumber } = await practiceWithClaims(['CLM-1001']);
    await putItems(store, claimHistoryItems(practiceId, clientId, 300, 'CLM-0000-'));

    // Act and assess: each list holds exactly its claims, in one page.
    expect(await waitingLists(practiceId)).toEqual({ draft: ['CLM-1002 draft'], ready: ['CLM-1003 ready'], submitted: ['CLM-1001 submitted'], accepted: [], rejected: [] });
    const counted = readCounted();
    expect((await listClaims(counted, practiceId, { state: 'ready' })).items.map((claim) => claim.claimId)).toEqual(['CLM-1003']);
    // The mark and the one claim's index entry (the Query of `CLAIM#` read 200 items a page, 3 pages).
    expect(counted.reads.items).toBeLessThanOrEqual(2);
    expect(counted.reads.units).toBeLessThanOrEqual(2);

    // The 999 accepts CLM-1001's batch; CLM-1003 goes in a batch the next 999 rejects.
    expect((await api('POST', `/practices/${practiceId}/acknowledgements`, { practiceId, raw: ack999(groupControlNumber, 'A'), headers: x12 })).status).toBe(202);
    const second = await api('POST', `/practices/${practiceId}/claim-batches`, { practiceId, body: { claimIds: ['CLM-1003'] } });
    expect(second.status).toBe(201);
    expect(await waitingLists(practiceId)).toEqual({ draft: ['CLM-1002 draft'], ready: [], submitted: ['CLM-1003 submitted'], accepted: ['CLM-1001 accepted'], rejected: [] });
    const refused = await api('POST', `/practices/${practiceId}/acknowledgements`, { practiceId, raw: ack999(String(Number(second.body.interchangeControlNumber)), 'R'), headers: x12 });
    expect(refused.body.rejected).toEqual([expect.objectContaining({ claimId: 'CLM-1003' })]);

    // The 835 decides CLM-1001: it leaves the waiting states and is listed as adjudicated.
    const remittance = await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: era('worked-example.835'), headers: x12 });
    expect([remittance.status, remittance.body.matched]).toEqual([202, 1]);
    expect(await waitingLists(practiceId)).toEqual({ draft: ['CLM-1002 draft'], ready: [], submitted: [], accepted: [], rejected: ['CLM-1003 rejected'] });
    expect((await getItem<Record<string, unknown>>(store, claimKey(practiceId, 'CLM-1001')))?.gsi2pk).toBeUndefined();
    const adjudicated: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages += 1) {
      const answer: { body: { items: { claimId: string }[]; nextCursor: string | null } } = await api(
        'GET',
        `/practices/${practiceId}/claims?state=adjudicated${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { practiceId },
      );
      adjudicated.push(...answer.body.items.map((claim) => claim.claimId));
      cursor = answer.body.nextCursor;
    }
    expect([adjudicated.length, adjudicated.includes('CLM-1001')]).toEqual([301, true]);
  });

  it('a practice whose claims were stored before the index: its waiting claims are indexed by its first list, then the practice is marked; entries left stale are put right once the mark is deleted; a cursor of another list is refused', async () => {
    // Prepare: claims written as the code before the index wrote them (no entry), no mark.
    const practiceId = newPracticeId();
    await putItems(store, [
      claimItem(practiceId, 'CLM-A', 'cli_1', 'ready'),
      claimItem(practiceId, 'CLM-B', 'cli_1', 'rejected'),
      claimItem(practiceId, 'CLM-C', 'cli_1', 'submitted'),
      claimItem(practiceId, 'CLM-D', 'cli_1', 'closed', 'processed_primary'),
      ...claimHistoryItems(practiceId, 'cli_1', 250, 'CLM-0000-'),
    ]);

    // Act
    const ready = await listed(practiceId, 'ready');

    // Assess: found; every waiting claim indexed, the decided ones not; the practice marked.
    expect(ready).toEqual({ ids: ['CLM-A ready'], nextCursor: null });
    expect(await getItem(store, { pk: practicePk(practiceId), sk: 'INDEXED#claim-states' })).toBeDefined();
    const entries = async (claimId: string) => (await getItem<Record<string, unknown>>(store, claimKey(practiceId, claimId)))?.gsi2sk;
    expect([await entries('CLM-A'), await entries('CLM-B'), await entries('CLM-C'), await entries('CLM-D'), await entries('CLM-0000-1')]).toEqual([
      'ready#CLM-A',
      'rejected#CLM-B',
      'submitted#CLM-C',
      undefined,
      undefined,
    ]);
    expect(await waitingLists(practiceId)).toEqual({ draft: [], ready: ['CLM-A ready'], submitted: ['CLM-C submitted'], accepted: [], rejected: ['CLM-B rejected'] });

    // Claims whose state changed by code that did not move their entry (a rollback): a stale entry is
    // not listed under its old state; with the mark deleted (docs/operations.md), the next list puts
    // the entries right: CLM-C's removed (adjudicated), CLM-A's moved (ready → submitted).
    const setState = (claimId: string, state: string) =>
      store.doc.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: claimKey(practiceId, claimId),
          UpdateExpression: 'SET #state = :s',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':s': state },
        }),
      );
    await setState('CLM-C', 'adjudicated');
    await setState('CLM-A', 'submitted');
    expect([(await listed(practiceId, 'submitted')).ids, (await listed(practiceId, 'ready')).ids]).toEqual([[], []]);
    await store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: { pk: practicePk(practiceId), sk: 'INDEXED#claim-states' } }));
    expect(await waitingLists(practiceId)).toEqual({ draft: [], ready: [], submitted: ['CLM-A submitted'], accepted: [], rejected: ['CLM-B rejected'] });
    expect([await entries('CLM-A'), await entries('CLM-B'), await entries('CLM-C')]).toEqual(['submitted#CLM-A', 'rejected#CLM-B', undefined]);

    // A cursor of the list without a state (the practice's `CLAIM#` items) is not one of the index's: 400 naming it.
    const all = await api('GET', `/practices/${practiceId}/claims`, { practiceId });
    expect(all.body.nextCursor).toEqual(expect.any(String));
    const foreign = await api('GET', `/practices/${practiceId}/claims?state=ready&cursor=${encodeURIComponent(all.body.nextCursor)}`, { practiceId });
    expect([foreign.status, foreign.body.error.details.field]).toEqual([400, 'cursor']);
    for (const claimId of ['CLM-A', 'CLM-C']) await store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: claimKey(practiceId, claimId) }));
  });
});
