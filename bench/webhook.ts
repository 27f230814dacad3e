/**
 * bench/webhook: kneadpay's webhook path against a bare loop of one conditional PutItem per event,
 * both on the same DynamoDB Local in the same run (the machine is shared and noisy: only the ratio
 * means something). Prints events/s, p50/p99 latency and DynamoDB round trips per event.
 *
 *   npx tsx bench/webhook.ts [--events 600] [--concurrency 8]
 */
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 600);
const CONCURRENCY = arg('concurrency', 8);
const SECRET = 'whsec_bench';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const runPool = async (count: number, concurrency: number, task: (i: number) => Promise<void>) => {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
};

const main = async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamo = await startDynamoDbLocal();
  try {
    const tableName = 'kneadpay-bench';
    await ensureTable(dynamo.endpoint, tableName);
    Object.assign(process.env, { KNEADPAY_DYNAMO_ENDPOINT: dynamo.endpoint, KNEADPAY_TABLE: tableName, STRIPE_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'warn', AWS_REGION: 'us-east-1' });
    const { getStore } = await import('../functions/store/client');
    const { handler } = await import('../functions/stripe-webhook');
    const { seedPracticeAndPurchases, checkoutEvent, apiEvent } = await import('./webhook-fixtures');
    const store = getStore();
    let roundTrips = 0;
    store.doc.middlewareStack.add((next) => async (args) => {
      roundTrips += 1;
      return next(args);
    }, { step: 'initialize', name: 'countRoundTrips' });

    const purchases = await seedPracticeAndPurchases(store, EVENTS * 2);
    const sign = (payload: string) => Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as never;

    // Warm-up: JIT, connections, DynamoDB Local's first-use costs — for both paths.
    for (let i = 0; i < 50; i += 1) {
      const payload = JSON.stringify(checkoutEvent(purchases[EVENTS + i]!));
      await handler(apiEvent(payload, sign(payload)), context);
      await store.doc.send(new PutCommand({ TableName: tableName, Item: { pk: `BENCHWARM#${i}`, sk: 'MARKER' }, ConditionExpression: 'attribute_not_exists(pk)' }));
    }

    const bare = await runPool(EVENTS, CONCURRENCY, async (i) => {
      await store.doc.send(new PutCommand({ TableName: tableName, Item: { pk: `BENCH#${i}`, sk: 'MARKER', at: Date.now() }, ConditionExpression: 'attribute_not_exists(pk)' }));
    });
    // Where the time goes: the same number of items kneadpay writes (7), in one bare transaction.
    const bareTransaction = await runPool(EVENTS, CONCURRENCY, async (i) => {
      await store.doc.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: 7 }, (_, k) => ({
            Put: { TableName: tableName, Item: { pk: `BENCHTX#${i}`, sk: `ITEM#${k}`, at: Date.now() }, ...(k === 0 ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}) },
          })),
        }),
      );
    });
    const before = roundTrips;
    const payloads = purchases.slice(0, EVENTS).map((purchase) => JSON.stringify(checkoutEvent(purchase)));
    const kneadpay = await runPool(EVENTS, CONCURRENCY, async (i) => {
      const payload = payloads[i]!;
      const answer = (await handler(apiEvent(payload, sign(payload)), context)) as { statusCode: number };
      if (answer.statusCode !== 200) throw new Error(`webhook answered ${answer.statusCode}`);
    });
    const perEvent = (roundTrips - before) / EVENTS;
    const dupBefore = roundTrips;
    await runPool(100, CONCURRENCY, async (i) => {
      const payload = payloads[i]!;
      await handler(apiEvent(payload, sign(payload)), context);
    });
    const perDuplicate = (roundTrips - dupBefore) / 100;

    const row = (name: string, r: { perSecond: number; p50: number; p99: number }) =>
      `| ${name} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`;
    console.log(`bench/webhook: ${EVENTS} checkout.session.completed events, concurrency ${CONCURRENCY}, DynamoDB Local ${dynamo.endpoint}`);
    console.log('| path | events/s | p50 ms | p99 ms |');
    console.log('|---|---:|---:|---:|');
    console.log(row('bare conditional PutItem', bare));
    console.log(row('bare TransactWriteItems of 7 puts (diagnostic)', bareTransaction));
    console.log(row('kneadpay webhook (verify + decide + transaction)', kneadpay));
    console.log(`ratio (kneadpay ÷ bare throughput): ${(kneadpay.perSecond / bare.perSecond).toFixed(2)}  (target ≥ 0.80)`);
    console.log(`ratio (kneadpay ÷ bare 7-item transaction): ${(kneadpay.perSecond / bareTransaction.perSecond).toFixed(2)}`);
    console.log(`DynamoDB round trips per event: ${perEvent.toFixed(2)} (first delivery), ${perDuplicate.toFixed(2)} (duplicate)`);
  } finally {
    await dynamo.stop();
  }
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
