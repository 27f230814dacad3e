import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Estimate } from '../domain/estimate';
import type { Store } from './table';
import { getItem, withoutKeys } from './items';
import { practicePk } from './keys';

export const estimateKey = (practiceId: string, estimateId: string) => ({ pk: practicePk(practiceId), sk: `ESTIMATE#${estimateId}` });

/** Stores a new estimate; false when one with its id exists (an Idempotency-Key retry). */
export const insertEstimate = async (store: Store, estimate: Estimate): Promise<boolean> => {
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...estimateKey(estimate.practiceId, estimate.estimateId), type: 'estimate', ...estimate },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    return false;
  }
};

export const findEstimate = async (store: Store, practiceId: string, estimateId: string): Promise<Estimate | undefined> => {
  const item = await getItem<Estimate>(store, estimateKey(practiceId, estimateId));
  return item ? withoutKeys<Estimate>(item) : undefined;
};
