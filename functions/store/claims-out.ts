import { UpdateCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from './client';
import { getItem, queryAll, queryPage, withoutKeys, type Page } from './items';
import { practicePk } from './keys';
import type { Claim } from './claims';
import type { X12Address, X12Person, Relationship } from '../domain/x12/837p';

/** A payer the practice bills: `payerId` is the clearinghouse's payer id (NM1*PR … PI). */
export interface Payer {
  practiceId: string;
  payerId: string;
  name: string;
  address: X12Address | null;
  /** SBR09 claim filing indicator (CI commercial, BL Blue Cross, MB Medicare Part B, MC Medicaid…). */
  claimFilingIndicator: string;
  updatedAt: string;
}

/** A client's insurance: PHI, kept in the table only (never in Stripe, never logged). */
export interface Coverage {
  practiceId: string;
  clientId: string;
  payerId: string;
  memberId: string;
  groupNumber: string | null;
  relationship: Relationship;
  subscriber: X12Person | null;
  patient: X12Person;
  updatedAt: string;
}

export interface ClaimBatch {
  practiceId: string;
  batchId: string;
  interchangeControlNumber: string;
  claims: string[];
  refused: { claimId: string; problems: { field: string; message: string }[] }[];
  /** The request's identity (sorted claim ids asked for, or `ready`): the same request → this batch. */
  requestKey: string;
  createdAt: string;
  /** The 837P file as written (PHI: stays in the table). */
  x12: string;
}

export const payerKey = (practiceId: string, payerId: string) => ({ pk: practicePk(practiceId), sk: `PAYER#${payerId}` });
export const coverageKey = (practiceId: string, clientId: string) => ({ pk: practicePk(practiceId), sk: `COVERAGE#${clientId}` });
export const batchKey = (practiceId: string, batchId: string) => ({ pk: practicePk(practiceId), sk: `CLAIMBATCH#${batchId}` });
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

export const getCoverage = async (store: Store, practiceId: string, clientId: string): Promise<Coverage | undefined> => {
  const item = await getItem<Coverage>(store, coverageKey(practiceId, clientId));
  return item ? withoutKeys<Coverage>(item) : undefined;
};

export const putCoverage = async (store: Store, coverage: Coverage): Promise<void> => {
  await store.doc.send(
    new PutCommand({ TableName: store.tableName, Item: { ...coverageKey(coverage.practiceId, coverage.clientId), type: 'coverage', ...coverage } }),
  );
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

/** Every claim of the practice (claims only, not their adjudications), optionally in one state. */
export const listClaims = async (store: Store, practiceId: string, opts: { state?: string; cursor?: string } = {}): Promise<Page<StoredClaim>> => {
  const page = await queryPage<Record<string, unknown>>(
    store,
    {
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

/** Every claim in the given states (bounded by what a practice has open). */
export const claimsInStates = async (store: Store, practiceId: string, states: readonly string[]): Promise<StoredClaim[]> =>
  (
    await queryAll<Record<string, unknown>>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      FilterExpression: '#type = :claim AND #state IN (' + states.map((_, i) => `:s${i}`).join(', ') + ')',
      ExpressionAttributeNames: { '#type': 'type', '#state': 'state' },
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'CLAIM#', ':claim': 'claim', ...Object.fromEntries(states.map((s, i) => [`:s${i}`, s])) },
      ConsistentRead: true,
    })
  ).map((item) => withoutKeys<StoredClaim>(item));

/** Sets a claim's state and validation problems (draft ↔ ready), only while it is in one of `from`. */
export const setClaimReadiness = async (store: Store, practiceId: string, claimId: string, state: 'draft' | 'ready', problems: unknown[], from: readonly string[]) => {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: { pk: practicePk(practiceId), sk: `CLAIM#${claimId}` },
        UpdateExpression: 'SET #state = :state, #status = :state, problems = :problems',
        ConditionExpression: `attribute_exists(pk) AND #state IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#state': 'state', '#status': 'status' },
        ExpressionAttributeValues: { ':state': state, ':problems': problems, ...Object.fromEntries(from.map((s, i) => [`:f${i}`, s])) },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
};
