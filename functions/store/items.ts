import { BatchGetCommand, GetCommand, QueryCommand, type BatchGetCommandOutput, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { RetryableError, ValidationError } from '../shared/errors';
import type { Store } from './table';

/** Attributes that exist for the table, not for the API. */
const STORAGE_ATTRIBUTES = ['pk', 'sk', 'type', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'ttl', 'version', 'requestFingerprint'] as const;

/** An item without its storage attributes: what repositories hand out. */
export const withoutKeys = <T>(item: object): T => {
  const copy = { ...item } as Record<string, unknown>;
  for (const attribute of STORAGE_ATTRIBUTES) delete copy[attribute];
  return copy as T;
};

export const getItem = async <T>(store: Store, key: { pk: string; sk: string }, consistent = true): Promise<(T & { version?: number }) | undefined> => {
  const answer = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: consistent }));
  return answer.Item as (T & { version?: number }) | undefined;
};

/** BatchGetItem takes at most 100 distinct keys a call. */
const KEYS_PER_BATCH_GET = 100;
const BATCH_GET_ATTEMPTS = 8;

/**
 * Items by key, strongly consistent (as `getItem`), in BatchGetItem calls of up to 100 keys, one
 * after another: the keys not found are absent from the answer, in no particular order. DynamoDB
 * may answer part of a call and hand the rest back in `UnprocessedKeys`: those are asked again with
 * backoff; what is still unread after 8 attempts fails the read (RetryableError: 503, retry).
 */
export const getItems = async <T>(store: Store, keys: { pk: string; sk: string }[]): Promise<T[]> => {
  const found: T[] = [];
  const distinct = [...new Map(keys.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
  for (let start = 0; start < distinct.length; start += KEYS_PER_BATCH_GET) {
    let batch: Record<string, unknown>[] | undefined = distinct.slice(start, start + KEYS_PER_BATCH_GET);
    for (let attempt = 0; batch && batch.length > 0 && attempt < BATCH_GET_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
      const answer: BatchGetCommandOutput = await store.doc.send(new BatchGetCommand({ RequestItems: { [store.tableName]: { Keys: batch, ConsistentRead: true } } }));
      found.push(...((answer.Responses?.[store.tableName] ?? []) as T[]));
      batch = answer.UnprocessedKeys?.[store.tableName]?.Keys;
    }
    if (batch?.length) throw new RetryableError(`DynamoDB left ${batch.length} items unread after ${BATCH_GET_ATTEMPTS} attempts; retry`);
  }
  return found;
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const encodeCursor = (key: Record<string, unknown> | undefined): string | null => (key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null);

const KEY_NAMES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);

/** A cursor is a key we handed out: an object of short string key attributes, or it is refused. */
const decodeCursor = (cursor: string | undefined): Record<string, unknown> | undefined => {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    key !== null &&
    typeof key === 'object' &&
    !Array.isArray(key) &&
    Object.entries(key as Record<string, unknown>).every(([name, value]) => KEY_NAMES.has(name) && typeof value === 'string' && value.length > 0 && value.length <= 1024);
  if (!valid) throw new ValidationError('cursor is not one this API handed out', { field: 'cursor' });
  return key as Record<string, unknown>;
};

/** One page of a query, with an opaque cursor for the next. */
export const queryPage = async <T>(store: Store, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, cursor?: string): Promise<Page<T>> => {
  const start = decodeCursor(cursor);
  const answer = await store.doc.send(new QueryCommand({ TableName: store.tableName, ...input, ExclusiveStartKey: start })).catch((error: Error) => {
    // A well-formed key from another query (or practice) is refused by DynamoDB: the caller's fault.
    if (start && error.name === 'ValidationException') throw new ValidationError('cursor does not belong to this list', { field: 'cursor' });
    throw error;
  });
  return { items: (answer.Items ?? []) as T[], nextCursor: encodeCursor(answer.LastEvaluatedKey) };
};

/** Every item of a query (for bounded sets: one client's purchases, one claim's adjudications). */
export const queryAll = async <T>(store: Store, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<T>(store, input, cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
};
