/**
 * The producers' check where it runs: commitOnce refuses an event that does not match the event
 * catalog before it writes anything (DynamoDB Local: no marker, no state change, no outbox item).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { EventDetailError } from '../../functions/shared/events/catalog';
import { commitOnce } from '../../functions/store/commit';
import { keys, practicePk } from '../../functions/store/keys';
import { newPracticeId, testStore } from '../support/store';

const store = testStore();

const itemsOf = async (practiceId: string) =>
  (await store.doc.send(new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': practicePk(practiceId) }, ConsistentRead: true })))
    .Items ?? [];

describe('commitOnce and the event catalog', () => {
  it('writes nothing when one event of the commit does not match its schema, and commits the same request once it does', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const redeemed = { practiceId, clientId: 'cli_1', purchaseId: 'pur_1', redemptionId: 'red_1', appointmentId: 'apt_1', sessions: 1 };
    const request = (detail: Record<string, unknown>) => ({
      marker: keys.marker(practiceId, 'catalog-test', 'apt_1'),
      writes: [{ Put: { Item: { pk: practicePk(practiceId), sk: 'THING#apt_1', type: 'thing' } } }],
      events: [{ detailType: 'CreditsRedeemed', detail: { ...detail, practiceId } }],
    });

    // Act
    const refused = await commitOnce(store, request({ ...redeemed, sessions: 'one' })).catch((error: unknown) => error);
    const afterRefusal = await itemsOf(practiceId);
    const committed = await commitOnce(store, request(redeemed));

    // Assess
    expect(refused).toBeInstanceOf(EventDetailError);
    expect((refused as EventDetailError).problems).toEqual(['sessions: expected number']);
    expect(afterRefusal).toEqual([]);
    expect(committed.status).toBe('committed');
    expect((await itemsOf(practiceId)).map((item) => item.type).sort()).toEqual(['outbox', 'thing']);
  });
});
