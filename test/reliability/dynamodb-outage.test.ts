/**
 * Reliability 4 — DynamoDB stops mid-run and comes back (docs/reliability.md §4).
 * This file runs its own DynamoDB Local (Amazon's engine, data kept on disk in a temp folder) so
 * it can kill it without touching the shared stack. A workload of redemptions (core and HTTP
 * handler) and Stripe refund events (webhook handler) runs; DynamoDB is killed with SIGKILL by pid
 * mid-run, then restarted on the same port and data folder. Failures during the outage must be
 * retryable errors (never a 2xx or 4xx that would stop the caller from retrying), nothing may be
 * half-written, and retrying every failed request must converge on exactly one effect each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CREDIT_EFFECTS } from '../../functions/core/credit-effects';
import { redeemCredit } from '../../functions/core/redemptions';
import { ingestStripeEvent } from '../../functions/core/stripe-events';
import { createStore, type Store } from '../../functions/store/table';
import { commitOnce } from '../../functions/store/commit';
import { keys, practicePk } from '../../functions/store/keys';
import { getStripe } from '../../functions/stripe/client';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb';
import { startEventBus } from '../../local/event-bus';
import { freePort } from '../../local/ports';
import { checkoutSession, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { assertNoPhiLeaks, captureLogs, checkInvariants, clientEmail, isRetryableError, recordFigures, sleep, track } from '../support/reliability';
import { apiEvent } from '../support/receipts';
import { deliver, stripeEvent } from '../support/stripe-events';
import { logicalItems } from '../support/items';
import { newPracticeId } from '../support/store';

const TABLE = 'kneadpay-outage';
// Redemptions and $10 refunds hit the same purchase at once (the workload that found bug 2).
const SESSIONS = 60;
const SESSION_PRICE = 1_000;
const REDEMPTIONS = 40;
const REFUNDS = 10;

const logs = captureLogs();
const savedEnv = { endpoint: process.env.KNEADPAY_DYNAMO_ENDPOINT, table: process.env.KNEADPAY_TABLE };
let port: number;
let dataDir: string;
let dynamo: DynamoDbLocal;
let store: Store;

beforeAll(async () => {
  port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'kneadpay-outage-'));
  dynamo = await startDynamoDbLocal({ port, dataDir });
  await ensureTable(dynamo.endpoint, TABLE);
  store = createStore({ endpoint: dynamo.endpoint, tableName: TABLE });
  // The handlers called in-process below read their table from the environment, as on Lambda.
  process.env.KNEADPAY_DYNAMO_ENDPOINT = dynamo.endpoint;
  process.env.KNEADPAY_TABLE = TABLE;
}, 60_000);

afterEach(async () => {
  await checkInvariants(store);
});

afterAll(async () => {
  logs.restore();
  if (savedEnv.endpoint === undefined) delete process.env.KNEADPAY_DYNAMO_ENDPOINT;
  else process.env.KNEADPAY_DYNAMO_ENDPOINT = savedEnv.endpoint;
  if (savedEnv.table === undefined) delete process.env.KNEADPAY_TABLE;
  else process.env.KNEADPAY_TABLE = savedEnv.table;
  await dynamo?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const partition = async (practiceId: string) =>
  ((await store.doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': practicePk(practiceId) }, ConsistentRead: true }))).Items ??
    []) as Record<string, any>[];

/**
 * Every appointment is all or nothing (redemption, its marker, its ledger entry, its event), every
 * refund likewise, and each purchase's count agrees with what was written. Returns a summary.
 */
const wholeWrites = async (practiceId: string) => {
  const items = await partition(practiceId);
  const of = (type: string) => logicalItems(items).filter((item) => item.type === type);
  const purchase = of('purchase')[0]!;
  const redeemed = new Set(of('redemption').map((item) => item.appointmentId as string));
  const markers = new Set(
    of('marker')
      .filter((item) => String(item.sk).startsWith('MARKER#redemption#'))
      .map((item) => String(item.sk).slice('MARKER#redemption#'.length)),
  );
  const redemptionEntries = of('ledger')
    .filter((item) => item.kind === 'redemption')
    .map((item) => item.ref as string);
  const redeemedEvents = of('outbox')
    .filter((item) => item.detailType === 'CreditsRedeemed')
    .map((item) => item.detail.appointmentId as string);
  const refundEntries = of('ledger')
    .filter((item) => item.kind === 'refund')
    .map((item) => item.ref as string);
  const refundEvents = of('outbox')
    .filter((item) => item.detailType === 'PaymentRefunded')
    .map((item) => item.detail.refundId as string);
  const sorted = (values: Iterable<string>) => [...values].sort();
  expect(sorted(markers)).toEqual(sorted(redeemed));
  expect(sorted(redemptionEntries)).toEqual(sorted(redeemed));
  expect(sorted(redeemedEvents)).toEqual(sorted(redeemed));
  expect(sorted(refundEvents)).toEqual(sorted(refundEntries));
  expect(sorted(purchase.refundIds ?? [])).toEqual(sorted(refundEntries));
  // Each $10 refund of 60 × $10 takes back one credit.
  expect(purchase.creditsRemoved).toBe(refundEntries.length);
  expect(purchase.sessionsRemaining).toBe(SESSIONS - redeemed.size - purchase.creditsRemoved);
  return { redeemed: redeemed.size, refunds: refundEntries.length, sessionsRemaining: purchase.sessionsRemaining as number, items: items.length, appointments: redeemed };
};

const lambda = { awsRequestId: 'outage', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/**
 * One run: a workload, DynamoDB stopped by pid with `signal` once 15 requests succeeded, an outage
 * of at least 1.5 s, a restart on the same port and data folder, then every failed request retried.
 */
const runThroughOutage = async (signal: 'SIGTERM' | 'SIGKILL') => {
  // Prepare: 60 paid credits at $10 each.
  const practiceId = newPracticeId();
  await seedPractice(store, practiceId);
  track(practiceId, { store, viaApi: false });
  const purchase = await seedOpenPurchase(store, practiceId, { sessions: SESSIONS, priceCents: SESSIONS * SESSION_PRICE, email: clientEmail() });
  const deps = { store, stripe: getStripe, effects: CREDIT_EFFECTS };
  expect((await ingestStripeEvent(deps, stripeEvent('checkout.session.completed', checkoutSession(purchase)))).outcome).toBe('applied');
  const refundEvent = (k: number) =>
    stripeEvent('charge.refunded', {
      id: `ch_${purchase.purchaseId}`,
      object: 'charge',
      amount: SESSIONS * SESSION_PRICE,
      payment_intent: `pi_${purchase.purchaseId}`,
      amount_refunded: k * SESSION_PRICE,
      refunds: {
        object: 'list',
        has_more: false,
        data: Array.from({ length: k }, (_, i) => ({ id: `re_${i + 1}_${purchase.purchaseId}`, object: 'refund', amount: SESSION_PRICE, status: 'succeeded', created: 1_800_000_000 + i })),
      },
    });
  const { handler: clientsHandler } = await import('../../functions/clients');

  let phase: 'before' | 'outage' | 'restarting' | 'after' = 'before';
  // Read through a function: the workers see it change while they await.
  const now = () => phase;
  const httpAnswers: { phase: string; status: number }[] = [];
  // Answers are filed under the phase their request was sent in.
  const edge = async (sentIn: string, answer: { statusCode: number; body?: string }, ok: number[]) => {
    httpAnswers.push({ phase: sentIn === 'restarting' ? 'outage' : sentIn, status: answer.statusCode });
    // A 5xx is a failure the caller retries; anything else must be the success it asked for.
    if (answer.statusCode >= 500) throw Object.assign(new Error(answer.body ?? ''), { statusCode: answer.statusCode });
    expect(ok, answer.body).toContain(answer.statusCode);
    return answer;
  };

  // Every request is retried until it succeeds, as a client, Stripe or the bus would.
  type Op = { name: string; appointment?: string; run: (sentIn: string) => Promise<unknown> };
  const ops: Op[] = [
    ...Array.from({ length: REDEMPTIONS }, (_, i): Op => ({
      name: `redeem appt-${i}`,
      appointment: `appt-${i}`,
      run: async (sentIn) =>
        i % 2 === 0
          ? redeemCredit(store, practiceId, purchase.clientId, { appointmentId: `appt-${i}` })
          : edge(
              sentIn,
              (await clientsHandler(
                apiEvent('POST /practices/{practiceId}/clients/{clientId}/redemptions', {
                  practiceId,
                  pathParameters: { practiceId, clientId: purchase.clientId },
                  body: { appointmentId: `appt-${i}` },
                }),
                lambda,
              )) as { statusCode: number; body: string },
              [200, 201],
            ),
    })),
    ...Array.from({ length: REFUNDS }, (_, k): Op => ({ name: `charge.refunded with ${k + 1} refunds`, run: async (sentIn) => edge(sentIn, await deliver(refundEvent(k + 1)), [200]) })),
  ].sort((a, b) => (a.name < b.name ? -1 : 1));

  const failures: { phase: string; op: string; retryable: boolean; error: string }[] = [];
  const acknowledged: { op: Op; at: number }[] = [];
  const attempts = new Map<string, number>();
  const gaveUp: string[] = [];
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  const queue = [...ops];
  let inflight = 0;
  const worker = async () => {
    for (;;) {
      while (now() === 'restarting') await sleep(50);
      const op = queue.shift();
      if (!op) return;
      inflight += 1;
      try {
        await op.run(now());
        acknowledged.push({ op, at: Date.now() });
      } catch (error) {
        failures.push({
          phase: now() === 'restarting' ? 'outage' : now(),
          op: op.name,
          retryable: isRetryableError(error),
          error: `${(error as Error).name}: ${(error as Error).message}`.slice(0, 200),
        });
        attempts.set(op.name, (attempts.get(op.name) ?? 0) + 1);
        if ((attempts.get(op.name) ?? 0) < 40) queue.push(op);
        else gaveUp.push(op.name);
        await sleep(100);
      } finally {
        inflight -= 1;
      }
      // Slow enough that the stop lands mid-run.
      await sleep(15);
    }
  };

  // Act
  const workers = Promise.all(Array.from({ length: 4 }, worker));
  while (acknowledged.length < 15) await sleep(5);
  const pid = dynamo.pid;
  const stoppedAt = Date.now();
  process.kill(pid, signal);
  phase = 'outage';
  await dynamo.stop(); // waits for the process to exit
  const acknowledgedBeforeStop = acknowledged.filter((ack) => ack.at <= stoppedAt);
  while (failures.filter((failure) => failure.phase === 'outage').length < 8 || Date.now() - stoppedAt < 1_500) await sleep(50);
  phase = 'restarting';
  while (inflight > 0) await sleep(50);
  dynamo = await startDynamoDbLocal({ port, dataDir });
  expect(dynamo.pid).not.toBe(pid);
  // The table as the restart found it: every write whole (checked inside), nothing half-written.
  const atRestart = await wholeWrites(practiceId);
  // DynamoDB Local (not DynamoDB) answers a TransactWriteItems before it is on disk: a SIGKILL can
  // take the last ~100 ms of acknowledged transactions with it, each one whole. Those requests are
  // sent again, as an operator would after a local crash; a graceful stop loses nothing.
  const lost = acknowledgedBeforeStop.filter((ack) => ack.op.appointment && !atRestart.appointments.has(ack.op.appointment));
  queue.push(...lost.map((ack) => ack.op));
  phase = 'after';
  await workers;
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
  return { practiceId, failures, httpAnswers, crashes, gaveUp, atRestart, lost, stoppedAt, acknowledgedBeforeStop, requests: ops.length };
};

const assessRun = async (run: Awaited<ReturnType<typeof runThroughOutage>>) => {
  // The outage was seen, every failure was one a caller retries, and nothing crashed.
  const duringOutage = run.failures.filter((failure) => failure.phase !== 'before');
  expect(duringOutage.length).toBeGreaterThanOrEqual(8);
  expect(run.failures.filter((failure) => !failure.retryable)).toEqual([]);
  expect(run.crashes).toEqual([]);
  expect(run.gaveUp).toEqual([]);
  const edgeDuringOutage = run.httpAnswers.filter((answer) => answer.phase === 'outage');
  expect(edgeDuringOutage.length).toBeGreaterThan(0);
  // What a caller sees while DynamoDB is down: 503 retry_later (bug 4 made it 500 internal).
  expect(edgeDuringOutage.filter((answer) => answer.status !== 503)).toEqual([]);
  // Converged: each appointment redeemed once, each refund applied once, the count agrees.
  const final = await wholeWrites(run.practiceId);
  expect({ redeemed: final.redeemed, refunds: final.refunds, sessionsRemaining: final.sessionsRemaining }).toEqual({
    redeemed: REDEMPTIONS,
    refunds: REFUNDS,
    sessionsRemaining: SESSIONS - REDEMPTIONS - REFUNDS,
  });
  return {
    requests: run.requests,
    failedAttempts: run.failures.length,
    failedDuringOutage: duringOutage.length,
    nonRetryable: 0,
    crashes: 0,
    httpStatusesDuringOutage: [...new Set(edgeDuringOutage.map((answer) => answer.status))],
    errorKinds: [...new Set(duringOutage.map((failure) => failure.error.replace(/127\.0\.0\.1:\d+/, 'host:port').slice(0, 60)))],
    acknowledgedBeforeStop: run.acknowledgedBeforeStop.length,
    redeemedAtRestart: run.atRestart.redeemed,
    lostAcknowledged: run.lost.length,
    lostWithinMsOfStop: run.lost.length ? Math.max(...run.lost.map((ack) => run.stoppedAt - ack.at)) : 0,
    final: { redeemed: final.redeemed, refunds: final.refunds, sessionsRemaining: final.sessionsRemaining },
  };
};

describe('reliability: DynamoDB Local stopped mid-run and restarted on the same port and data folder', () => {
  it('stopped by pid (SIGTERM): failures are retryable, nothing acknowledged is lost, retrying converges on one effect per request', async () => {
    const run = await runThroughOutage('SIGTERM');
    expect(run.lost.map((ack) => ack.op.name)).toEqual([]);
    recordFigures('dynamodb-outage-sigterm', await assessRun(run));
  });

  it('killed by pid (SIGKILL): failures are retryable, every write is whole, retrying converges on one effect per request', async () => {
    const run = await runThroughOutage('SIGKILL');
    // Only what was acknowledged in the last moments before the kill may be missing (see above).
    for (const ack of run.lost) expect(run.stoppedAt - ack.at, ack.op.name).toBeLessThan(2_000);
    recordFigures('dynamodb-outage-sigkill', await assessRun(run));
  });

  // Regression (docs/reliability.md, bug 9 "one empty map stopped the local bus", fixed): DynamoDB
  // Local's stream sends an empty map as `{}`; the bus unmarshalled every image first, threw, and
  // re-read the same batch forever, so no later event was delivered until a restart.
  it('an item holding an empty map does not stop the local bus: an event committed after it is delivered', async () => {
    // Prepare: a bus on this file's DynamoDB Local, with one probe consumer.
    const delivered: string[] = [];
    const bus = await startEventBus({
      endpoint: dynamo.endpoint,
      tableName: TABLE,
      startAt: 'latest',
      pollIntervalMs: 100,
      retry: { maxAttempts: 2, baseDelayMs: 5 },
      schedules: false,
      rules: [{ detailType: 'PoisonProbe', fn: 'probe' }],
      handlers: { probe: (event) => void delivered.push(event['detail-type']) },
      log: () => undefined,
    });
    try {
      const practiceId = newPracticeId();
      await sleep(300);

      // Act: any item with an empty map (a Stripe object's empty `metadata`, say), then an ordinary event.
      await store.doc.send(new PutCommand({ TableName: TABLE, Item: { pk: practicePk(practiceId), sk: 'NOTE#1', type: 'note', metadata: {} } }));
      await commitOnce(store, { marker: keys.marker(practiceId, 'probe', '1'), writes: [], events: [{ detailType: 'PoisonProbe', detail: { practiceId } }] });
      for (let i = 0; i < 30 && delivered.length === 0; i += 1) await sleep(100);

      // Assess
      expect(delivered).toEqual(['PoisonProbe']);
    } finally {
      await bus.stop();
    }
  });

  it('no client name, email or code in any log line of this file', async () => {
    const scan = await assertNoPhiLeaks(logs.lines, []);
    recordFigures('dynamodb-outage-phi', { logLines: scan.logLines, phiHits: scan.hits.length });
    expect(scan.hits).toEqual([]);
  });
});
