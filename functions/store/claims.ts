import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from './table';
import { ledgerWrites } from './clients';
import { withTable } from './commit';
import { getItem, queryAll, queryPage, withoutKeys, type Page } from './items';
import { practicePk } from './keys';

import type { Adjudication, Claim, RemittanceSummary } from '../domain/claim';
export const claimKey = (practiceId: string, claimId: string) => ({ pk: practicePk(practiceId), sk: `CLAIM#${claimId}` });
export const adjudicationKey = (practiceId: string, claimId: string, identity: string) => ({
  pk: practicePk(practiceId),
  sk: `CLAIM#${claimId}#ADJ#${identity}`,
});

export const getClaim = async (store: Store, practiceId: string, claimId: string): Promise<Claim | undefined> => {
  const item = await getItem<Claim>(store, claimKey(practiceId, claimId));
  return item ? withoutKeys<Claim>(item) : undefined;
};

/** Inserts a claim; false when the claim id is already taken. */
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
        TransactItems: [
          {
            Put: {
              TableName: store.tableName,
              Item: { ...claimKey(claim.practiceId, claim.claimId), type: 'claim', ...claim, gsi1pk: `${practicePk(claim.practiceId)}#CLIENT#${claim.clientId}#CLAIMS`, gsi1sk: claim.dateOfService },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...copay.map((write) => withTable(write, store.tableName)),
        ],
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
    .sort((a, b) => a.appliedAt.localeCompare(b.appliedAt) || a.adjudicationId.localeCompare(b.adjudicationId));

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

export const listRemittances = async (store: Store, practiceId: string, cursor?: string): Promise<Page<RemittanceListItem>> => {
  const page = await queryPage<RemittanceListItem>(
    store,
    {
      // Summaries only: quarantined claims are under REMQ# (store/remittances.ts), so the Limit counts
      // files. The filter leaves out those of files received before 2026-12-07 (REMITTANCE#<id>#Q#n).
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      FilterExpression: '#type = :remittance',
      // The summary's attributes only. Its payments are under REMPAY# since 2026-12-07; earlier summaries
      // still carry them, and DynamoDB reads whole items (≤ 1 MB a page): the answer carries none of them.
      ProjectionExpression: REMITTANCE_LIST_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
      ExpressionAttributeNames: { '#type': 'type', ...Object.fromEntries(REMITTANCE_LIST_ATTRIBUTES.map((name, i) => [`#a${i}`, name])) },
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'REMITTANCE#', ':remittance': 'remittance' },
      Limit: 50,
    },
    cursor,
  );
  return { items: page.items, nextCursor: page.nextCursor };
};
