/**
 * The open claims (draft, ready) are read at their own cost, not the practice's claim history
 * (bug 158, audit m1 of 2026-12-07): `claimsInStates` Queries the practice's `OPENCLAIM#` pointers
 * (written with a claim's insert when it is draft or ready) and reads those claims, strongly
 * consistent, instead of every `CLAIM#` item (each claim and each of its adjudications). A practice
 * whose claims were written before the pointers is read the old way once, indexed, then marked.
 *
 * The history (adjudicated claims, each with one adjudication of ~1 KB) is written directly
 * (BatchWriteItem): it only needs to be there, in the same partition, to be read or not; the open
 * claims and the submitted one go through the API (the real insert, the real batch).
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { claimsInStates, openClaimKey, openClaimsMarkKey } from '../../functions/store/claims-out';
import { getItem, queryAll } from '../../functions/store/items';
import { practicePk } from '../../functions/store/keys';
import { practiceWithClaims } from '../support/claims-practice';
import { claimHistoryItems, putItems, readCountedStore } from '../support/paged-store';
import { store } from '../support/invoicing';

const readCounted = () => readCountedStore({ endpoint: inject('dynamoEndpoint'), tableName: inject('tableName') });

/** CLM-1001 ready, CLM-1002 a draft, CLM-1003 ready then sent in a batch (submitted). */
const practiceWithOpenClaims = () => practiceWithClaims(['CLM-1003']);

/** `count` adjudicated claims of the practice, each with one adjudication of about 1 KB, written directly. */
const history = (practiceId: string, clientId: string, count: number) => putItems(store, claimHistoryItems(practiceId, clientId, count));

const pointers = async (practiceId: string) =>
  (
    await queryAll<{ claimId: string }>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'OPENCLAIM#' },
      ConsistentRead: true,
    })
  )
    .map((item) => item.claimId)
    .sort();

const ids = (claims: { claimId: string }[]) => claims.map((claim) => claim.claimId).sort();

describe("claimsInStates: the practice's open claims at their cost, not its claim history's", () => {
  it('2 open claims (ready, draft) among 150 adjudicated claims with their adjudications: reads about the open ones, not the 300 history items; a submitted claim is not returned', async () => {
    // Prepare: the practice was marked by its first read (its payer's save checks the open claims
    // again), before it had claims; this read deletes CLM-1003's pointer (submitted since).
    const { practiceId, clientId } = await practiceWithOpenClaims();
    expect(await getItem(store, openClaimsMarkKey(practiceId))).toBeDefined();
    await history(practiceId, clientId, 150);
    expect(await pointers(practiceId)).toEqual(['CLM-1001', 'CLM-1002', 'CLM-1003']);
    expect(ids(await claimsInStates(store, practiceId, ['draft', 'ready']))).toEqual(['CLM-1001', 'CLM-1002']);
    const counted = readCounted();

    // Act
    const open = await claimsInStates(counted, practiceId, ['draft', 'ready']);

    // Assess: the mark, 2 pointers and the 2 claims they name: 5 items (the Query read 303; 603 with 300 claims), each under 4 KB.
    expect(open.map((claim) => [claim.claimId, claim.state])).toEqual([
      ['CLM-1001', 'ready'],
      ['CLM-1002', 'draft'],
    ]);
    expect(open.every((claim) => !('pk' in claim) && !('sk' in claim))).toBe(true);
    expect(counted.reads.items).toBe(5);
    expect(counted.reads.units).toBeGreaterThan(0);
    expect(counted.reads.units).toBeLessThanOrEqual(5);
    expect(await pointers(practiceId)).toEqual(['CLM-1001', 'CLM-1002']);
    expect(ids(await claimsInStates(store, practiceId, ['ready']))).toEqual(['CLM-1001']);
    expect(ids(await claimsInStates(store, practiceId, ['draft']))).toEqual(['CLM-1002']);
  });

  it('a practice whose claims were written before the pointers: its open claims are found the old way once, their pointers written, then the practice is marked', async () => {
    // Prepare: no pointer and no mark, as claims stored before them.
    const { practiceId } = await practiceWithOpenClaims();
    for (const claimId of ['CLM-1001', 'CLM-1002', 'CLM-1003']) {
      await store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: openClaimKey(practiceId, claimId) }));
    }
    await store.doc.send(new DeleteCommand({ TableName: store.tableName, Key: openClaimsMarkKey(practiceId) }));
    expect(await pointers(practiceId)).toEqual([]);

    // Act
    const legacy = await claimsInStates(store, practiceId, ['draft', 'ready']);

    // Assess: found, indexed, marked; the next read goes by the pointers.
    expect(ids(legacy)).toEqual(['CLM-1001', 'CLM-1002']);
    expect(await pointers(practiceId)).toEqual(['CLM-1001', 'CLM-1002']);
    expect(await getItem(store, openClaimsMarkKey(practiceId))).toBeDefined();
    const counted = readCounted();
    expect(ids(await claimsInStates(counted, practiceId, ['draft', 'ready']))).toEqual(['CLM-1001', 'CLM-1002']);
    expect(counted.reads.items).toBeLessThanOrEqual(5);
  });
});
