import { BatchWriteCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ACKNOWLEDGEABLE } from '../domain/claim-state';
import type { Store } from './table';
import { getItem, getItems, queryAll, queryPage, withoutKeys, type Page } from './items';
import { practicePk } from './keys';
import type { Claim } from '../domain/claim';
import { claimKey, claimStateEntry, claimStateIndex, claimStateIndexPk, isWaitingClaimState, newClaimPut, OPEN_CLAIM_STATES, openClaimKey, openClaimPointerPuts } from './claims';
import { RetryableError } from '../shared/errors';
import { absent, nullValue } from './conditions';

import type { ClaimBatch, Coverage, Payer } from '../domain/claim-batch';
export const payerKey = (practiceId: string, payerId: string) => ({ pk: practicePk(practiceId), sk: `PAYER#${payerId}` });
export const coverageKey = (practiceId: string, clientId: string) => ({ pk: practicePk(practiceId), sk: `COVERAGE#${clientId}` });
export const batchKey = (practiceId: string, batchId: string) => ({ pk: practicePk(practiceId), sk: `CLAIMBATCH#${batchId}` });
export { openClaimKey } from './claims';
/** Set once every open claim of the practice has its pointer (claims stored before the pointers were indexed). */
export const openClaimsMarkKey = (practiceId: string) => ({ pk: practicePk(practiceId), sk: 'INDEXED#open-claims' });
/** The interchange control number counter of a practice (ISA13 = GS06), moved only inside a batch commit. */
export const controlCounterKey = (practiceId: string) => ({ pk: practicePk(practiceId), sk: 'COUNTER#interchange' });

/** ISA13 is 9 digits; batch ids sort by it. */
export const batchIdFor = (interchangeControlNumber: number) => `B${String(interchangeControlNumber).padStart(9, '0')}`;

export const getPayer = async (store: Store, practiceId: string, payerId: string): Promise<Payer | undefined> => {
  const item = await getItem<Payer>(store, payerKey(practiceId, payerId));
  return item ? withoutKeys<Payer>(item) : undefined;
};

export const putPayer = async (store: Store, payer: Payer): Promise<void> => {
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...payerKey(payer.practiceId, payer.payerId), type: 'payer', ...payer } }));
};

/** The practice's payers, one page (by payer id), for the web app's payer form. */
export const listPayers = async (store: Store, practiceId: string, cursor?: string): Promise<Page<Payer>> => {
  const page = await queryPage<Record<string, unknown>>(
    store,
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      FilterExpression: '#type = :payer',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'PAYER#', ':payer': 'payer' },
      Limit: 100,
    },
    cursor,
  );
  return { items: page.items.map((item) => withoutKeys<Payer>(item)), nextCursor: page.nextCursor };
};

export const getCoverage = async (store: Store, practiceId: string, clientId: string): Promise<Coverage | undefined> => {
  const item = await getItem<Coverage>(store, coverageKey(practiceId, clientId));
  return item ? withoutKeys<Coverage>(item) : undefined;
};

export const putCoverage = async (store: Store, coverage: Coverage): Promise<void> => {
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...coverageKey(coverage.practiceId, coverage.clientId), type: 'coverage', ...coverage } }));
};

export const getBatch = async (store: Store, practiceId: string, batchId: string): Promise<ClaimBatch | undefined> => {
  const item = await getItem<ClaimBatch>(store, batchKey(practiceId, batchId));
  return item ? withoutKeys<ClaimBatch>(item) : undefined;
};

/** The last interchange control number used (0 before the first batch). */
export const readControlCounter = async (store: Store, practiceId: string): Promise<number> => {
  const item = await getItem<{ value: number }>(store, controlCounterKey(practiceId));
  return item?.value ?? 0;
};

/** The newest batch (batch ids sort by control number). */
export const latestBatch = async (store: Store, practiceId: string): Promise<ClaimBatch | undefined> => {
  const page = await queryPage<Record<string, unknown>>(store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'CLAIMBATCH#' },
    ScanIndexForward: false,
    Limit: 1,
    ConsistentRead: true,
  });
  return page.items[0] ? withoutKeys<ClaimBatch>(page.items[0]) : undefined;
};

export type StoredClaim = Claim & Record<string, unknown>;

/** Set once every waiting claim of the practice has its entry in the claim-state index (claims stored before the index were indexed). */
export const claimStatesMarkKey = (practiceId: string) => ({ pk: practicePk(practiceId), sk: 'INDEXED#claim-states' });

/** Claims indexed at once while a practice's waiting claims stored before the index get their entries. */
const INDEXING_IN_FLIGHT = 8;

/**
 * Brings every claim's claim-state entry of the practice in line with its state, then marks the
 * practice: a waiting claim stored before the index gets its entry, and — after a rollback to code
 * that moved states without the entry, and the mark deleted (docs/operations.md) — a stale entry is
 * moved or removed. It reads the practice's claims once (their id, state and entry). Each update is
 * made only while the claim still has the state and the entry read: a claim whose state changed
 * meanwhile got its entry from the write that changed it. Two runs at once write the same entries.
 */
const indexClaimStates = async (store: Store, practiceId: string) => {
  const claims = await queryAll<{ claimId: string; state?: string; gsi2sk?: string | null }>(store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    FilterExpression: '#type = :claim',
    ProjectionExpression: 'claimId, #state, gsi2sk',
    ExpressionAttributeNames: { '#type': 'type', '#state': 'state' },
    ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'CLAIM#', ':claim': 'claim' },
    ConsistentRead: true,
  });
  // A claim without a state (none is written so today) has no entry, and is left as it is.
  const off = claims.filter(
    (claim): claim is typeof claim & { state: string } => claim.state !== undefined && (claim.gsi2sk ?? undefined) !== claimStateIndex(practiceId, claim.claimId, claim.state).gsi2sk,
  );
  let next = 0;
  const worker = async () => {
    while (next < off.length) {
      const claim = off[next++]!;
      const entry = claimStateEntry(practiceId, claim.claimId, claim.state);
      const seenEntry = claim.gsi2sk ? 'gsi2sk = :seenEntry' : absent('gsi2sk');
      await store.doc
        .send(
          new UpdateCommand({
            TableName: store.tableName,
            Key: claimKey(practiceId, claim.claimId),
            UpdateExpression: entry.set ? `SET ${entry.set.slice(2)}` : entry.remove.trim(),
            ConditionExpression: `#state = :seen AND ${seenEntry}`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':seen': claim.state, ...(claim.gsi2sk ? { ':seenEntry': claim.gsi2sk } : {}), ...entry.values, ...nullValue(seenEntry) },
          }),
        )
        .catch((error: Error) => {
          if (error.name !== 'ConditionalCheckFailedException') throw error;
        });
    }
  };
  await Promise.all(Array.from({ length: Math.min(INDEXING_IN_FLIGHT, off.length) }, worker));
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...claimStatesMarkKey(practiceId), type: 'claim-states-mark', indexedAt: new Date().toISOString() } }));
};

/**
 * The practice's claims, one page, optionally in one state. A waiting state (draft, ready, submitted,
 * accepted, rejected) is read from the claim-state index (`gsi2`, by claim id; eventually
 * consistent, as every index read), so a page holds up to 200 claims of that state whatever the
 * practice's history (bug 159, decisions/018); a practice not yet marked is indexed first. The filter
 * on `state` leaves out an entry its claim has left (one written by a function still on the code
 * before the index). Adjudicated and closed claims, and the list without a state, are read from the
 * practice's `CLAIM#` items (each claim and its adjudications), 200 a page, filtered to claims.
 */
export const listClaims = async (store: Store, practiceId: string, opts: { state?: string; cursor?: string } = {}): Promise<Page<StoredClaim>> => {
  const indexed = opts.state !== undefined && isWaitingClaimState(opts.state);
  if (indexed && !(await getItem(store, claimStatesMarkKey(practiceId)))) await indexClaimStates(store, practiceId);
  const page = await queryPage<Record<string, unknown>>(
    store,
    indexed
      ? {
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :entry)',
          FilterExpression: '#state = :state',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pk': claimStateIndexPk(practiceId), ':entry': `${opts.state}#`, ':state': opts.state },
          Limit: 200,
        }
      : {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          FilterExpression: opts.state ? '#type = :claim AND #state = :state' : '#type = :claim',
          ExpressionAttributeNames: { '#type': 'type', ...(opts.state ? { '#state': 'state' } : {}) },
          ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'CLAIM#', ':claim': 'claim', ...(opts.state ? { ':state': opts.state } : {}) },
          Limit: 200,
        },
    opts.cursor,
  );
  return { items: page.items.map((item) => withoutKeys<StoredClaim>(item)), nextCursor: page.nextCursor };
};

/**
 * Every claim in the given states, by the Query of the practice's every `CLAIM#` item (its claims and
 * their adjudications): `claimsInStates` before bug 158, still its read of a practice not yet marked
 * and of other states (exported for `bench/open-claims.ts`).
 */
export const claimsInStatesByQuery = async (store: Store, practiceId: string, states: readonly string[]): Promise<StoredClaim[]> =>
  (
    await queryAll<Record<string, unknown>>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      FilterExpression: '#type = :claim AND #state IN (' + states.map((_, i) => `:s${i}`).join(', ') + ')',
      ExpressionAttributeNames: { '#type': 'type', '#state': 'state' },
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'CLAIM#', ':claim': 'claim', ...Object.fromEntries(states.map((s, i) => [`:s${i}`, s])) },
      ConsistentRead: true,
    })
  ).map((item) => withoutKeys<StoredClaim>(item));

const POINTER_WRITE_ATTEMPTS = 8;

/** Puts or deletes open-claim pointers, 25 a BatchWriteItem, retrying what DynamoDB leaves unprocessed (what is still left after 8 attempts throws). */
const writePointers = async (store: Store, practiceId: string, claimIds: readonly string[], how: 'put' | 'delete') => {
  for (let start = 0; start < claimIds.length; start += 25) {
    let pending: Record<string, unknown>[] | undefined = claimIds
      .slice(start, start + 25)
      .map((claimId) =>
        how === 'put' ? { PutRequest: { Item: { ...openClaimKey(practiceId, claimId), type: 'open-claim', claimId } } } : { DeleteRequest: { Key: openClaimKey(practiceId, claimId) } },
      );
    for (let attempt = 0; pending && pending.length > 0 && attempt < POINTER_WRITE_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
      const answer = await store.doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: pending as never } }));
      pending = answer.UnprocessedItems?.[store.tableName] as Record<string, unknown>[] | undefined;
    }
    if (pending?.length) throw new RetryableError(`DynamoDB left ${pending.length} open-claim pointers unwritten after ${POINTER_WRITE_ATTEMPTS} attempts; retry`);
  }
};

/**
 * Every claim in the given states (bug 158, decisions/017). For the open states (draft, ready) it
 * reads the practice's open-claim pointers (`OPENCLAIM#<claimId>`, written in the claim's insert)
 * and those claims, both strongly consistent, not the practice's claim history: a Query of
 * `CLAIM#` reads, and pays for, every claim and every adjudication before the filter drops them.
 * A pointer stays when its claim leaves draft/ready (a batch, an acknowledgement, an 835): the
 * claim read is checked against the states asked, and pointers whose claim is no longer open are
 * deleted (best effort: one that fails is deleted by a later read; a claim never becomes open again,
 * it is only inserted open). A practice without the mark (claims stored before the pointers) is read
 * by the Query once: the open claims it finds get their pointers, then the practice is marked.
 * Other states are read by the Query.
 */
export const claimsInStates = async (store: Store, practiceId: string, states: readonly string[]): Promise<StoredClaim[]> => {
  const open: readonly string[] = OPEN_CLAIM_STATES;
  if (!states.every((state) => open.includes(state))) return claimsInStatesByQuery(store, practiceId, states);
  // The mark first, then the pointers: every open claim stored before the mark has its pointer by then.
  if (!(await getItem(store, openClaimsMarkKey(practiceId)))) {
    const found = await claimsInStatesByQuery(store, practiceId, open);
    await writePointers(
      store,
      practiceId,
      found.map((claim) => claim.claimId),
      'put',
    );
    await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...openClaimsMarkKey(practiceId), type: 'open-claims-mark', indexedAt: new Date().toISOString() } }));
    return found.filter((claim) => states.includes(claim.state ?? ''));
  }
  const pointers = await queryAll<{ claimId: string }>(store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'OPENCLAIM#' },
    ConsistentRead: true,
  });
  if (pointers.length === 0) return [];
  const claims = new Map(
    (
      await getItems<Record<string, unknown>>(
        store,
        pointers.map((pointer) => claimKey(practiceId, pointer.claimId)),
      )
    ).map((item) => [item.claimId as string, withoutKeys<StoredClaim>(item)]),
  );
  const stale = pointers.filter((pointer) => !open.includes(claims.get(pointer.claimId)?.state ?? '')).map((pointer) => pointer.claimId);
  if (stale.length > 0) await writePointers(store, practiceId, stale, 'delete').catch(() => undefined); // best effort: a later read deletes them
  return pointers.flatMap((pointer) => {
    const claim = claims.get(pointer.claimId);
    return claim && states.includes(claim.state ?? '') ? [claim] : [];
  });
};

/** Sets a claim's state and validation problems (draft ↔ ready), only while it is in one of `from`. */
export const setClaimReadiness = async (store: Store, practiceId: string, claimId: string, state: 'draft' | 'ready', problems: unknown[], from: readonly string[]) => {
  const entry = claimStateEntry(practiceId, claimId, state);
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: claimKey(practiceId, claimId),
        UpdateExpression: `SET #state = :state, #status = :state, problems = :problems${entry.set}${entry.remove}`,
        ConditionExpression: `attribute_exists(pk) AND #state IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#state': 'state', '#status': 'status' },
        ExpressionAttributeValues: { ':state': state, ':problems': problems, ...entry.values, ...Object.fromEntries(from.map((s, i) => [`:f${i}`, s])) },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
};

/**
 * Submits a batch: the practice's interchange control counter moves from `last` to the batch's
 * number, the batch is stored and every claim in it moves to `submitted`, in one transaction,
 * conditioned on the counter still holding `last` and on each claim still in the state it was read
 * in. False when another batch took the number or a claim first (nothing written: read again).
 */
export const recordBatchSubmitted = async (store: Store, batch: ClaimBatch, last: number, claims: readonly Pick<Claim, 'claimId' | 'state'>[], now: Date): Promise<boolean> => {
  const controlNumber = Number(batch.interchangeControlNumber);
  try {
    await store.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: store.tableName,
              Key: controlCounterKey(batch.practiceId),
              UpdateExpression: 'SET #value = :next, #type = :counter',
              ConditionExpression: last === 0 ? 'attribute_not_exists(pk)' : '#value = :last',
              ExpressionAttributeNames: { '#value': 'value', '#type': 'type' },
              ExpressionAttributeValues: { ':next': controlNumber, ':counter': 'counter', ...(last === 0 ? {} : { ':last': last }) },
            },
          },
          {
            Put: {
              TableName: store.tableName,
              Item: { ...batchKey(batch.practiceId, batch.batchId), type: 'claim-batch', ...batch },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...claims.map((claim) => {
            const entry = claimStateEntry(batch.practiceId, claim.claimId, 'submitted');
            return {
              Update: {
                TableName: store.tableName,
                Key: claimKey(batch.practiceId, claim.claimId),
                UpdateExpression: `SET #state = :submitted, #status = :submitted, batchId = :batch, problems = :none, submittedAt = :now${entry.set}${entry.remove}`,
                ConditionExpression: '#state = :seen',
                ExpressionAttributeNames: { '#state': 'state', '#status': 'status' },
                ExpressionAttributeValues: { ':submitted': 'submitted', ':batch': batch.batchId, ':none': [], ':now': now.toISOString(), ':seen': claim.state, ...entry.values },
              },
            };
          }),
        ],
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    return false;
  }
};

/**
 * Records what a 999 / 277CA said about a claim: the claim moves to `to` while it is still waiting
 * for an acknowledgement (or already there). False when it is not (an 835 already decided it).
 */
export const recordAcknowledgement = async (store: Store, practiceId: string, claimId: string, to: 'accepted' | 'rejected', ack: NonNullable<Claim['acknowledgement']>): Promise<boolean> => {
  const entry = claimStateEntry(practiceId, claimId, to);
  try {
    await store.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: store.tableName,
              Key: claimKey(practiceId, claimId),
              UpdateExpression: `SET #state = :to, #status = :to, acknowledgement = :ack${entry.set}${entry.remove}`,
              ConditionExpression: `attribute_exists(pk) AND #state IN (${ACKNOWLEDGEABLE.map((_, i) => `:s${i}`).join(', ')}, :to)`,
              ExpressionAttributeNames: { '#state': 'state', '#status': 'status' },
              ExpressionAttributeValues: { ':to': to, ':ack': ack, ...entry.values, ...Object.fromEntries(ACKNOWLEDGEABLE.map((s, i) => [`:s${i}`, s])) },
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'TransactionCanceledException') return false;
    throw error;
  }
};

/**
 * Registers a secondary claim and names it on its primary, in one transaction: the secondary is
 * new, and the primary has no other secondary (one per primary). False when either condition
 * failed (nothing written: the caller reads which).
 */
export const insertSecondaryClaim = async (store: Store, claim: Claim, primaryClaimId: string): Promise<boolean> => {
  try {
    await store.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          newClaimPut(store, claim),
          ...openClaimPointerPuts(store, claim),
          {
            Update: {
              TableName: store.tableName,
              Key: claimKey(claim.practiceId, primaryClaimId),
              UpdateExpression: 'SET secondaryClaimId = :id',
              ConditionExpression: `attribute_exists(pk) AND ${absent('secondaryClaimId')}`,
              ExpressionAttributeValues: { ':id': claim.claimId, ...nullValue(absent('secondaryClaimId')) },
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    return false;
  }
};
