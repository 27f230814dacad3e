import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { newId } from '../shared/ids';
import { NotFoundError } from '../shared/errors';
import type { Store } from './table';
import type { TransactItem } from './commit';
import { getItem, queryAll, queryPage, withoutKeys, type Page } from './items';
import { practicePk } from './keys';

import type { Client, LedgerEntry } from '../domain/client';
export const clientKey = (practiceId: string, clientId: string) => ({ pk: practicePk(practiceId), sk: `CLIENT#${clientId}` });
export const emailKey = (practiceId: string, email: string) => ({ pk: practicePk(practiceId), sk: `CLIENTEMAIL#${email.toLowerCase()}` });

export const getClient = async (store: Store, practiceId: string, clientId: string): Promise<Client> => {
  const item = await getItem<Client>(store, clientKey(practiceId, clientId));
  if (!item) throw new NotFoundError('client');
  return withoutKeys<Client>(item);
};

/** A TTL in the past: DynamoDB deletes such items within days, so readers must treat them as gone now. */
const expired = (item: { ttl?: unknown }, now: Date) => typeof item.ttl === 'number' && item.ttl * 1000 <= now.getTime();

export const findClientByEmail = async (store: Store, practiceId: string, email: string, now = new Date()): Promise<Client | undefined> => {
  const pointer = await getItem<{ clientId: string; ttl?: number }>(store, emailKey(practiceId, email));
  if (!pointer || expired(pointer, now)) return undefined;
  return getClient(store, practiceId, pointer.clientId);
};

/** Finds the client with this email, or creates one; the email pointer makes two racing creates one. */
export const findOrCreateClient = async (store: Store, input: { practiceId: string; email: string; name: string; currency: string; provisionalUntil?: number }, now = new Date()): Promise<Client> => {
  const existing = await findClientByEmail(store, input.practiceId, input.email, now);
  if (existing) return existing;
  // A storefront buyer's client is provisional: it expires (TTL) with the open purchase it came with.
  const provisional = input.provisionalUntil !== undefined;
  const email = input.email.toLowerCase();
  const client: Client = {
    clientId: newId('cli'),
    practiceId: input.practiceId,
    email,
    name: input.name,
    stripeCustomerId: null,
    balanceCents: 0,
    currency: input.currency,
    createdAt: now.toISOString(),
    nameSource: provisional ? 'storefront' : 'staff',
    ...(provisional ? { provisional: true } : {}),
  };
  const ttl = provisional ? { ttl: input.provisionalUntil } : {};
  try {
    await store.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: store.tableName,
              Item: { ...emailKey(input.practiceId, email), type: 'client-email', clientId: client.clientId, ...ttl },
              // A provisional client whose purchase expired gives its address up (TTL deletes it later).
              ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
              ExpressionAttributeNames: { '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
            },
          },
          {
            Put: {
              TableName: store.tableName,
              Item: { ...clientKey(input.practiceId, client.clientId), type: 'client', ...client, ...ttl },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    return client;
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    const winner = await findClientByEmail(store, input.practiceId, input.email, now);
    if (!winner) throw error;
    return winner;
  }
};

/**
 * A client staff register without an email (a phone-only client). `clientId` is derived from the
 * request's Idempotency-Key when it has one, so a retried request finds the client it made.
 */
export const createClientWithoutEmail = async (
  store: Store,
  input: { practiceId: string; clientId: string; name: string; currency: string },
  now = new Date(),
): Promise<{ created: boolean; client: Client }> => {
  const client: Client = {
    clientId: input.clientId,
    practiceId: input.practiceId,
    email: null,
    name: input.name,
    stripeCustomerId: null,
    balanceCents: 0,
    currency: input.currency,
    createdAt: now.toISOString(),
  };
  try {
    await store.doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: store.tableName, Item: { ...clientKey(input.practiceId, client.clientId), type: 'client', ...client }, ConditionExpression: 'attribute_not_exists(pk)' } }],
      }),
    );
    return { created: true, client };
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    return { created: false, client: await getClient(store, input.practiceId, input.clientId) };
  }
};

/** Notes, before asking Stripe, that a customer may exist from now on (the first request's time is kept). */
export const markStripeCustomerRequested = async (store: Store, practiceId: string, clientId: string, at: Date): Promise<string> => {
  const answer = await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: clientKey(practiceId, clientId),
      UpdateExpression: 'SET stripeCustomerRequestedAt = if_not_exists(stripeCustomerRequestedAt, :at)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': at.toISOString() },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return answer.Attributes!.stripeCustomerRequestedAt as string;
};

export const setStripeCustomer = async (store: Store, practiceId: string, clientId: string, customerId: string, customerEmail: string | null, account: string | null): Promise<void> => {
  await store.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: store.tableName,
            Key: clientKey(practiceId, clientId),
            UpdateExpression: 'SET stripeCustomerId = :id, stripeCustomerEmail = :email, stripeCustomerAccount = :account',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':id': customerId, ':email': customerEmail, ':account': account },
          },
        },
      ],
    }),
  );
};

/** Records the email the Stripe Customer now carries. */
export const recordStripeCustomerEmail = async (store: Store, practiceId: string, clientId: string, email: string): Promise<void> => {
  await store.doc.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: clientKey(practiceId, clientId),
      UpdateExpression: 'SET stripeCustomerEmail = :email',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':email': email },
    }),
  );
};

const ledgerKey = (practiceId: string, clientId: string, at: string, entryId: string) => ({
  pk: practicePk(practiceId),
  sk: `LEDGER#${clientId}#${at}#${entryId}`,
});

/**
 * Transaction items that append entries and move the client's balance by their sum, atomically.
 * Entries of one moment (a package sale and its payment; a refund, its sale adjustment and the
 * credits it voids) share one item: a transaction pays 2 write units per item, and they are read
 * together anyway. A lone entry keeps the one-entry layout. Entries that sum to zero leave the
 * balance item alone: adding 0 would cost the transaction an item and change nothing.
 */
export const ledgerWrites = (practiceId: string, clientId: string, entries: Omit<LedgerEntry, 'entryId' | 'clientId'>[]): TransactItem[] => {
  if (entries.length === 0) return [];
  const total = entries.reduce((sum, entry) => sum + entry.amountCents, 0);
  const moments = new Map<string, Omit<LedgerEntry, 'entryId' | 'clientId'>[]>();
  for (const entry of entries) moments.set(entry.at, [...(moments.get(entry.at) ?? []), entry]);
  const puts = [...moments].map(([at, group]): TransactItem => {
    const entryIds = group.map(() => newId('led'));
    if (group.length === 1) {
      return { Put: { Item: { ...ledgerKey(practiceId, clientId, at, entryIds[0]!), type: 'ledger', entryId: entryIds[0], clientId, ...group[0] } } };
    }
    const carried = group.map(({ at: _at, ...entry }, i) => ({ entryId: entryIds[i], ...entry }));
    return { Put: { Item: { ...ledgerKey(practiceId, clientId, at, entryIds[0]!), type: 'ledger', clientId, at, entries: carried } } };
  });
  if (total === 0) return puts;
  return [
    ...puts,
    {
      Update: {
        Key: clientKey(practiceId, clientId),
        UpdateExpression: 'ADD balanceCents :total',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':total': total },
      },
    },
  ];
};

/** The entries a ledger item holds, in the order they were written: one, or a moment's `entries`. */
export const ledgerEntriesOfItem = (item: Record<string, unknown>): LedgerEntry[] => {
  if (!Array.isArray(item.entries)) return [withoutKeys<LedgerEntry>(item)];
  return (item.entries as Omit<LedgerEntry, 'clientId' | 'at'>[]).map((entry) => ({ ...entry, clientId: item.clientId as string, at: item.at as string }));
};

export const listLedger = async (store: Store, practiceId: string, clientId: string, cursor?: string): Promise<Page<LedgerEntry>> => {
  const page = await queryPage<Record<string, unknown>>(
    store,
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': `LEDGER#${clientId}#` },
      Limit: 200,
    },
    cursor,
  );
  return { items: page.items.flatMap(ledgerEntriesOfItem), nextCursor: page.nextCursor };
};

/** The most clients a search answers (a front desk narrows with more letters). */
export const CLIENT_SEARCH_LIMIT = 50;

/**
 * Clients whose name or email contains `text` (case-insensitive), by name. Reads the practice's
 * client records (one Query on the practice's partition, projected to id, name and email): a
 * practice has hundreds of clients, not millions; a search index would be the next step.
 */
export const searchClients = async (store: Store, practiceId: string, text: string): Promise<Pick<Client, 'clientId' | 'email' | 'name'>[]> => {
  const needle = text.toLowerCase();
  const items = await queryAll<Pick<Client, 'clientId' | 'email' | 'name'>>(store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :client)',
    ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':client': 'CLIENT#' },
    ProjectionExpression: 'clientId, email, #name',
    ExpressionAttributeNames: { '#name': 'name' },
  });
  return items
    .filter(
      (client) =>
        typeof client.clientId === 'string' &&
        (String(client.name ?? '')
          .toLowerCase()
          .includes(needle) ||
          String(client.email ?? '')
            .toLowerCase()
            .includes(needle)),
    )
    .sort((a, b) => String(a.name).localeCompare(String(b.name)))
    .slice(0, CLIENT_SEARCH_LIMIT)
    .map((client) => ({ clientId: client.clientId, email: client.email, name: client.name }));
};
