import { describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { createStore } from '../../functions/store/table';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { buildReceipt, type Receipt, RECEIPT_NUMBER_PENDING } from '../../functions/domain/receipt';
import { commitOnce } from '../../functions/store/commit';
import { getReceipt, readReceiptCounter, receiptCounterKey, receiptIssueWrites, receiptMarkerKey, receiptQueueKey, receiptSourceKey } from '../../functions/store/receipts';
import { outboxOf, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { busEvent, deliverToReceiptIssuer, listReceiptsFor } from '../support/receipts';
import { newPracticeId } from '../support/store';

const store = createStore();

const packagePaid = (practiceId: string, purchase: { clientId: string; purchaseId: string }, paymentId = `pi_${newId('num')}`) =>
  busEvent('PaymentSucceeded', {
    version: 1,
    practiceId,
    clientId: purchase.clientId,
    kind: 'package',
    purchaseId: purchase.purchaseId,
    paymentId,
    amountCents: 42500,
    currency: 'usd',
    paidAt: new Date().toISOString(),
  });

const allReceipts = async (practiceId: string) => {
  const items: { number: string; receiptId: string; emailStatus: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await listReceiptsFor(practiceId, { limit: '100', ...(cursor ? { cursor } : {}) });
    items.push(...page.json.items);
    cursor = page.json.nextCursor ?? undefined;
  } while (cursor);
  return items;
};

describe('receipt numbers: per practice, unique, increasing, no gaps', () => {
  it('50 concurrent payments for one practice → 50 receipts numbered R-000001 … R-000050', async () => {
    // Prepare
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchases = [];
    for (let i = 0; i < 50; i += 1) purchases.push(await seedOpenPurchase(store, practiceId));

    // Act
    const results = await Promise.all(purchases.map((purchase) => deliverToReceiptIssuer(packagePaid(practiceId, purchase))));

    // Assess
    const expected = Array.from({ length: 50 }, (_, i) => `R-${String(i + 1).padStart(6, '0')}`);
    expect(results.map((result) => (result as { number: string }).number).sort()).toEqual(expected);
    const receipts = await allReceipts(practiceId);
    expect(receipts.map((receipt) => receipt.number).sort()).toEqual(expected);
    expect(new Set(receipts.map((receipt) => receipt.receiptId)).size).toBe(50);
    expect(receipts.every((receipt) => receipt.emailStatus === 'sent')).toBe(true);
    expect(await readReceiptCounter(store, practiceId)).toBe(50);
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ReceiptIssued')).toHaveLength(50);
  }, 180_000);

  it('the same payment 10× at once → one receipt, one number; the next payment takes the next number', async () => {
    // Prepare
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchase = await seedOpenPurchase(store, practiceId);
    const later = await seedOpenPurchase(store, practiceId);
    const event = packagePaid(practiceId, purchase);

    // Act
    const results = await Promise.all(Array.from({ length: 10 }, () => deliverToReceiptIssuer(event)));
    const next = await deliverToReceiptIssuer(packagePaid(practiceId, later));

    // Assess
    expect(new Set(results.map((result) => (result as { receiptId: string }).receiptId)).size).toBe(1);
    expect(results.filter((result) => (result as { outcome: string }).outcome === 'issued')).toHaveLength(1);
    expect(next).toMatchObject({ outcome: 'issued', number: 'R-000002' });
    expect((await allReceipts(practiceId)).map((receipt) => receipt.number).sort()).toEqual(['R-000001', 'R-000002']);
  });

  it('numbers are per practice: two practices each start at R-000001', async () => {
    // Prepare
    const [a, b] = [newPracticeId(), newPracticeId()];
    await seedPractice(store, a);
    await seedPractice(store, b);
    const [pa, pb] = [await seedOpenPurchase(store, a), await seedOpenPurchase(store, b)];

    // Act
    const [ra, rb] = await Promise.all([deliverToReceiptIssuer(packagePaid(a, pa)), deliverToReceiptIssuer(packagePaid(b, pb))]);

    // Assess
    expect([ra, rb]).toEqual([expect.objectContaining({ number: 'R-000001' }), expect.objectContaining({ number: 'R-000001' })]);
  });

  it('a queue entry whose receipt is gone does not block the practice: it is dropped and numbering goes on', async () => {
    // Prepare: a stray entry at the head of the queue (its receipt never existed).
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          ...receiptQueueKey(practiceId, 'rcp_00000000000000000000000000'),
          type: 'receipt-queue',
          receiptId: 'rcp_00000000000000000000000000',
          clientId: 'c',
          kind: 'package',
          totalCents: 1,
          currency: 'usd',
          paymentId: 'pi_x',
        },
      }),
    );
    const purchase = await seedOpenPurchase(store, practiceId);

    // Act
    const result = await deliverToReceiptIssuer(packagePaid(practiceId, purchase));

    // Assess
    expect(result).toMatchObject({ outcome: 'issued', number: 'R-000001', email: { emailStatus: 'sent' } });
    expect(await readReceiptCounter(store, practiceId)).toBe(1);
  });

  it('a numberer that died holding the lease delays numbering only until its lease lapses', async () => {
    // Prepare: a live lease held by nobody (its holder crashed), lapsing in 1.5 s.
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchase = await seedOpenPurchase(store, practiceId);
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...receiptCounterKey(practiceId), type: 'receipt-counter', leaseId: 'lease_dead', leaseUntil: new Date(Date.now() + 1500).toISOString() },
      }),
    );

    // Act
    const started = Date.now();
    const result = await deliverToReceiptIssuer(packagePaid(practiceId, purchase));

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result).toMatchObject({ outcome: 'issued', number: 'R-000001', email: { emailStatus: 'sent' } });
  });

  it('a receipt issued but not numbered (the consumer died in between) is numbered and emailed when the event comes again', async () => {
    // Prepare: exactly the issue transaction the consumer commits before numbering, and nothing after it.
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchase = await seedOpenPurchase(store, practiceId);
    const event = packagePaid(practiceId, purchase);
    const built = buildReceipt({
      kind: 'package',
      number: RECEIPT_NUMBER_PENDING,
      issuedAt: new Date().toISOString(),
      practice: { name: 'Harbor Bodywork' },
      clientName: 'Jane Client',
      payment: { paymentId: event.detail.paymentId as string, amountCents: 42500, currency: 'usd', paidAt: new Date().toISOString(), method: { type: 'unknown' } },
      package: { purchaseId: purchase.purchaseId, packageName: 'Five sessions', serviceCode: null, sessionMinutes: 60, sessionsTotal: 5, sessionsRemaining: 5, creditsRemoved: 0, priceCents: 42500 },
    });
    if (!built.ok) throw new Error(built.problem.message);
    const receipt: Receipt = {
      receiptId: newId('rcp'),
      practiceId,
      clientId: purchase.clientId,
      kind: 'package',
      totalCents: 42500,
      currency: 'usd',
      issuedAt: new Date().toISOString(),
      source: { type: 'payment', paymentKind: 'package', paymentId: event.detail.paymentId as string, purchaseId: purchase.purchaseId },
      document: built.document,
      emailStatus: 'pending',
      emailAttempts: 0,
      emailSends: 0,
    };
    await commitOnce(store, {
      marker: { ...receiptMarkerKey(practiceId, receiptSourceKey(receipt.source)), result: { receiptId: receipt.receiptId } },
      writes: receiptIssueWrites(receipt),
    });
    const before = await listReceiptsFor(practiceId);

    // Act
    const again = await deliverToReceiptIssuer(event);

    // Assess
    expect(before.json.items).toEqual([]);
    expect(again).toMatchObject({ outcome: 'duplicate', receiptId: receipt.receiptId, number: 'R-000001', email: { emailStatus: 'sent', emailAttempts: 1 } });
    expect((await getReceipt(store, practiceId, receipt.receiptId))?.document.number).toBe('R-000001');
  });
});
