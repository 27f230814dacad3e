import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { LEASES, releaseLease, takeLease, type LeaseSpec } from '../../functions/store/lease';
import { newPracticeId, testStore } from '../support/store';

const store = testStore();

/** A lease of its own on a test item, with the holder/until pair the receipt leases use. */
const LEASE: LeaseSpec = { attributes: { holder: 'leaseId', until: 'leaseUntil' }, ms: 5_000 };
/** A lease with no holder (as the invoice email and reminder leases): it only lapses or is cleared. */
const UNHELD: LeaseSpec = { attributes: { until: 'sendLeaseUntil' }, ms: 60_000 };

const newItem = async (extra: Record<string, unknown> = {}) => {
  const key = { pk: `PRACTICE#${newPracticeId()}`, sk: `LEASETEST#${newId('lt')}` };
  await store.doc.send(new PutCommand({ TableName: store.tableName, Item: { ...key, type: 'lease-test', ...extra } }));
  return key;
};

const read = async (key: { pk: string; sk: string }) => (await store.doc.send(new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: true }))).Item ?? {};

describe('one lease primitive (store/lease.ts) on DynamoDB Local', () => {
  it("takes a free lease: holder and until recorded, until = now + the lease's duration", async () => {
    // Prepare
    const key = await newItem();
    const now = new Date('2026-12-06T12:00:00.000Z');

    // Act
    const taken = await takeLease(store, key, LEASE, { holderId: 'lease_a', now });

    // Assess
    expect(taken).toBeDefined();
    const item = await read(key);
    expect(item.leaseId).toBe('lease_a');
    expect(item.leaseUntil).toBe('2026-12-06T12:00:05.000Z');
  });

  it("refuses while another holder's lease is live, and leaves it as it was", async () => {
    // Prepare
    const key = await newItem();
    const now = new Date();
    await takeLease(store, key, LEASE, { holderId: 'lease_a', now });

    // Act
    const second = await takeLease(store, key, LEASE, { holderId: 'lease_b', now: new Date(now.getTime() + 4_999) });

    // Assess
    expect(second).toBeUndefined();
    expect((await read(key)).leaseId).toBe('lease_a');
  });

  it('takes over a lease that has lapsed (its holder died)', async () => {
    // Prepare
    const key = await newItem();
    const now = new Date();
    await takeLease(store, key, LEASE, { holderId: 'lease_dead', now });

    // Act
    const later = new Date(now.getTime() + LEASE.ms + 1);
    const taken = await takeLease(store, key, LEASE, { holderId: 'lease_b', now: later });

    // Assess
    expect(taken).toBeDefined();
    const item = await read(key);
    expect(item.leaseId).toBe('lease_b');
    expect(item.leaseUntil).toBe(new Date(later.getTime() + LEASE.ms).toISOString());
  });

  it('only the holder releases: another id changes nothing, the holder frees it for the next taker', async () => {
    // Prepare
    const key = await newItem();
    const now = new Date();
    await takeLease(store, key, LEASE, { holderId: 'lease_a', now });

    // Act
    const byOther = await releaseLease(store, key, LEASE, 'lease_b');
    const afterOther = await read(key);
    const byHolder = await releaseLease(store, key, LEASE, 'lease_a');
    const afterHolder = await read(key);
    const next = await takeLease(store, key, LEASE, { holderId: 'lease_c', now });

    // Assess
    expect(byOther).toBe(false);
    expect(afterOther.leaseId).toBe('lease_a');
    expect(byHolder).toBe(true);
    expect(afterHolder).not.toHaveProperty('leaseId');
    expect(afterHolder).not.toHaveProperty('leaseUntil');
    expect(next).toBeDefined();
  });

  it("a holder whose lapsed lease was taken over cannot release the new holder's", async () => {
    // Prepare
    const key = await newItem();
    const now = new Date();
    await takeLease(store, key, LEASE, { holderId: 'lease_old', now });
    await takeLease(store, key, LEASE, { holderId: 'lease_new', now: new Date(now.getTime() + LEASE.ms + 1) });

    // Act
    const released = await releaseLease(store, key, LEASE, 'lease_old');

    // Assess
    expect(released).toBe(false);
    expect((await read(key)).leaseId).toBe('lease_new');
  });

  it("the caller's own condition and changes go with the take; 50 racing takers → exactly one holder", async () => {
    // Prepare
    const key = await newItem({ status: 'open', attempts: 0 });
    const closed = await newItem({ status: 'paid', attempts: 0 });
    const now = new Date();
    const options = (holderId: string) => ({
      holderId,
      now,
      condition: ({ free }: { free: string }) => `#status = :open AND ${free}`,
      also: { set: ['attempts = attempts + :one'], names: { '#status': 'status' }, values: { ':open': 'open', ':one': 1 } },
      returnItem: true,
    });

    // Act
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => takeLease(store, key, LEASE, options(`lease_${i}`))));
    const onClosed = await takeLease(store, closed, LEASE, options('lease_x'));

    // Assess
    const winners = results.filter((result) => result !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ attempts: 1, status: 'open' });
    expect((await read(key)).leaseId).toBe(winners[0]!.leaseId);
    expect(onClosed).toBeUndefined();
    expect(await read(closed)).not.toHaveProperty('leaseId');
  });

  it('a lease without a holder attribute: taken, refused while live, taken over once lapsed; it has no release', async () => {
    // Prepare
    const key = await newItem();
    const now = new Date();

    // Act
    const first = await takeLease(store, key, UNHELD, { now });
    const whileLive = await takeLease(store, key, UNHELD, { now: new Date(now.getTime() + 1_000) });
    const lapsed = await takeLease(store, key, UNHELD, { now: new Date(now.getTime() + UNHELD.ms + 1) });

    // Assess
    expect(first).toBeDefined();
    expect(whileLive).toBeUndefined();
    expect(lapsed).toBeDefined();
    expect(await read(key)).not.toHaveProperty('leaseId');
    await expect(releaseLease(store, key, UNHELD, 'anyone')).rejects.toThrow(/no holder/);
  });

  it('the four leases are declared in one place, each with its duration', () => {
    // Assess: the durations kneadpay has always used (why each differs: the comments in store/lease.ts).
    expect(LEASES.receiptNumbering.ms).toBe(5_000);
    expect(LEASES.receiptEmail.ms).toBe(90_000);
    expect(LEASES.invoiceEmail.ms).toBe(60_000);
    expect(LEASES.invoiceReminder.ms).toBe(15 * 60_000);
  });
});
