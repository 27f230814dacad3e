import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './items';
import { ConflictError } from '../shared/errors';
import type { Store } from './table';
import { keys } from './keys';

import type { Practice } from '../domain/practice';
const stripeAccountOwner = (accountId: string) => ({ pk: `STRIPE_ACCOUNT#${accountId}`, sk: 'OWNER' });

const strip = <T extends Record<string, unknown>>(item: T | undefined) => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, gsi1pk: _g1, gsi1sk: _g2, gsi2pk: _g3, gsi2sk: _g4, ...rest } = item;
  return rest;
};

export const getPractice = async (store: Store, practiceId: string): Promise<Practice | undefined> => {
  const answer = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.practice(practiceId) }));
  return strip(answer.Item) as Practice | undefined;
};

/** The practice that owns a connected Stripe account (events carry `account`). */
export const findPracticeByStripeAccount = async (store: Store, accountId: string): Promise<string | undefined> => {
  const answer = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: stripeAccountOwner(accountId) }));
  return answer.Item?.practiceId as string | undefined;
};

/**
 * Creates or replaces a practice profile, only the version that was read (a concurrent change,
 * such as onboarding linking a Stripe account, makes this save a 409 to retry).
 */
export const savePractice = async (store: Store, practice: Practice, previous: Practice | undefined): Promise<void> => {
  const writes: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
    {
      Put: {
        TableName: store.tableName,
        Item: {
          ...keys.practice(practice.practiceId),
          type: 'practice',
          ...practice,
          // Scheduled jobs (reminders, expiry) walk practices through this index entry.
          gsi1pk: 'PRACTICES',
          gsi1sk: practice.practiceId,
        },
        // Optimistic concurrency: replace only the version we read.
        ConditionExpression: previous ? 'updatedAt = :seen' : 'attribute_not_exists(pk)',
        ...(previous ? { ExpressionAttributeValues: { ':seen': previous.updatedAt } } : {}),
      },
    },
  ];
  // The connected account is not the profile's to change (functions/store/connect.ts links and
  // releases it): its owner item is never written here, and the account is carried over as it was.
  try {
    await store.doc.send(new TransactWriteCommand({ TransactItems: writes }));
  } catch (error) {
    if ((error as Error).name !== 'TransactionCanceledException') throw error;
    throw new ConflictError('the practice changed while you were saving it; read it again and retry', 'conflict');
  }
};

/**
 * Every practice id, for the scheduled jobs: all pages of the index (a Query answers at most 1 MB;
 * reading one page skipped a quarter of 910 practices, issue 17). Projected to the id only.
 */
export const listPracticeIds = async (store: Store): Promise<string[]> =>
  (
    await queryAll<{ practiceId: string }>(store, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :all',
      ExpressionAttributeValues: { ':all': 'PRACTICES' },
      ProjectionExpression: 'practiceId',
    })
  ).map((item) => item.practiceId);
