/**
 * What the Stripe event reconciler (core/reconcile.ts) keeps in the table: one checkpoint per
 * account, and the event-id markers it reads to skip events already ingested.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from './table';
import { getItem } from './items';
import { globalKeys, keys } from './keys';

/** The checkpoint of one account (`null`: the platform). Global: it belongs to no single practice. */
const checkpointKey = (account: string | null) => ({ pk: 'STRIPE_RECONCILER', sk: `CHECKPOINT#${account ?? 'platform'}` });

/** The `created` time (seconds) from which the account's events are listed next; undefined before the first run. */
export const readCheckpoint = async (store: Store, account: string | null): Promise<number | undefined> => (await getItem<{ createdGte: number }>(store, checkpointKey(account)))?.createdGte;

export const writeCheckpoint = async (store: Store, account: string | null, createdGte: number, now: Date): Promise<void> => {
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...checkpointKey(account), type: 'reconciler-checkpoint', account, createdGte, updatedAt: now.toISOString() } }));
};

/** Every connected account a practice profile names (paginated to the end), sorted. */
export const listConnectedAccounts = async (store: Store): Promise<string[]> => {
  const accounts = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :all',
        ExpressionAttributeValues: { ':all': 'PRACTICES' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) if (typeof item.stripeAccountId === 'string' && item.stripeAccountId) accounts.add(item.stripeAccountId);
    start = page.LastEvaluatedKey;
  } while (start);
  return [...accounts].sort();
};

/**
 * True when the event's marker is written (applied or ignored before): the practice's marker when
 * a practice is named, the global marker of events no practice owns otherwise.
 */
export const isStripeEventMarked = async (store: Store, eventId: string, practiceId: string | undefined): Promise<boolean> =>
  Boolean(await getItem(store, practiceId ? keys.marker(practiceId, 'stripe-event', eventId) : globalKeys.stripeEventMarker(eventId)));
