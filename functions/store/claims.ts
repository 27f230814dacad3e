import { BatchGetCommand, TransactWriteCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Store } from './table';
import { ledgerWrites } from './clients';
import { withTable } from './commit';
import { getItem, queryAll, queryPage, withoutKeys, type Page } from './items';
import { practicePk } from './keys';
import { RetryableError } from '../shared/errors';

import type { Adjudication, Claim, RemittanceSummary } from '../domain/claim';
export const claimKey = (practiceId: string, claimId: string) => ({ pk: practicePk(practiceId), sk: `CLAIM#${claimId}` });
export const adjudicationKey = (practiceId: string, claimId: string, identity: string) => ({
  pk: practicePk(practiceId),
  sk: `CLAIM#${claimId}#ADJ#${identity}`,
});

/**
 * The states a claim waits in before an 835 decides it (domain/claim-state.ts: it never returns to
 * them from adjudicated or closed). A claim in one has an entry in the claim-state index (`gsi2`,
 * `gsi2pk = PRACTICE#p#CLAIMSTATE`, `gsi2sk = <state>#<claimId>`), so `GET …/claims?state=` reads
 * the claims in that state and not the practice's claim history (bug 159, decisions/018).
 */
export const WAITING_CLAIM_STATES = ['draft', 'ready', 'submitted', 'accepted', 'rejected'] as const;
export const isWaitingClaimState = (state: string | undefined): boolean => (WAITING_CLAIM_STATES as readonly string[]).includes(state ?? '');
export const claimStateIndexPk = (practiceId: string) => `${practicePk(practiceId)}#CLAIMSTATE`;

/** A claim's entry in the claim-state index, as item attributes: none for a claim not waiting. */
export const claimStateIndex = (practiceId: string, claimId: string, state: string | undefined) =>
  isWaitingClaimState(state) ? { gsi2pk: claimStateIndexPk(practiceId), gsi2sk: `${state}#${claimId}` } : {};

/**
 * What an update that sets a claim's state writes of its index entry, in the same update: `set` goes
 * at the end of its SET clause (with `values`), `remove` after that clause. A waiting state sets the
 * entry; adjudicated and closed remove it. Every write of a claim's `#state` uses it
 * (test/infra/open-claim-writes.test.ts).
 */
export const claimStateEntry = (practiceId: string, claimId: string, state: string) =>
  isWaitingClaimState(state)
    ? { set: ', gsi2pk = :stateIndexPk, gsi2sk = :stateIndexSk', remove: '', values: { ':stateIndexPk': claimStateIndexPk(practiceId), ':stateIndexSk': `${state}#${claimId}` } }
    : { set: '', remove: ' REMOVE gsi2pk, gsi2sk', values: {} };

/** A claim item as the API shows it: without its storage attributes, nor the ids of its invoices (store/invoices.ts `listClaimInvoices` reads those). */
const claimOf = (item: object): Claim => {
  const claim = withoutKeys<Claim & { invoiceIds?: unknown }>(item);
  delete claim.invoiceIds;
  return claim;
};

export const getClaim = async (store: Store, practiceId: string, claimId: string): Promise<Claim | undefined> => {
  const item = await getItem<Claim>(store, claimKey(practiceId, claimId));
  return item ? claimOf(item) : undefined;
};

/** BatchGetItem takes at most 100 keys a call (more is a ValidationException), each key once. */
export const CLAIMS_PER_BATCH_GET = 100;
/** Batch reads in flight at once for one file's claims. */
const CLAIM_BATCH_GETS_IN_FLIGHT = 4;
const CLAIM_BATCH_GET_ATTEMPTS = 8;

/**
 * Several claims of a practice by id, as `getClaim` reads each (strongly consistent), in
 * BatchGetItem calls of up to 100 distinct keys (a few at once): the ids a claim is missing from
 * are absent from the map. DynamoDB may answer part of a call and hand the rest back in
 * `UnprocessedKeys` (throttling, a response past 16 MB, an internal failure): those are asked
 * again with backoff; what is still unread after 8 attempts fails the read (503, retry).
 */
export const getClaims = async (store: Store, practiceId: string, claimIds: Iterable<string>): Promise<Map<string, Claim>> => {
  const ids = [...new Set(claimIds)];
  const found = new Map<string, Claim>();
  const readBatch = async (batch: string[]) => {
    let keys: Record<string, unknown>[] | undefined = batch.map((claimId) => claimKey(practiceId, claimId));
    for (let attempt = 0; keys && keys.length > 0 && attempt < CLAIM_BATCH_GET_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
      const answer: BatchGetCommandOutput = await store.doc.send(new BatchGetCommand({ RequestItems: { [store.tableName]: { Keys: keys, ConsistentRead: true } } }));
      for (const item of answer.Responses?.[store.tableName] ?? []) {
        const claim = claimOf(item);
        found.set(claim.claimId, claim);
      }
      keys = answer.UnprocessedKeys?.[store.tableName]?.Keys;
    }
    if (keys?.length) throw new RetryableError(`DynamoDB left ${keys.length} claims unread after ${CLAIM_BATCH_GET_ATTEMPTS} attempts; retry`);
  };
  const batches: string[][] = [];
  for (let start = 0; start < ids.length; start += CLAIMS_PER_BATCH_GET) batches.push(ids.slice(start, start + CLAIMS_PER_BATCH_GET));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await readBatch(batches[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CLAIM_BATCH_GETS_IN_FLIGHT, batches.length) }, worker));
  return found;
};

/**
 * The Put of a new claim item (its client's claims index: `gsi1`, by date of service; its entry in
 * the claim-state index when it starts waiting, as every claim but a decided one does), refused when
 * the id is taken. `insertClaim` and a secondary claim's insert (store/claims-out.ts) share it.
 */
export const newClaimPut = (store: Store, claim: Claim) => ({
  Put: {
    TableName: store.tableName,
    Item: {
      ...claimKey(claim.practiceId, claim.claimId),
      type: 'claim',
      ...claim,
      gsi1pk: `${practicePk(claim.practiceId)}#CLIENT#${claim.clientId}#CLAIMS`,
      gsi1sk: claim.dateOfService,
      ...claimStateIndex(claim.practiceId, claim.claimId, claim.state),
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** A pointer to an open (draft or ready) claim: `claimsInStates` (store/claims-out.ts) reads these, not the practice's claim history (bug 158, decisions/017). */
export const openClaimKey = (practiceId: string, claimId: string) => ({ pk: practicePk(practiceId), sk: `OPENCLAIM#${claimId}` });

/** The states a claim is open in: it is only ever inserted in them (never enters them later), and `setClaimReadiness` moves it between them. */
export const OPEN_CLAIM_STATES = ['draft', 'ready'] as const;

/**
 * The Put of a new claim's open-claim pointer, to go in the claim's insert transaction: none for a
 * claim inserted in another state (registered without a payer: `submitted`).
 */
export const openClaimPointerPuts = (store: Store, claim: Claim) =>
  (OPEN_CLAIM_STATES as readonly string[]).includes(claim.state ?? '')
    ? [{ Put: { TableName: store.tableName, Item: { ...openClaimKey(claim.practiceId, claim.claimId), type: 'open-claim', claimId: claim.claimId } } }]
    : [];

/**
 * Stores a new claim; false when one with this id exists. A copay collected at the visit is money
 * the client already paid: it is posted to the client's ledger (`copay_payment`) in the same
 * transaction, so after adjudication the balance is the share minus the copay — what the balance
 * invoice asks for.
 */
export const insertClaim = async (store: Store, claim: Claim): Promise<boolean> => {
  const copay =
    claim.collectedCents > 0
      ? ledgerWrites(claim.practiceId, claim.clientId, [{ kind: 'copay_payment', amountCents: -claim.collectedCents, currency: claim.currency, at: claim.createdAt, ref: claim.claimId }])
      : [];
  try {
    await store.doc.send(
      new TransactWriteCommand({
        TransactItems: [newClaimPut(store, claim), ...openClaimPointerPuts(store, claim), ...copay.map((write) => withTable(write, store.tableName))],
      }),
    );
    return true;
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if ((error as Error).name === 'TransactionCanceledException' && reasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
    throw error;
  }
};

export const listAdjudications = async (store: Store, practiceId: string, claimId: string): Promise<Adjudication[]> =>
  (
    await queryAll<Record<string, unknown>>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': `CLAIM#${claimId}#ADJ#` },
      ConsistentRead: true,
    })
  )
    .map((item) => withoutKeys<Adjudication>(item))
    // In the order applied; one file's claims share their instant and keep the file's order (bug 149).
    .sort((a, b) => a.appliedAt.localeCompare(b.appliedAt) || (a.filePosition ?? 0) - (b.filePosition ?? 0) || a.adjudicationId.localeCompare(b.adjudicationId));

// Remittances ---------------------------------------------------------------------------------

export const remittanceKey = (practiceId: string, remittanceId: string) => ({ pk: practicePk(practiceId), sk: `REMITTANCE#${remittanceId}` });

/**
 * A file's payments (up to ~200 KB), an item beside its summary, outside `REMITTANCE#`: the list
 * reads summaries of a few hundred bytes. Summaries written before 2026-12-07 carry them inline.
 */
export const remittancePaymentsKey = (practiceId: string, remittanceId: string) => ({ pk: practicePk(practiceId), sk: `REMPAY#${remittanceId}` });

export const getRemittance = async (store: Store, practiceId: string, remittanceId: string): Promise<RemittanceSummary | undefined> => {
  const [item, stored] = await Promise.all([
    getItem<RemittanceSummary>(store, remittanceKey(practiceId, remittanceId)),
    getItem<Pick<RemittanceSummary, 'payments' | 'paymentsOmitted'>>(store, remittancePaymentsKey(practiceId, remittanceId)),
  ]);
  if (!item) return undefined;
  const summary = withoutKeys<RemittanceSummary>(item);
  if (!stored) return summary; // an earlier summary: its payments inline, or none kept yet
  return { ...summary, payments: stored.payments, ...(stored.paymentsOmitted === undefined ? {} : { paymentsOmitted: stored.paymentsOmitted }) };
};

/**
 * An item of `GET …/remittances`: what the list and Today show (counts, totals, the quarantined
 * count), not the file's payments (up to ~200 KB a remittance: `GET …/remittances/{id}` has them).
 */
export type RemittanceListItem = Pick<RemittanceSummary, 'remittanceId' | 'traceNumber' | 'claims' | 'matched' | 'paymentCents' | 'providerAdjustmentCents' | 'paidAt' | 'receivedAt'> & {
  quarantinedCount: number;
};

const REMITTANCE_LIST_ATTRIBUTES = ['remittanceId', 'traceNumber', 'claims', 'matched', 'quarantinedCount', 'paymentCents', 'providerAdjustmentCents', 'paidAt', 'receivedAt'] as const;

/** A page of the list: 50 files. */
const REMITTANCE_PAGE = 50;
/** The reads one page may take over files stored before 2026-12-07 (one over files stored since). */
const REMITTANCE_PAGE_READS = 10;

/**
 * One page of a practice's remittance summaries. Since 2026-12-07 a file's quarantined claims
 * (REMQ#) and payments (REMPAY#) are outside the key condition, so one read of `Limit` 50 is a
 * page of 50 files. Files stored before keep both in the earlier layout (quarantined claims at
 * REMITTANCE#<id>#Q#n, payments inline): there a read may end with fewer files (`Limit` counts the
 * items the filter then drops; a read stops after 1 MB), and the page reads on from where it
 * stopped, asking only for the files it still lacks, up to 10 reads; the cursor is where it ended.
 */
export const listRemittances = async (store: Store, practiceId: string, cursor?: string): Promise<Page<RemittanceListItem>> => {
  const items: RemittanceListItem[] = [];
  let next: string | null | undefined = cursor;
  for (let reads = 0; reads < REMITTANCE_PAGE_READS; reads += 1) {
    const page: Page<RemittanceListItem> = await queryPage<RemittanceListItem>(
      store,
      {
        // The filter leaves out the quarantined claims of files stored before 2026-12-07.
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        FilterExpression: '#type = :remittance',
        // The summary's attributes only (payments inline on summaries stored before 2026-12-07 are read, not answered).
        ProjectionExpression: REMITTANCE_LIST_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: { '#type': 'type', ...Object.fromEntries(REMITTANCE_LIST_ATTRIBUTES.map((name, i) => [`#a${i}`, name])) },
        ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'REMITTANCE#', ':remittance': 'remittance' },
        Limit: REMITTANCE_PAGE - items.length,
      },
      next ?? undefined,
    );
    items.push(...page.items);
    next = page.nextCursor;
    if (!next || items.length >= REMITTANCE_PAGE) break;
  }
  return { items, nextCursor: next ?? null };
};
