import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from './client';
import { ledgerWrites } from './clients';
import { withTable } from './commit';
import { getItem, queryAll, queryPage, withoutKeys, type Page } from './items';
import { practicePk } from './keys';

export interface ClaimLine {
  procedureCode: string;
  modifiers: string[];
  minutes: number | null;
  units: number;
  chargeCents: number;
  /** 1-based pointers into the claim's diagnoses (SV107, CMS-1500 24E); absent: the first up to 4. */
  diagnosisPointers?: number[];
}

/** A claim the practice submitted to a payer. Its PHI (codes, payer) stays in kneadpay. */
export interface Claim {
  claimId: string;
  practiceId: string;
  clientId: string;
  payerName: string | null;
  dateOfService: string;
  placeOfService: string;
  diagnosisCodes: string[];
  lines: ClaimLine[];
  unitMethod: string;
  chargeCents: number;
  currency: string;
  /** Collected from the client before adjudication (copay at the visit, package credit applied). */
  collectedCents: number;
  status: string;
  /** Σ PR adjustments over every adjudication applied (original, reversal, correction). */
  patientResponsibilityCents: number;
  /** What kneadpay has invoiced the client for this claim so far. */
  invoicedCents: number;
  adjudicationCount: number;
  createdAt: string;
  // Claims out (837P / CMS-1500), present on claims registered with a payerId:
  /** The claim state machine (domain/claim-state.ts); claims without a payer start `submitted`. */
  state?: string;
  payerId?: string | null;
  renderingProvider?: { firstName: string; lastName: string; npi: string } | null;
  priorAuthorization?: string | null;
  referralNumber?: string | null;
  /** 1 original, 7 replacement, 8 void (CLM05-3). */
  frequencyCode?: '1' | '7' | '8';
  /** The claim this one replaces or voids, and the payer's claim control number for REF*F8. */
  correctionOf?: string | null;
  payerClaimControlNumber?: string | null;
  /** What keeps a draft claim out of an 837P: each names the field to fix. */
  problems?: { field: string; message: string }[];
  batchId?: string | null;
  /** The last acknowledgement (999 / 277CA) and, when rejected, the payer's reason. */
  acknowledgement?: { kind: string; verdict: string; reason: string | null; payerClaimControlNumber: string | null; at: string } | null;
}

/** One ClaimAdjudicated applied to a claim, keyed by its idempotency identity (SPEC §4). */
export interface Adjudication {
  adjudicationId: string;
  claimId: string;
  remittanceId: string;
  traceNumber: string;
  payerId: string | null;
  paidAt: string | null;
  payerClaimControlNumber: string | null;
  statusCode: string;
  status: string;
  chargeCents: number;
  paidCents: number;
  patientResponsibilityCents: number;
  claimAdjustments: { group: string; reason: string; amountCents: number }[];
  lines: {
    procedureCode: string;
    units: number;
    chargeCents: number;
    paidCents: number;
    allowedCents: number | null;
    adjustments: { group: string; reason: string; amountCents: number }[];
  }[];
  appliedAt: string;
}

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
  const copay = claim.collectedCents > 0
    ? ledgerWrites(claim.practiceId, claim.clientId, [
      { kind: 'copay_payment', amountCents: -claim.collectedCents, currency: claim.currency, at: claim.createdAt, ref: claim.claimId },
    ])
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

export interface QuarantinedClaim {
  patientControlNumber: string;
  problems: string[];
}

export interface RemittanceSummary {
  remittanceId: string;
  traceNumber: string;
  claims: number;
  matched: number;
  quarantined: QuarantinedClaim[];
  providerAdjustmentCents: number;
  paymentCents: number;
  paidAt: string | null;
  receivedAt: string;
}

export const remittanceKey = (practiceId: string, remittanceId: string) => ({ pk: practicePk(practiceId), sk: `REMITTANCE#${remittanceId}` });

export const getRemittance = async (store: Store, practiceId: string, remittanceId: string): Promise<RemittanceSummary | undefined> => {
  const item = await getItem<RemittanceSummary>(store, remittanceKey(practiceId, remittanceId));
  return item ? withoutKeys<RemittanceSummary>(item) : undefined;
};

export const listRemittances = async (store: Store, practiceId: string, cursor?: string): Promise<Page<RemittanceSummary>> => {
  const page = await queryPage<Record<string, unknown>>(
    store,
    {
      // The quarantined claims of a file sort under it (REMITTANCE#<id>#Q#n): summaries only.
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      FilterExpression: '#type = :remittance',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'REMITTANCE#', ':remittance': 'remittance' },
      Limit: 50,
    },
    cursor,
  );
  return { items: page.items.map((item) => withoutKeys<RemittanceSummary>(item)), nextCursor: page.nextCursor };
};
