/**
 * "null" and "absent" mean the same (functions/store/conditions.ts; audit g2, after bug 110), on
 * DynamoDB Local: an item holding `null`, one without the attribute and one with a value, each
 * against `absent` and `present` — in a conditional update, a transaction's ConditionCheck and a
 * query's filter, by name, by `#placeholder` and by document path. And the DynamoDB facts the helper
 * exists for: `attribute_not_exists` is false for a `null`, and a `:null` no expression uses is refused.
 */
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { absent, nullValue, present } from '../../functions/store/conditions';
import { LEASES, takeLease } from '../../functions/store/lease';
import { newPracticeId, testStore } from '../support/store';

const store = testStore();

type Key = { pk: string; sk: string };
const SHAPES = { holdingNull: null, without: undefined, withValue: 'a value' } as const;
type Shape = keyof typeof SHAPES;

/** Three items of one practice: `x` (and `writeOffRequest`, a map or null) null, absent, or a value. */
const threeItems = async (): Promise<{ pk: string; keys: Record<Shape, Key> }> => {
  const pk = `PRACTICE#${newPracticeId()}`;
  const keys = {} as Record<Shape, Key>;
  for (const shape of Object.keys(SHAPES) as Shape[]) {
    const key = { pk, sk: `NULLTEST#${shape}#${newId('nt')}` };
    const item: Record<string, unknown> = { ...key, type: 'null-test' };
    if (shape === 'holdingNull') Object.assign(item, { x: null, writeOffRequest: null });
    if (shape === 'withValue') Object.assign(item, { x: SHAPES.withValue, writeOffRequest: { writeOffId: 'wo_1', amountCents: 500 } });
    await store.doc.send(new PutCommand({ TableName: store.tableName, Item: item }));
    keys[shape] = key;
  }
  return { pk, keys };
};

/** Whether a conditional update of the item passes `condition` (it writes `touched`). */
const passes = async (key: Key, condition: string, names?: Record<string, string>): Promise<boolean> => {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: key,
        UpdateExpression: 'SET touched = :yes',
        ConditionExpression: condition,
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: { ':yes': true, ...nullValue(condition) },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
};

describe('absent / present on DynamoDB Local (store/conditions.ts)', () => {
  it('absent: true for the item holding null and the one without, false for the one with a value', async () => {
    const { keys } = await threeItems();
    expect(await passes(keys.holdingNull, absent('x'))).toBe(true);
    expect(await passes(keys.without, absent('x'))).toBe(true);
    expect(await passes(keys.withValue, absent('x'))).toBe(false);
  });

  it('present: false for the item holding null and the one without, true for the one with a value', async () => {
    const { keys } = await threeItems();
    expect(await passes(keys.holdingNull, present('x'))).toBe(false);
    expect(await passes(keys.without, present('x'))).toBe(false);
    expect(await passes(keys.withValue, present('x'))).toBe(true);
  });

  it('the same through a #placeholder, with the key condition beside it', async () => {
    const { keys } = await threeItems();
    const names = { '#x': 'x' };
    const results = await Promise.all(
      (Object.keys(SHAPES) as Shape[]).map(async (shape) => [
        shape,
        await passes(keys[shape], `attribute_exists(pk) AND ${absent('#x')}`, names),
        await passes(keys[shape], `attribute_exists(pk) AND ${present('#x')}`, names),
      ]),
    );
    expect(results).toEqual([
      ['holdingNull', true, false],
      ['without', true, false],
      ['withValue', false, true],
    ]);
  });

  it('a document path under a null map reads as absent (writeOffRequest.amountCents when the request is null)', async () => {
    const { keys } = await threeItems();
    expect(await passes(keys.holdingNull, absent('writeOffRequest.amountCents'))).toBe(true);
    expect(await passes(keys.without, absent('writeOffRequest.amountCents'))).toBe(true);
    expect(await passes(keys.withValue, absent('writeOffRequest.amountCents'))).toBe(false);
    expect(await passes(keys.holdingNull, present('writeOffRequest.amountCents'))).toBe(false);
    expect(await passes(keys.withValue, present('writeOffRequest.amountCents'))).toBe(true);
    // What bug 110's patched guard says in one line: no request, a null one, or a partial one (with an amount).
    const notTakenInFull = `(${absent('writeOffRequest')} OR ${present('writeOffRequest.amountCents')})`;
    expect(await passes(keys.holdingNull, notTakenInFull)).toBe(true);
    expect(await passes(keys.without, notTakenInFull)).toBe(true);
    expect(await passes(keys.withValue, notTakenInFull)).toBe(true);
  });

  it("in a transaction's ConditionCheck: a null passes absent and fails present, as a missing attribute does", async () => {
    const { keys } = await threeItems();
    const check = async (key: Key, condition: string) => {
      try {
        await store.doc.send(
          new TransactWriteCommand({
            TransactItems: [{ ConditionCheck: { TableName: store.tableName, Key: key, ConditionExpression: condition, ExpressionAttributeValues: nullValue(condition) } }],
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === 'TransactionCanceledException') return false;
        throw error;
      }
    };
    expect([await check(keys.holdingNull, absent('x')), await check(keys.without, absent('x')), await check(keys.withValue, absent('x'))]).toEqual([true, true, false]);
    expect([await check(keys.holdingNull, present('x')), await check(keys.without, present('x')), await check(keys.withValue, present('x'))]).toEqual([false, false, true]);
  });

  it("in a query's filter: present keeps only the item with a value, absent the other two", async () => {
    const { pk, keys } = await threeItems();
    const query = async (filter: string) =>
      (
        (
          await store.doc.send(
            new QueryCommand({
              TableName: store.tableName,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
              FilterExpression: filter,
              ExpressionAttributeValues: { ':pk': pk, ':sk': 'NULLTEST#', ...nullValue(filter) },
              ConsistentRead: true,
            }),
          )
        ).Items ?? []
      )
        .map((item) => item.sk as string)
        .sort();
    expect(await query(present('x'))).toEqual([keys.withValue.sk]);
    expect(await query(absent('x'))).toEqual([keys.holdingNull.sk, keys.without.sk].sort());
  });

  it('the DynamoDB facts behind the helper: attribute_not_exists is false for a null, and an unused :null is refused', async () => {
    const { keys } = await threeItems();
    // Bug 110's pair: the attribute cleared to null, the guard written attribute_not_exists.
    expect(await passes(keys.holdingNull, 'attribute_not_exists(x)')).toBe(false);
    expect(await passes(keys.holdingNull, 'attribute_exists(x)')).toBe(true);
    // Hence `nullValue`: `:null` only when an expression uses it.
    expect(nullValue('attribute_exists(pk)')).toEqual({});
    expect(nullValue('attribute_exists(pk)', absent('x'))).toEqual({ ':null': null });
    expect(nullValue('x = :nullable')).toEqual({});
    await expect(
      store.doc.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: keys.without,
          UpdateExpression: 'SET touched = :yes',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':yes': true, ':null': null },
        }),
      ),
    ).rejects.toThrow(/unused|:null/i);
  });

  it('a lease whose until was stored null is free (store/lease.ts `free` goes through absent)', async () => {
    const key = { pk: `PRACTICE#${newPracticeId()}`, sk: `NULLTEST#lease#${newId('nt')}` };
    await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...key, type: 'null-test', reminderLeaseUntil: null } }));
    const taken = await takeLease(store, key, LEASES.invoiceReminder, { now: new Date('2026-12-07T12:00:00.000Z'), returnItem: true });
    expect(taken?.reminderLeaseUntil).toBe('2026-12-07T12:15:00.000Z');
  });
});
