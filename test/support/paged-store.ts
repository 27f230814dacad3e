import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { adjudicationKey, claimKey } from '../../functions/store/claims';
import { redemptionIndexKeys, redemptionKey } from '../../functions/store/purchases';
import type { Store } from '../../functions/store/table';

/** What a counted store saw: requests per command, items read, read capacity DynamoDB reported. */
export interface StoreCounters {
  requests: Record<string, number>;
  /** Items returned by Query and Scan. */
  itemsRead: number;
  /** Read capacity units consumed (DynamoDB Local reports them when asked). */
  readUnits: number;
  /** Query/Scan keys seen (`:pk`/`:all` value), to tell how often a job visited each partition. */
  queriedKeys: Map<string, number>;
  /** The same, first pages only (no ExclusiveStartKey): how many times a walk started on a key. */
  visits: Map<string, number>;
}

/**
 * A store whose every Query and Scan answers at most `pageLimit` items per page (DynamoDB's own
 * `Limit`), so code that reads one page instead of all of them misses items even on a small
 * table — the 1 MB page boundary of a large table, made cheap to cross in a test. It also counts
 * requests and reads. A real DynamoDB Local behind it; the only change is the smaller page.
 */
export const countedStore = (opts: { endpoint: string; tableName: string; pageLimit?: number }): Store & { counters: StoreCounters } => {
  const client = new DynamoDBClient({ endpoint: opts.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 4 });
  const counters: StoreCounters = { requests: {}, itemsRead: 0, readUnits: 0, queriedKeys: new Map(), visits: new Map() };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counters.requests[command] = (counters.requests[command] ?? 0) + 1;
      const input = args.input as { Limit?: number; ReturnConsumedCapacity?: string; ExclusiveStartKey?: unknown; ExpressionAttributeValues?: Record<string, unknown> };
      const paged = command === 'QueryCommand' || command === 'ScanCommand';
      if (paged) {
        if (opts.pageLimit) input.Limit = Math.min(input.Limit ?? Number.MAX_SAFE_INTEGER, opts.pageLimit);
        input.ReturnConsumedCapacity = 'TOTAL';
        // Marshalled ({S: …}) or not, depending on where the document client's middleware runs.
        const raw = input.ExpressionAttributeValues?.[':pk'] ?? input.ExpressionAttributeValues?.[':all'];
        const key = typeof raw === 'string' ? raw : (raw as { S?: string } | undefined)?.S;
        if (key) counters.queriedKeys.set(key, (counters.queriedKeys.get(key) ?? 0) + 1);
        if (key && !input.ExclusiveStartKey) counters.visits.set(key, (counters.visits.get(key) ?? 0) + 1);
      }
      const result = await next(args);
      const output = result.output as { Count?: number; ConsumedCapacity?: { CapacityUnits?: number } };
      if (paged) counters.itemsRead += output.Count ?? 0;
      counters.readUnits += output.ConsumedCapacity?.CapacityUnits ?? 0;
      return result;
    },
    { step: 'initialize', name: 'kneadpayPageLimit' },
  );
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  return { doc, tableName: opts.tableName, counters };
};

/** What a read-counted store saw: its reads, the items they looked at, the read units DynamoDB reported. */
export interface ReadCounters {
  requests: number;
  /** Items each read looked at: GetItem's item, BatchGetItem's items, Query/Scan's ScannedCount (before any filter). */
  items: number;
  /** Read capacity units consumed, as DynamoDB (Local) reports them when asked (`ReturnConsumedCapacity: 'TOTAL'`). */
  units: number;
}

/**
 * A store that asks every read (GetItem, BatchGetItem, Query, Scan) for its consumed capacity and
 * adds up what it read. A real DynamoDB Local behind it; nothing else changes.
 */
export const readCountedStore = (opts: { endpoint: string; tableName: string }): Store & { reads: ReadCounters } => {
  const client = new DynamoDBClient({ endpoint: opts.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 4 });
  const reads: ReadCounters = { requests: 0, items: 0, units: 0 };
  const READS = ['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand'];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (!READS.includes(command)) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as { Item?: unknown; Responses?: Record<string, unknown[]>; ScannedCount?: number; ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] };
      const consumed = Array.isArray(output.ConsumedCapacity) ? output.ConsumedCapacity : output.ConsumedCapacity ? [output.ConsumedCapacity] : [];
      reads.requests += 1;
      reads.units += consumed.reduce((sum, one) => sum + (one.CapacityUnits ?? 0), 0);
      reads.items +=
        command === 'GetItemCommand'
          ? output.Item
            ? 1
            : 0
          : command === 'BatchGetItemCommand'
            ? Object.values(output.Responses ?? {}).reduce((sum, items) => sum + items.length, 0)
            : (output.ScannedCount ?? 0);
      return result;
    },
    { step: 'initialize', name: 'kneadpayReadCount' },
  );
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  return { doc, tableName: opts.tableName, reads };
};

/** Writes `items` directly, 25 a BatchWriteItem, asking again for what DynamoDB left unprocessed (seeding tests and benches). */
export const putItems = async (store: Store, items: Record<string, unknown>[]) => {
  for (let start = 0; start < items.length; start += 25) {
    let requests: Record<string, unknown> | undefined = { [store.tableName]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) };
    while (requests && Object.keys(requests).length > 0) requests = (await store.doc.send(new BatchWriteCommand({ RequestItems: requests as never }))).UnprocessedItems;
  }
};

/** A claim item written directly (not through `insertClaim`: no pointer, no index entry), for seeding a practice's history. */
export const claimItem = (practiceId: string, claimId: string, clientId: string, state: string, status = state) => ({
  ...claimKey(practiceId, claimId),
  type: 'claim',
  practiceId,
  claimId,
  clientId,
  state,
  status,
  payerId: 'ACME1',
  chargeCents: 36000,
  currency: 'usd',
});

/** An adjudicated claim of the history: the claim and one adjudication of about 1 KB (6 lines), written directly. */
export const adjudicatedClaimItems = (practiceId: string, clientId: string, claimId: string): Record<string, unknown>[] => [
  claimItem(practiceId, claimId, clientId, 'adjudicated', 'processed_primary'),
  {
    ...adjudicationKey(practiceId, claimId, 'EFT1#1'),
    type: 'adjudication',
    adjudicationId: 'EFT1#1',
    claimId,
    remittanceId: 'R1',
    traceNumber: 'EFT1',
    statusCode: '1',
    status: 'processed_primary',
    chargeCents: 36000,
    paidCents: 24000,
    patientResponsibilityCents: 6000,
    claimAdjustments: [],
    lines: Array.from({ length: 6 }, () => ({
      procedureCode: '97124',
      units: 2,
      chargeCents: 6000,
      paidCents: 4000,
      allowedCents: 5000,
      adjustments: [
        { group: 'CO', reason: '45', amountCents: 1000 },
        { group: 'PR', reason: '2', amountCents: 1000 },
      ],
    })),
    appliedAt: '2026-11-01T00:00:00.000Z',
  },
];

/** `count` adjudicated claims of a practice's history (`<prefix><i>`), each with one adjudication of about 1 KB, written directly. */
export const claimHistoryItems = (practiceId: string, clientId: string, count: number, prefix = 'CLM-OLD-'): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) => adjudicatedClaimItems(practiceId, clientId, `${prefix}${i}`)).flat();

/**
 * A redemption item written directly: by default as the code before bug 160 wrote it (no time-index
 * entry), for seeding a practice's history; `indexed` with its entry, as `redeemCreditWrites` writes
 * a standing one now.
 */
export const redemptionItem = (practiceId: string, clientId: string, appointmentId: string, redeemedAt: string, opts: { status?: 'redeemed' | 'cancelled'; indexed?: boolean } = {}) => ({
  ...redemptionKey(practiceId, appointmentId),
  ...(opts.indexed ? redemptionIndexKeys(practiceId, { redeemedAt, appointmentId }) : {}),
  type: 'redemption',
  redemptionId: `red_${appointmentId}`,
  appointmentId,
  clientId,
  purchaseId: 'pur_history',
  currency: 'usd',
  status: opts.status ?? 'redeemed',
  redeemedAt,
  ...(opts.status === 'cancelled' ? { cancelledAt: redeemedAt } : {}),
});
