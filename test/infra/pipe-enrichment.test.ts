import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { carriedEvent, EVENTS_PER_ITEM, OUTBOX_ITEM_TYPE, OUTBOX_PIPE_BATCH_SIZE, outboxItem } from '../../functions/store/outbox';
import { outboxFilterPattern } from '../../lib/constructs/OutboxPipe';
import { handler, MalformedOutboxItemError, type OutboxStreamRecord } from '../../lib/pipe-enrichment/handler';
import { outboxItemToBusEvents } from '../../lib/pipe-enrichment/translate';

/**
 * The pipe's enrichment on what the stream really carries: outbox items built by the same
 * `outboxItem()` the functions commit, in DynamoDB JSON as Pipes hands them over.
 */
const streamRecord = (item: object, eventID: string): OutboxStreamRecord => ({
  eventID,
  eventName: 'INSERT',
  dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) },
});

const claimAdjudicated = outboxItem(
  {
    detailType: 'ClaimAdjudicated',
    detail: {
      practiceId: 'prac_1',
      claimId: 'CLM-1001',
      remittance: { traceNumber: 'EFT123', payerId: 'P1', paidAt: '2026-10-20' },
      chargeCents: 13000,
      paidCents: 5600,
      patientResponsibilityCents: 3400,
      claimAdjustments: [],
      lines: [{ procedureCode: '97124', units: 2, chargeCents: 6000, adjustments: [{ group: 'PR', reason: '2', amountCents: 1400 }] }],
    },
  },
  'prac_1:CLM-1001:EFT123',
  new Date('2026-10-21T12:00:00Z'),
);

describe('the outbox pipe enrichment', () => {
  it('turns an outbox stream record into the bus event: source, detail-type and the plain detail', async () => {
    // Prepare
    const record = streamRecord(claimAdjudicated, 'rec-1');

    // Act
    const events = await handler([record]);

    // Assess
    expect(events).toEqual([{ source: 'kneadpay', detailType: 'ClaimAdjudicated', detail: claimAdjudicated.detail }]);
    expect(events[0]!.detail).toMatchObject({ version: 1, chargeCents: 13000, lines: [{ units: 2 }] });
  });

  it('keeps a batch in stream order, one event per record', async () => {
    const second = outboxItem({ detailType: 'PaymentSucceeded', detail: { practiceId: 'prac_1', paymentId: 'pay_1', amountCents: 3400 } }, 'pi_1');

    const events = await handler([streamRecord(claimAdjudicated, 'rec-1'), streamRecord(second, 'rec-2')]);

    expect(events.map((event) => event.detailType)).toEqual(['ClaimAdjudicated', 'PaymentSucceeded']);
  });

  it('fails the batch on an outbox item it cannot publish, so Pipes retries and then dead-letters it', async () => {
    const { detailType: _dropped, ...withoutDetailType } = claimAdjudicated;

    await expect(handler([streamRecord(withoutDetailType, 'rec-9')])).rejects.toThrow(MalformedOutboxItemError);
    await expect(handler([streamRecord(withoutDetailType, 'rec-9')])).rejects.toThrow(/no detailType \(stream record rec-9\)/);
    await expect(handler([{ eventID: 'rec-10', eventName: 'INSERT', dynamodb: {} }])).rejects.toThrow(/NEW_IMAGE/);
  });

  it('sees exactly the items the pipe filter lets through: inserts whose type is the outbox type', () => {
    const pattern = outboxFilterPattern(OUTBOX_ITEM_TYPE);
    const record = streamRecord(claimAdjudicated, 'rec-1');

    expect(pattern.eventName).toEqual([record.eventName]);
    expect(pattern.dynamodb.NewImage.type.S).toEqual([record.dynamodb!.NewImage!.type!.S]);
  });
  it('turns a commit marker that carries its events into one bus event per event, in order, within the target batch of 10', async () => {
    // Prepare: a package sale's marker as commitOnce writes it (the marker is the outbox item of its events).
    const identity = 'PRACTICE#prac_1|MARKER#stripe-event#evt_1';
    const sale = {
      pk: 'PRACTICE#prac_1',
      sk: 'MARKER#stripe-event#evt_1',
      type: OUTBOX_ITEM_TYPE,
      committedAt: '2026-12-06T12:00:00.000Z',
      result: { eventId: 'evt_1', type: 'checkout.session.completed', outcome: 'applied' },
      ttl: 1,
      source: 'kneadpay',
      events: [
        carriedEvent({ detailType: 'PackagePurchased', detail: { practiceId: 'prac_1', purchaseId: 'pur_1', amountCents: 42500 } }, identity, 0),
        carriedEvent({ detailType: 'PaymentSucceeded', detail: { practiceId: 'prac_1', paymentId: 'pi_1', amountCents: 42500 } }, identity, 1),
      ],
    };

    // Act
    const events = await handler([streamRecord(sale, 'rec-1'), streamRecord(claimAdjudicated, 'rec-2')]);
    const fullBatch = await handler(Array.from({ length: OUTBOX_PIPE_BATCH_SIZE }, (_, i) => streamRecord(sale, `rec-${i}`)));

    // Assess
    expect(events).toEqual([
      { source: 'kneadpay', detailType: 'PackagePurchased', detail: { version: 1, practiceId: 'prac_1', purchaseId: 'pur_1', amountCents: 42500 } },
      { source: 'kneadpay', detailType: 'PaymentSucceeded', detail: { version: 1, practiceId: 'prac_1', paymentId: 'pi_1', amountCents: 42500 } },
      { source: 'kneadpay', detailType: 'ClaimAdjudicated', detail: claimAdjudicated.detail },
    ]);
    expect(sale.events).toHaveLength(EVENTS_PER_ITEM);
    expect(fullBatch.length).toBeLessThanOrEqual(10);
    await expect(handler([streamRecord({ ...sale, events: [] }, 'rec-11')])).rejects.toThrow(/empty events list \(stream record rec-11\)/);
    await expect(handler([streamRecord({ ...sale, events: [{ detailType: 'X' }] }, 'rec-12')])).rejects.toThrow(/event 0 has no detail map/);
  });
});

describe('the shared outbox translation (the Pipe enrichment and the local bus both call it)', () => {
  it('gives each carried event its outbox event id and the commit time, which the local bus puts in the envelope', () => {
    // Prepare
    const identity = 'PRACTICE#prac_1|MARKER#stripe-event#evt_2';
    const marker = {
      pk: 'PRACTICE#prac_1',
      sk: 'MARKER#stripe-event#evt_2',
      type: OUTBOX_ITEM_TYPE,
      committedAt: '2026-12-06T12:00:00.000Z',
      ttl: 1,
      source: 'kneadpay',
      events: [
        carriedEvent({ detailType: 'PackagePurchased', detail: { practiceId: 'prac_1', purchaseId: 'pur_2' } }, identity, 0),
        carriedEvent({ detailType: 'PaymentSucceeded', detail: { practiceId: 'prac_1', paymentId: 'pi_2' } }, identity, 1),
      ],
    };

    // Act
    const events = outboxItemToBusEvents(marker, 'rec-20');
    const legacy = outboxItemToBusEvents({ ...claimAdjudicated }, 'rec-21');

    // Assess
    expect(events).toEqual(marker.events.map((event) => ({ source: 'kneadpay', detailType: event.detailType, detail: event.detail, eventId: event.eventId, createdAt: marker.committedAt })));
    expect(legacy).toEqual([{ source: 'kneadpay', detailType: 'ClaimAdjudicated', detail: claimAdjudicated.detail, eventId: claimAdjudicated.eventId, createdAt: claimAdjudicated.createdAt }]);
    expect(() => outboxItemToBusEvents({ ...marker, events: [] }, 'rec-22')).toThrow(/empty events list \(stream record rec-22\)/);
  });

  it('is the only copy: the local bus imports it and no longer translates items itself', () => {
    const bus = readFileSync(resolve(import.meta.dirname, '../../local/event-bus.ts'), 'utf8');
    expect(bus).toMatch(/from '\.\.\/lib\/pipe-enrichment\/translate'/);
    expect(bus).not.toMatch(/eventsOfItem/);
  });
});
