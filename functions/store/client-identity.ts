import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../shared/errors';
import type { Store } from './table';
import type { Client, LedgerEntry } from '../domain/client';
import { clientKey, emailKey, getClient, ledgerWrites } from './clients';
import type { TransactItem } from './commit';
import { absent, nullValue } from './conditions';

/**
 * Who a client is, and who may say so (issue 17): staff entries win over anything a storefront
 * buyer typed, a storefront buyer never changes an existing client, and every correction leaves a
 * `client_corrected` entry in the client's ledger history.
 */

/** How long an unpaid storefront client lives: as long as its open purchase (OPEN_PURCHASE_TTL_SECONDS). */
export const provisionalUntil = (now: Date, ttlSeconds: number): number => Math.floor(now.getTime() / 1000) + ttlSeconds;

type Changes = NonNullable<LedgerEntry['changes']>;

const applyCorrection = async (store: Store, client: Client, next: { name: string; email: string | null }, now: Date): Promise<Client> => {
  const changes: Changes = {};
  if (next.name !== client.name) changes.name = { from: client.name, to: next.name };
  if (next.email !== client.email) changes.email = { from: client.email, to: next.email };
  const confirming = client.provisional === true || client.nameSource === 'storefront';
  if (!changes.name && !changes.email && !confirming) return client;
  const { practiceId, clientId } = client;
  const at = now.toISOString();
  const items: TransactItem[] = [
    {
      Update: {
        Key: clientKey(practiceId, clientId),
        UpdateExpression: 'SET #name = :name, email = :email, nameSource = :staff REMOVE provisional, #ttl',
        // Optimistic: only the version we read (a concurrent correction makes this one a 409).
        // A client staff registered without an email holds email = null (issue 14).
        ConditionExpression: `attribute_exists(pk) AND ${client.email === null ? absent('email') : 'email = :seenEmail'} AND #name = :seenName`,
        ExpressionAttributeNames: { '#name': 'name', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':name': next.name,
          ':email': next.email,
          ':staff': 'staff',
          ':seenName': client.name,
          ...(client.email === null ? nullValue(absent('email')) : { ':seenEmail': client.email }),
        },
      },
    },
  ];
  let pointerIndex = -1;
  if (changes.email && next.email !== null) {
    if (client.email !== null) {
      items.push({ Delete: { Key: emailKey(practiceId, client.email), ConditionExpression: 'clientId = :me', ExpressionAttributeValues: { ':me': clientId } } });
    }
    pointerIndex = items.length;
    items.push({
      Put: {
        Item: { ...emailKey(practiceId, next.email), type: 'client-email', clientId },
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
      },
    });
  } else if (client.provisional && client.email !== null) {
    // The practice vouches for this client now: its email pointer no longer expires either.
    items.push({
      Update: {
        Key: emailKey(practiceId, client.email),
        UpdateExpression: 'REMOVE #ttl',
        ConditionExpression: 'clientId = :me',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':me': clientId },
      },
    });
  }
  if (changes.name || changes.email) {
    items.push(...ledgerWrites(practiceId, clientId, [{ kind: 'client_corrected', amountCents: 0, currency: client.currency, at, ref: clientId, changes }]));
  }
  try {
    await store.doc.send(
      new TransactWriteCommand({ TransactItems: items.map((item) => Object.fromEntries(Object.entries(item).map(([op, body]) => [op, { TableName: store.tableName, ...body }]))) as never }),
    );
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    const codes = ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((reason) => reason.Code);
    if (pointerIndex >= 0 && codes[pointerIndex] === 'ConditionalCheckFailed') {
      throw new ConflictError('another client of this practice has that email', 'email_taken', { field: 'email' });
    }
    throw new ConflictError('the client changed while you were correcting it; read it again and retry', 'conflict');
  }
  const { provisional: _p, ...rest } = client;
  return { ...rest, name: next.name, email: next.email, nameSource: 'staff' };
};

/** `PATCH /practices/{p}/clients/{c}`: staff correct the name and/or email; audited in the ledger. */
export const correctClient = async (store: Store, practiceId: string, clientId: string, patch: { name?: string; email?: string }, now = new Date()): Promise<Client> => {
  const client = await getClient(store, practiceId, clientId);
  const email = patch.email ?? client.email;
  return applyCorrection(store, client, { name: patch.name ?? client.name, email: email === null ? null : email.toLowerCase() }, now);
};

/**
 * Staff register an email a storefront buyer used first: the staff's name replaces the buyer's
 * (audited), and the client is no longer provisional. A client staff entered is left as it is.
 */
export const claimStorefrontClient = async (store: Store, client: Client, staffName: string, now = new Date()): Promise<Client> => {
  if (client.nameSource !== 'storefront' && !client.provisional) return client;
  return applyCorrection(store, client, { name: staffName, email: client.email }, now);
};

/**
 * Transaction items that confirm a provisional client when its purchase is paid: the client and
 * its email pointer stop expiring. Only for purchases started by a provisional client.
 */
export const confirmClientWrites = (practiceId: string, clientId: string, email: string | null): TransactItem[] => [
  { Update: { Key: clientKey(practiceId, clientId), UpdateExpression: 'REMOVE provisional, #ttl', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#ttl': 'ttl' } } },
  ...(email === null
    ? []
    : [
        {
          Update: {
            Key: emailKey(practiceId, email),
            UpdateExpression: 'REMOVE #ttl',
            ConditionExpression: 'clientId = :me',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':me': clientId },
          },
        },
      ]),
];

/** A provisional client starting another checkout lives as long as its newest open purchase. */
export const extendProvisional = async (store: Store, client: Client, until: number): Promise<void> => {
  // Only storefront buyers are provisional, and they always have an email.
  if (!client.provisional || client.email === null) return;
  const key = (k: { pk: string; sk: string }, condition: string, values: Record<string, unknown>) => ({
    Update: {
      TableName: store.tableName,
      Key: k,
      UpdateExpression: 'SET #ttl = :until',
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':until': until, ...values },
    },
  });
  await store.doc
    .send(
      new TransactWriteCommand({
        TransactItems: [
          key(clientKey(client.practiceId, client.clientId), 'provisional = :yes', { ':yes': true }),
          key(emailKey(client.practiceId, client.email), 'clientId = :me', { ':me': client.clientId }),
        ],
      }),
    )
    .catch((error: Error) => {
      // Confirmed meanwhile (paid, or staff registered it): it no longer expires at all.
      if (error.name !== 'TransactionCanceledException') throw error;
    });
};
