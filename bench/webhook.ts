/**
 * bench/webhook: kneadpay's webhook path against a bare loop of one conditional PutItem per event,
 * both on the same DynamoDB Local in the same run (the machine is shared and noisy: only the ratio
 * means something). Prints events/s, p50/p99 latency and DynamoDB round trips per event.
 *
 *   npx tsx bench/webhook.ts [--events 300] [--rounds 3] [--concurrency 8]
 *
 * Each round runs, one after the other: the bare PutItem loop, a bare one-item TransactWriteItems
 * loop, a bare transaction as large as kneadpay's, and kneadpay's webhook handler (in-process, the
 * module Lambda runs) on `--events` fresh checkout.session.completed events.
 */
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 300);
const ROUNDS = arg('rounds', 3);
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

    let itemsPerTransaction = 0;
    store.doc.middlewareStack.add((next) => async (args) => {
      const items = (args.input as { TransactItems?: unknown[] }).TransactItems;
      if (items) itemsPerTransaction = Math.max(itemsPerTransaction, items.length);
      return next(args);
    }, { step: 'initialize', name: 'countTransactItems' });

    const purchases = await seedPracticeAndPurchases(store, EVENTS * ROUNDS + 50);
    const sign = (payload: string) => Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as never;

    // Warm-up: JIT, connections, DynamoDB Local's first-use costs — for every path.
    for (let i = 0; i < 50; i += 1) {
      const payload = JSON.stringify(checkoutEvent(purchases[EVENTS * ROUNDS + i]!));
      await handler(apiEvent(payload, sign(payload)), context);
      await store.doc.send(new PutCommand({ TableName: tableName, Item: { pk: `BENCHWARM#${i}`, sk: 'MARKER' }, ConditionExpression: 'attribute_not_exists(pk)' }));
      await store.doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: tableName, Item: { pk: `BENCHWARMTX#${i}`, sk: 'MARKER' } } }] }));
    }
    const kneadpayItems = itemsPerTransaction;

    /** A bare TransactWriteItems of `size` puts, the first one conditional like a marker. */
    const bareTransaction = (size: number, round: number) => (i: number) =>
      store.doc
        .send(
          new TransactWriteCommand({
            TransactItems: Array.from({ length: size }, (_, k) => ({
              Put: { TableName: tableName, Item: { pk: `BENCHTX${size}#${round}#${i}`, sk: `ITEM#${k}`, at: Date.now() }, ...(k === 0 ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}) },
            })),
          }),
        )
        .then(() => undefined);

    type Figures = Awaited<ReturnType<typeof runPool>>;
    const rounds: { bare: Figures; tx1: Figures; txN: Figures; kneadpay: Figures }[] = [];
    let perEvent = 0;
    let firstPayloads: string[] = [];
    // Rounds interleave the paths, so a noisy moment or DynamoDB Local's warming hits all alike.
    for (let round = 0; round < ROUNDS; round += 1) {
      const bare = await runPool(EVENTS, CONCURRENCY, async (i) => {
        await store.doc.send(new PutCommand({ TableName: tableName, Item: { pk: `BENCH#${round}#${i}`, sk: 'MARKER', at: Date.now() }, ConditionExpression: 'attribute_not_exists(pk)' }));
      });
      // Where the time goes: a transaction of one item (the floor of any design that commits an
      // effect with its marker in one TransactWriteItems), and one as large as kneadpay's.
      const tx1 = await runPool(EVENTS, CONCURRENCY, bareTransaction(1, round));
      const txN = await runPool(EVENTS, CONCURRENCY, bareTransaction(kneadpayItems, round));
      const before = roundTrips;
      const payloads = purchases.slice(round * EVENTS, (round + 1) * EVENTS).map((purchase) => JSON.stringify(checkoutEvent(purchase)));
      const kneadpay = await runPool(EVENTS, CONCURRENCY, async (i) => {
        const payload = payloads[i]!;
        const answer = (await handler(apiEvent(payload, sign(payload)), context)) as { statusCode: number };
        if (answer.statusCode !== 200) throw new Error(`webhook answered ${answer.statusCode}`);
      });
      perEvent = Math.max(perEvent, (roundTrips - before) / EVENTS);
      if (round === 0) firstPayloads = payloads;
      rounds.push({ bare, tx1, txN, kneadpay });
    }
    const dupBefore = roundTrips;
    // The same events again (same Stripe event ids): Stripe's redeliveries.
    await runPool(100, CONCURRENCY, async (i) => {
      const payload = firstPayloads[i]!;
      await handler(apiEvent(payload, sign(payload)), context);
    });
    const perDuplicate = (roundTrips - dupBefore) / 100;

    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const cell = (r: Figures) => `${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)}`;
    console.log(`bench/webhook: ${ROUNDS} rounds × ${EVENTS} checkout.session.completed events, concurrency ${CONCURRENCY}, DynamoDB Local ${dynamo.endpoint}`);
    console.log(`kneadpay's transaction holds ${kneadpayItems} items`);
    console.log('| round | path | events/s | p50 ms | p99 ms | ÷ bare PutItem |');
    console.log('|---:|---|---:|---:|---:|---:|');
    rounds.forEach((r, index) => {
      const ratio = (x: Figures) => (x.perSecond / r.bare.perSecond).toFixed(2);
      console.log(`| ${index + 1} | bare conditional PutItem | ${cell(r.bare)} | 1.00 |`);
      console.log(`| ${index + 1} | bare TransactWriteItems, 1 put (diagnostic) | ${cell(r.tx1)} | ${ratio(r.tx1)} |`);
      console.log(`| ${index + 1} | bare TransactWriteItems, ${kneadpayItems} puts (diagnostic) | ${cell(r.txN)} | ${ratio(r.txN)} |`);
      console.log(`| ${index + 1} | kneadpay webhook (verify + decide + transaction) | ${cell(r.kneadpay)} | ${ratio(r.kneadpay)} |`);
    });
    const ratios = (pick: (r: (typeof rounds)[number]) => Figures, base: (r: (typeof rounds)[number]) => Figures) =>
      rounds.map((r) => pick(r).perSecond / base(r).perSecond);
    const range = (values: number[]) => `median ${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
    console.log(`ratio kneadpay ÷ bare PutItem: ${range(ratios((r) => r.kneadpay, (r) => r.bare))}  (target ≥ 0.80)`);
    console.log(`ratio 1-item transaction ÷ bare PutItem: ${range(ratios((r) => r.tx1, (r) => r.bare))}  (the ceiling of any one-transaction design)`);
    console.log(`ratio kneadpay ÷ bare ${kneadpayItems}-item transaction: ${range(ratios((r) => r.kneadpay, (r) => r.txN))}`);
    console.log(`kneadpay p99: ${median(rounds.map((r) => r.kneadpay.p99)).toFixed(1)} ms; bare PutItem p99: ${median(rounds.map((r) => r.bare.p99)).toFixed(1)} ms (medians over rounds)`);
    console.log(`DynamoDB round trips per event: ${perEvent.toFixed(2)} (first delivery), ${perDuplicate.toFixed(2)} (duplicate)`);
  } finally {
    await dynamo.stop();
  }
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
