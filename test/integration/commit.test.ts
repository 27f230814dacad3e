import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { commitOnce, CommitConflictError } from '../../functions/store/commit';
import { keys, practicePk } from '../../functions/store/keys';
import { logicalItems } from '../support/items';
import { newPracticeId, testStore } from '../support/store';

const store = testStore();

const outboxOf = async (practiceId: string) => {
  const answer = await store.doc.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId) },
    }),
  );
  // Events ride on their commit's marker item: one record per event, whatever item carries it.
  return logicalItems(answer.Items ?? []).filter((item) => item.type === 'outbox');
};

describe('commitOnce on DynamoDB Local', () => {
  it('commits state, marker and outbox together and replays the stored result for a duplicate', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const request = {
      marker: { ...keys.marker(practiceId, 'test', 'order-1'), result: { orderId: 'order-1', total: 4200 } },
      writes: [{ Put: { Item: { pk: practicePk(practiceId), sk: 'ORDER#order-1', totalCents: 4200 } } }],
      events: [{ detailType: 'OrderPlaced', detail: { practiceId, orderId: 'order-1', totalCents: 4200 } }],
    };

    // Act
    const first = await commitOnce(store, request);
    const second = await commitOnce(store, request);

    // Assess
    expect(first).toEqual({ status: 'committed', result: { orderId: 'order-1', total: 4200 } });
    expect(second).toEqual({ status: 'duplicate', result: { orderId: 'order-1', total: 4200 } });
    const order = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: { pk: practicePk(practiceId), sk: 'ORDER#order-1' } }));
    expect(order.Item?.totalCents).toBe(4200);
    const outbox = await outboxOf(practiceId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ type: 'outbox', source: 'kneadpay', detailType: 'OrderPlaced', detail: { version: 1, practiceId, orderId: 'order-1' } });
  });

  it('50 concurrent commits of the same business key: one commits, 49 are duplicates, one outbox item', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const attempt = (n: number) =>
      commitOnce(store, {
        marker: { ...keys.marker(practiceId, 'stripe-event', 'evt_same'), result: { winner: n } },
        writes: [
          {
            Update: {
              Key: { pk: practicePk(practiceId), sk: 'COUNTER#grants' },
              UpdateExpression: 'ADD grants :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
        events: [{ detailType: 'CreditsGranted', detail: { practiceId, attempt: n } }],
      });

    // Act
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, n) => attempt(n)));

    // Assess
    const committed = outcomes.filter((outcome) => outcome.status === 'committed');
    const duplicates = outcomes.filter((outcome) => outcome.status === 'duplicate');
    expect(committed).toHaveLength(1);
    expect(duplicates).toHaveLength(49);
    // Every duplicate sees the winner's stored answer.
    expect(new Set(duplicates.map((outcome) => JSON.stringify(outcome.result)))).toEqual(new Set([JSON.stringify(committed[0]!.result)]));
    const counter = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: { pk: practicePk(practiceId), sk: 'COUNTER#grants' } }));
    expect(counter.Item?.grants).toBe(1);
    expect(await outboxOf(practiceId)).toHaveLength(1);
  });

  it('a conflicting concurrent update of the same state is reported as conflict, never as duplicate', async () => {
    // Prepare: one credit left; two different appointments race for it with a version condition.
    const practiceId = newPracticeId();
    const purchaseKey = { pk: practicePk(practiceId), sk: 'PURCHASE#p1' };
    await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...purchaseKey, sessionsRemaining: 1, version: 1 } }));
    const redeem = (appointmentId: string) =>
      commitOnce(store, {
        marker: keys.marker(practiceId, 'redemption', appointmentId),
        writes: [
          {
            Update: {
              Key: purchaseKey,
              UpdateExpression: 'SET sessionsRemaining = sessionsRemaining - :one, version = :next',
              ConditionExpression: 'version = :seen AND sessionsRemaining >= :one',
              ExpressionAttributeValues: { ':one': 1, ':seen': 1, ':next': 2 },
            },
          },
        ],
      });

    // Act
    const outcomes = await Promise.allSettled([redeem('appt-a'), redeem('appt-b')]);

    // Assess
    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect((fulfilled[0] as PromiseFulfilledResult<{ status: string }>).value.status).toBe('committed');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(CommitConflictError);
    expect((rejected[0]!.reason as Error).name).toBe('CommitConflictError');
    // The loser's marker was not written: it may retry later against fresh state.
    const loser = outcomes[0]!.status === 'fulfilled' ? 'appt-b' : 'appt-a';
    const loserMarker = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: keys.marker(practiceId, 'redemption', loser) }));
    expect(loserMarker.Item).toBeUndefined();
    const purchase = await store.doc.send(new GetCommand({ TableName: store.tableName, Key: purchaseKey }));
    expect(purchase.Item?.sessionsRemaining).toBe(0);
  });
});
