import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { commitOnce } from '../../functions/store/commit';
import { keys, practicePk } from '../../functions/store/keys';
import { startEventBus, type EventBusOptions, type EventEnvelope, type LocalEventBus } from '../../local/event-bus';
import { logicalItems } from '../support/items';
import { newPracticeId, testStore } from '../support/store';

const store = testStore();
const workDir = mkdtempSync(join(tmpdir(), 'kneadpay-bus-test-'));
const buses: LocalEventBus[] = [];

/** A bus on the run's DynamoDB Local stream with the test's own rules and consumers. */
const bus = async (options: Partial<EventBusOptions>) => {
  const started = await startEventBus({
    endpoint: inject('dynamoEndpoint'),
    tableName: inject('tableName'),
    startAt: 'latest',
    pollIntervalMs: 100,
    retry: { maxAttempts: 3, baseDelayMs: 5 },
    log: () => undefined,
    ...options,
  });
  buses.push(started);
  return started;
};

/** Commits one state change with one outbox event, as every kneadpay function does. */
const commitWithEvent = (practiceId: string, businessKey: string, detailType: string, detail: Record<string, unknown>, now = new Date()) =>
  commitOnce(
    store,
    {
      marker: keys.marker(practiceId, 'bus-test', businessKey),
      writes: [{ Put: { Item: { pk: practicePk(practiceId), sk: `THING#${businessKey}`, detailType } } }],
      events: [{ detailType, detail: { practiceId, ...detail } }],
    },
    now,
  );

const storedOutbox = async (practiceId: string) => {
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

const forPractice = (practiceId: string) => (delivery: { event: EventEnvelope }) => delivery.event.detail.practiceId === practiceId;

afterEach(async () => {
  await Promise.all(buses.splice(0).map((started) => started.stop()));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('local event bus (DynamoDB stream → EventBridge envelope → consumers)', () => {
  it('delivers a committed outbox event to the consumer its rule names, in the EventBridge envelope', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const received: EventEnvelope[] = [];
    const started = await bus({
      rules: [{ detailType: 'BusTestPackagePurchased', fn: 'creditGranter' }],
      handlers: { creditGranter: async (event) => void received.push(event) },
    });
    const now = new Date('2026-10-02T15:04:05.678Z');

    // Act
    await commitWithEvent(practiceId, 'purchase-1', 'BusTestPackagePurchased', { purchaseId: 'pur_1', amountCents: 24000 }, now);
    const delivery = await started.waitForDelivery(forPractice(practiceId));

    // Assess
    const [outbox] = await storedOutbox(practiceId);
    expect(delivery).toMatchObject({ fn: 'creditGranter', attempts: 1 });
    expect(received).toEqual([
      {
        version: '0',
        id: outbox!.eventId,
        'detail-type': 'BusTestPackagePurchased',
        source: 'kneadpay',
        account: '000000000000',
        time: '2026-10-02T15:04:05Z',
        region: 'us-east-1',
        resources: [],
        detail: { version: 1, practiceId, purchaseId: 'pur_1', amountCents: 24000 },
      },
    ]);
  });

  it('retries a failing consumer with backoff, then parks the event in the dead-letter list and file', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const deadLetterFile = join(workDir, 'dead-letters.jsonl');
    let calls = 0;
    const started = await bus({
      rules: [{ detailType: 'BusTestReceiptIssued', fn: 'receiptMailer' }],
      handlers: {
        receiptMailer: async () => {
          calls += 1;
          throw new Error('SES is down');
        },
      },
      deadLetterFile,
    });

    // Act
    await commitWithEvent(practiceId, 'receipt-1', 'BusTestReceiptIssued', { receiptId: 'rcp_1' });
    const parked = await started.waitForDeadLetter(forPractice(practiceId));

    // Assess
    expect(parked).toMatchObject({ fn: 'receiptMailer', attempts: 3, error: { name: 'Error', message: 'SES is down' } });
    expect(calls).toBe(3);
    expect(started.deadLetters).toHaveLength(1);
    expect(started.delivered.filter(forPractice(practiceId))).toEqual([]);
    const lines = readFileSync(deadLetterFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as typeof parked);
    expect(lines.filter(forPractice(practiceId))).toEqual([parked]);
  });

  it('delivers after transient failures without parking', async () => {
    // Prepare
    const practiceId = newPracticeId();
    let calls = 0;
    const started = await bus({
      rules: [{ detailType: 'BusTestFlaky', fn: 'flaky' }],
      handlers: {
        flaky: async () => {
          calls += 1;
          if (calls < 3) throw new Error(`transient ${calls}`);
        },
      },
    });

    // Act
    await commitWithEvent(practiceId, 'flaky-1', 'BusTestFlaky', {});
    const delivery = await started.waitForDelivery(forPractice(practiceId));

    // Assess
    expect(delivery.attempts).toBe(3);
    expect(started.deadLetters).toEqual([]);
  });

  it('publish() routes an injected ClaimAdjudicated to its rule and to nothing else', async () => {
    // Prepare
    const received: Array<{ fn: string; event: EventEnvelope }> = [];
    const started = await bus({
      stream: false,
      rules: [
        { detailType: 'ClaimAdjudicated', fn: 'balanceInvoicer' },
        { detailType: 'PackagePurchased', fn: 'creditGranter' },
      ],
      handlers: {
        balanceInvoicer: async (event) => void received.push({ fn: 'balanceInvoicer', event }),
        creditGranter: async (event) => void received.push({ fn: 'creditGranter', event }),
      },
    });
    const detail = { version: 1, practiceId: newPracticeId(), claimId: 'CLM-1001', status: 'processed_primary', patientResponsibilityCents: 3400 };

    // Act
    const result = await started.publish({ detailType: 'ClaimAdjudicated', detail, time: '2026-10-20T12:00:00.000Z' });

    // Assess
    expect(result.deliveries).toEqual([{ fn: 'balanceInvoicer', status: 'delivered', attempts: 1 }]);
    expect(received).toEqual([
      {
        fn: 'balanceInvoicer',
        event: expect.objectContaining({ id: result.id, 'detail-type': 'ClaimAdjudicated', source: 'kneadpay', time: '2026-10-20T12:00:00Z', detail }),
      },
    ]);
  });

  it('runs a scheduled function on its interval with a Scheduled Event', async () => {
    // Prepare
    const started = await bus({
      stream: false,
      schedules: [{ fn: 'reminders', expression: 'rate(1 hour)' }],
      scheduleIntervalMs: 50,
      handlers: { reminders: async () => undefined },
    });

    // Act
    const delivery = await started.waitForDelivery((candidate) => candidate.fn === 'reminders', 5_000);

    // Assess
    expect(delivery.event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    expect(delivery.event.resources).toEqual([expect.stringMatching(/:rule\/kneadpay-reminders$/)]);
  });

  it('resumes after a restart from its checkpoint and redelivers what was not settled (at least once)', async () => {
    // Prepare: the first bus delivers A, then "crashes" while its consumer still works on B.
    const practiceId = newPracticeId();
    const checkpointFile = join(workDir, 'checkpoint.json');
    const firstRun: string[] = [];
    const first = await bus({
      checkpointFile,
      stopGraceMs: 50,
      rules: [{ detailType: 'BusTestResume', fn: 'consumer' }],
      handlers: {
        consumer: async (event) => {
          if (event.detail.step === 'B') await new Promise(() => undefined); // never finishes
          firstRun.push(String(event.detail.step));
        },
      },
    });
    await commitWithEvent(practiceId, 'resume-A', 'BusTestResume', { step: 'A' });
    await first.waitForDelivery(forPractice(practiceId));
    await commitWithEvent(practiceId, 'resume-B', 'BusTestResume', { step: 'B' });
    await new Promise((resolveWait) => setTimeout(resolveWait, 500)); // B is read and handed to the consumer
    await first.stop();
    await commitWithEvent(practiceId, 'resume-C', 'BusTestResume', { step: 'C' });

    // Act
    const secondRun: string[] = [];
    const second = await bus({
      checkpointFile,
      startAt: 'latest',
      rules: [{ detailType: 'BusTestResume', fn: 'consumer' }],
      handlers: { consumer: async (event) => void secondRun.push(String(event.detail.step)) },
    });
    await second.waitForDelivery((delivery) => forPractice(practiceId)(delivery) && delivery.event.detail.step === 'C');
    await new Promise((resolveWait) => setTimeout(resolveWait, 300));

    // Assess
    expect(existsSync(checkpointFile)).toBe(true);
    expect(firstRun).toEqual(['A']);
    expect(secondRun).toEqual(['B', 'C']);
  });
});
