/**
 * Markers of Stripe events whose practice is not known (unknown connected account, no kneadpay
 * metadata): recorded once, globally, so a redelivery is answered as a duplicate.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from './table';
import { globalKeys } from './keys';

/** Stripe retries for 3 days; a week covers every redelivery. */
const IGNORED_EVENT_TTL_SECONDS = 7 * 86_400;

/** Records the event as ignored, once: answers false when it was recorded before (a redelivery). */
export const recordIgnoredStripeEvent = async (store: Store, event: { id: string; account?: string | null }, result: unknown, now: Date): Promise<boolean> => {
  try {
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          ...globalKeys.stripeEventMarker(event.id),
          type: 'marker',
          result,
          account: event.account ?? null,
          committedAt: now.toISOString(),
          ttl: Math.floor(now.getTime() / 1000) + IGNORED_EVENT_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    return false;
  }
};
