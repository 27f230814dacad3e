/**
 * The writes of applying an adjudication (835 claim payment or ClaimAdjudicated event) and of
 * receiving a remittance file: core/remittances.ts decides what changes, these make the items.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Adjudication, Claim, QuarantinedClaim, RemittanceSummary } from '../domain/claim';
import type { LedgerEntry } from '../domain/client';
import { adjudicationKey, claimKey, claimStateEntry, remittanceKey, remittancePaymentsKey } from './claims';
import type { Store } from './table';
import { ledgerWrites } from './clients';
import type { TransactItem } from './commit';
import { queryAll, withoutKeys } from './items';
import { RetryableError } from '../shared/errors';
import { keys, practicePk } from './keys';
import { absent, nullValue } from './conditions';

/**
 * How an adjudication moves its claim's running totals:
 * - `share-replaced`: another payer adjudicated the claim before (coordination of benefits); the
 *   patient's share becomes `patientShareCents`, and only if no other adjudication came in between
 *   (`seenAdjudications` still the count); `status` null when the answer is the secondary claim's
 *   (its payer's verdict goes on that claim, the primary keeps its own payer's; so for `share-added`);
 * - `share-added`: the first payer's decision adds its patient responsibility;
 * - `counted-only`: a predetermination or "not our claim": counted, deciding no money.
 */
export type ClaimTotalsChange =
  | {
      kind: 'share-replaced';
      status: string | null;
      patientShareCents: number;
      insurerPaidCents: number;
      seenAdjudications: number;
      /** How many adjudications a release had set aside when the share was decided (`balanceRelease.setAside`): a release in between moves the share, so the commit fails. */
      seenSetAside?: number;
    }
  | { kind: 'share-added'; status: string | null; patientResponsibilityCents: number; insurerPaidCents: number }
  | { kind: 'counted-only' };

/** The adjudication as stored: its lines may name the code the practice billed (835 SVC06). */
export type StoredAdjudication = Omit<Adjudication, 'lines' | 'remittanceId'> & {
  remittanceId: string | null;
  lines: (Adjudication['lines'][number] & { originalProcedureCode?: string | null })[];
};

/** One adjudication per identity (SPEC §4), ever. */
export const adjudicationMarker = (practiceId: string, identity: string) => keys.marker(practiceId, 'adjudication', identity);

const claimTotalsWrite = (practiceId: string, claimId: string, change: ClaimTotalsChange): TransactItem => {
  const Key = claimKey(practiceId, claimId);
  const entry = claimStateEntry(practiceId, claimId, 'adjudicated');
  switch (change.kind) {
    case 'share-replaced': {
      // Null means absent (store/conditions.ts): a release with no denial set aside has no list.
      const condition = `attribute_exists(pk) AND adjudicationCount = :seen AND ${change.seenSetAside ? 'size(balanceRelease.setAside) = :aside' : absent('balanceRelease.setAside')}`;
      return {
        Update: {
          Key,
          UpdateExpression: `SET ${change.status === null ? '' : '#status = :status, '}#state = :adjudicated, patientResponsibilityCents = :share${entry.set}${entry.remove} ADD insurerPaidCents :paid, adjudicationCount :one`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { ...(change.status === null ? {} : { '#status': 'status' }), '#state': 'state' },
          ExpressionAttributeValues: {
            ':adjudicated': 'adjudicated',
            ...(change.status === null ? {} : { ':status': change.status }),
            ':share': change.patientShareCents,
            ':paid': change.insurerPaidCents,
            ':one': 1,
            ':seen': change.seenAdjudications,
            ...(change.seenSetAside ? { ':aside': change.seenSetAside } : {}),
            ...nullValue(condition),
            ...entry.values,
          },
        },
      };
    }
    case 'share-added':
      return {
        Update: {
          Key,
          UpdateExpression: `SET ${change.status === null ? '' : '#status = :status, '}#state = :adjudicated${entry.set}${entry.remove} ADD patientResponsibilityCents :pr, insurerPaidCents :paid, adjudicationCount :one`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { ...(change.status === null ? {} : { '#status': 'status' }), '#state': 'state' },
          ExpressionAttributeValues: {
            ':adjudicated': 'adjudicated',
            ...(change.status === null ? {} : { ':status': change.status }),
            ':pr': change.patientResponsibilityCents,
            ':paid': change.insurerPaidCents,
            ':one': 1,
            ...entry.values,
          },
        },
      };
    case 'counted-only':
      return {
        Update: {
          Key,
          UpdateExpression: 'ADD adjudicationCount :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
        },
      };
  }
};

/**
 * The items of one adjudication: the adjudication under its identity, the claim's totals and the
 * client's ledger entries (claim charge, insurer payment, write-off or COB adjustment).
 */
export const adjudicationWrites = (
  claim: Pick<Claim, 'practiceId' | 'claimId' | 'clientId'>,
  identity: string,
  adjudication: StoredAdjudication,
  change: ClaimTotalsChange,
  ledger: Omit<LedgerEntry, 'entryId' | 'clientId'>[],
  decidedSecondary?: { claimId: string; status: string },
): TransactItem[] => [
  { Put: { Item: { ...adjudicationKey(claim.practiceId, claim.claimId, identity), type: 'adjudication', ...adjudication } } },
  claimTotalsWrite(claim.practiceId, claim.claimId, change),
  ...ledgerWrites(claim.practiceId, claim.clientId, ledger),
  ...(decidedSecondary ? [secondaryClaimAdjudicatedWrite(claim.practiceId, decidedSecondary.claimId, decidedSecondary.status)] : []),
];

/**
 * A secondary claim decided by its payer: that payer's 835 names the visit's CLM01 (the primary
 * claim's id) and is applied to the primary claim; the secondary claim that carried it moves to
 * `adjudicated` with its payer's verdict (processed, denied, reversed…) in the same commit (a SET:
 * a retried commit writes the same).
 */
const secondaryClaimAdjudicatedWrite = (practiceId: string, secondaryClaimId: string, status: string): TransactItem => {
  const entry = claimStateEntry(practiceId, secondaryClaimId, 'adjudicated');
  return {
    Update: {
      Key: claimKey(practiceId, secondaryClaimId),
      UpdateExpression: `SET #state = :adjudicated, #status = :status${entry.set}${entry.remove}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#state': 'state', '#status': 'status' },
      ExpressionAttributeValues: { ':adjudicated': 'adjudicated', ':status': status, ...entry.values },
    },
  };
};

/** One summary per remittance file (its id is the file's hash). */
export const remittanceMarker = (practiceId: string, remittanceId: string) => keys.marker(practiceId, 'remittance', remittanceId);

/**
 * The remittance summary item (its quarantined claims are separate items, counted here) and its
 * payments, an item beside it (`REMPAY#`), written in the same commit: the list reads none of them.
 */
export const remittanceWrite = (practiceId: string, summary: Omit<RemittanceSummary, 'quarantined'>, quarantinedCount: number): TransactItem[] => {
  const { payments, paymentsOmitted, ...counts } = summary;
  const paymentsItem = { ...remittancePaymentsKey(practiceId, summary.remittanceId), type: 'remittance-payments', remittanceId: summary.remittanceId, payments };
  return [
    { Put: { Item: { ...remittanceKey(practiceId, summary.remittanceId), type: 'remittance', ...counts, quarantinedCount } } },
    ...(payments ? [{ Put: { Item: paymentsOmitted === undefined ? paymentsItem : { ...paymentsItem, paymentsOmitted } } }] : []),
  ];
};

/**
 * A file's quarantined claims have a prefix of their own, outside `REMITTANCE#`: the list's key
 * condition (`begins_with(sk, REMITTANCE#)`) then reads file summaries only, and its page limit
 * counts files (up to 2026-12-07 they sorted under their file, `REMITTANCE#<id>#Q#n`, and spent it).
 */
const quarantinePrefix = (remittanceId: string) => `REMQ#${remittanceId}#`;
const quarantineKey = (practiceId: string, remittanceId: string, index: number) => ({
  pk: practicePk(practiceId),
  sk: `${quarantinePrefix(remittanceId)}${String(index).padStart(6, '0')}`,
});

/** Where quarantined claims were written up to 2026-12-07, still read for the files stored then. */
const legacyQuarantinePrefix = (remittanceId: string) => `REMITTANCE#${remittanceId}#Q#`;

const QUARANTINE_BATCH_ATTEMPTS = 8;
/** Batches of a file's quarantined claims written at once (a file of 2,500 unmatched claim payments is 100 batches). */
const QUARANTINE_BATCHES_IN_FLIGHT = 4;

/**
 * Stores a file's quarantined claims, in file order (each at its index), 25 a batch, 4 batches at
 * once (retrying what DynamoDB leaves unprocessed). What is still unprocessed after the last
 * attempt fails the import (503, post the file again) once the batches under way are done: its
 * summary, committed after these, would otherwise count claims its page lacks.
 */
export const putQuarantine = async (store: Store, practiceId: string, remittanceId: string, quarantined: QuarantinedClaim[]): Promise<void> => {
  const writeBatch = async (start: number) => {
    const batch = quarantined.slice(start, start + 25).map((entry, offset) => ({
      PutRequest: { Item: { ...quarantineKey(practiceId, remittanceId, start + offset), type: 'quarantine', remittanceId, ...entry } },
    }));
    let pending: typeof batch | undefined = batch;
    for (let attempt = 0; pending && pending.length > 0 && attempt < QUARANTINE_BATCH_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
      const answer = await store.doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: pending } }));
      pending = answer.UnprocessedItems?.[store.tableName] as typeof batch | undefined;
    }
    if (pending?.length) {
      throw new RetryableError(
        `DynamoDB left ${pending.length} of the file's quarantined claim payments unwritten after ${QUARANTINE_BATCH_ATTEMPTS} attempts; the file is not recorded: post it again (nothing is applied twice)`,
      );
    }
  };
  const starts: number[] = [];
  for (let start = 0; start < quarantined.length; start += 25) starts.push(start);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < starts.length) {
      const start = starts[next++]!;
      await writeBatch(start).catch((error: unknown) => void (failure ??= { error }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(QUARANTINE_BATCHES_IN_FLIGHT, starts.length) }, lane));
  if (failure) throw failure.error;
};

const queryQuarantine = async (store: Store, practiceId: string, prefix: string): Promise<QuarantinedClaim[]> =>
  (
    await queryAll<Record<string, unknown>>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': prefix },
    })
  ).map((item) => {
    const { patientControlNumber, problems } = withoutKeys<QuarantinedClaim & { remittanceId: string }>(item);
    return { patientControlNumber, problems };
  });

/**
 * A file's quarantined claims, in file order. A file's are all in one layout: the summary is
 * committed after them, so a file received now has them under `REMQ#`, and one received before
 * 2026-12-07 under its `REMITTANCE#<id>#Q#` (read when there are none under the first).
 */
export const listQuarantine = async (store: Store, practiceId: string, remittanceId: string): Promise<QuarantinedClaim[]> => {
  const current = await queryQuarantine(store, practiceId, quarantinePrefix(remittanceId));
  return current.length > 0 ? current : queryQuarantine(store, practiceId, legacyQuarantinePrefix(remittanceId));
};
