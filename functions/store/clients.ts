import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { newId } from '../shared/ids';
import { NotFoundError } from '../shared/errors';
import type { Store } from './client';
import type { TransactItem } from './commit';
import { getItem, queryPage, withoutKeys, type Page } from './items';
import { practicePk } from './keys';

export interface Client {
  clientId: string;
  practiceId: string;
  /** null: staff registered the client without one (a balance invoice then waits: `needs_email`). */
  email: string | null;
  name: string;
  stripeCustomerId: string | null;
  /** The email kneadpay last set on the Stripe Customer (the Customer is updated when it differs). */
  stripeCustomerEmail?: string | null;
  /** When kneadpay first asked Stripe for the customer (set before the call: a crash may hide its answer). */
  stripeCustomerRequestedAt?: string;
  /** What the client owes the practice, in minor units (negative: the practice holds a credit). */
  balanceCents: number;
  currency: string;
  createdAt: string;
}

export const clientKey = (practiceId: string, clientId: string) => ({ pk: practicePk(practiceId), sk: `CLIENT#${clientId}` });
const emailKey = (practiceId: string, email: string) => ({ pk: practicePk(practiceId), sk: `CLIENTEMAIL#${email.toLowerCase()}` });

export const getClient = async (store: Store, practiceId: string, clientId: string): Promise<Client> => {
  const item = await getItem<Client>(store, clientKey(practiceId, clientId));
  if (!item) throw new NotFoundError('client');
  return withoutKeys<Client>(item);
};

export const findClientByEmail = async (store: Store, practiceId: string, email: string): Promise<Client | undefined> => {
  const pointer = await getItem<{ clientId: string }>(store, emailKey(practiceId, email));
  return pointer ? getClient(store, practiceId, pointer.clientId) : undefined;
};

/** Finds the client with this email, or creates one; the email pointer makes two racing creates one. */
export const findOrCreateClient = async (
  store: Store,
  input: { practiceId: string; email: string; name: string; currency: string },
  now = new Date(),
): Promise<Client> => {
  const existing = await findClientByEmail(store, input.practiceId, input.email);
  if (existing) return existing;
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
  };
  try {
    await store.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: store.tableName,
              Item: { ...emailKey(input.practiceId, email), type: 'client-email', clientId: client.clientId },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: store.tableName,
              Item: { ...clientKey(input.practiceId, client.clientId), type: 'client', ...client },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    return client;
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    const winner = await findClientByEmail(store, input.practiceId, input.email);
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
    clientId: input.clientId, practiceId: input.practiceId, email: null, name: input.name, stripeCustomerId: null,
    balanceCents: 0, currency: input.currency, createdAt: now.toISOString(),
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

/**
 * Gives a client without an email its email (and the pointer that finds the client by it), or
 * confirms the same one. Answers false when another client of the practice already has that email,
 * or this client already has another one (correcting an email is not this function's job).
 */
export const addClientEmail = async (store: Store, practiceId: string, clientId: string, email: string): Promise<'added' | 'same' | 'taken' | 'has_other'> => {
  const address = email.toLowerCase();
  const client = await getClient(store, practiceId, clientId);
  if (client.email === address) return 'same';
  if (client.email) return 'has_other';
  try {
    await store.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: store.tableName, Item: { ...emailKey(practiceId, address), type: 'client-email', clientId }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Update: {
              TableName: store.tableName,
              Key: clientKey(practiceId, clientId),
              UpdateExpression: 'SET email = :email',
              ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(email) OR email = :null)',
              ExpressionAttributeValues: { ':email': address, ':null': null },
            },
          },
        ],
      }),
    );
    return 'added';
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    const again = await getClient(store, practiceId, clientId);
    if (again.email === address) return 'same';
    return again.email ? 'has_other' : 'taken';
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

export const setStripeCustomer = async (store: Store, practiceId: string, clientId: string, customerId: string, customerEmail: string | null = null): Promise<void> => {
  await store.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: store.tableName,
            Key: clientKey(practiceId, clientId),
            UpdateExpression: 'SET stripeCustomerId = :id, stripeCustomerEmail = :email',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':id': customerId, ':email': customerEmail },
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

// ---------------------------------------------------------------------------------------------
// Ledger: every money or credit movement of a client is an entry; the client's balance is their sum.

export const LEDGER_KINDS = [
  'package_sale', 'payment', 'refund', 'sale_adjustment', 'chargeback', 'chargeback_reversed',
  'credits_frozen', 'credits_restored', 'credits_voided', 'credits_expired', 'redemption', 'redemption_cancelled',
  'claim_charge', 'insurer_payment', 'contractual_writeoff', 'overpayment_refund', 'copay_payment',
  // The part of an overpayment refund no payment could take back: it stays the client's credit.
  'overpayment_refund_not_paid',
  // A later payer's adjudication (coordination of benefits): the patient's share moves to what it decided.
  'cob_adjustment',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntry {
  entryId: string;
  clientId: string;
  kind: LedgerKind;
  /** Positive: the client owes more; negative: the client owes less. */
  amountCents: number;
  currency: string;
  /** Credits moved by this entry (redemptions, voids), when it is about credits. */
  sessionsDelta?: number;
  at: string;
  /** The kneadpay or Stripe id this entry is about (purchase, invoice, refund, appointment). */
  ref: string;
}

const ledgerKey = (practiceId: string, clientId: string, at: string, entryId: string) => ({
  pk: practicePk(practiceId),
  sk: `LEDGER#${clientId}#${at}#${entryId}`,
});

/**
 * Transaction items that append entries and move the client's balance by their sum, atomically.
 * Entries that sum to zero (a package sale and its payment; a redemption) leave the balance item
 * alone: adding 0 would cost the transaction an item (2 write units) and change nothing.
 */
export const ledgerWrites = (practiceId: string, clientId: string, entries: Omit<LedgerEntry, 'entryId' | 'clientId'>[]): TransactItem[] => {
  if (entries.length === 0) return [];
  const total = entries.reduce((sum, entry) => sum + entry.amountCents, 0);
  const puts = entries.map((entry): TransactItem => {
    const entryId = newId('led');
    return { Put: { Item: { ...ledgerKey(practiceId, clientId, entry.at, entryId), type: 'ledger', entryId, clientId, ...entry } } };
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
  return { items: page.items.map((item) => withoutKeys<LedgerEntry>(item)), nextCursor: page.nextCursor };
};
