/**
 * bench/webhook: kneadpay's webhook path against its peers, all on the same DynamoDB Local in the
 * same run (the machine is shared and noisy: only the ratios mean something). Prints events/s,
 * p50/p99 latency, DynamoDB round trips and write units per event.
 *
 *   npx tsx bench/webhook.ts [--events 300] [--rounds 3] [--concurrency 8] [--chunks 7]
 *
 * Each round runs eight paths, each on `--events` fresh checkout.session.completed events: the bare
 * PutItem loop, a bare one-item TransactWriteItems loop, a bare transaction as large as kneadpay's,
 * kneadpay's webhook handler (in-process, the module Lambda runs), the Powertools-style idempotent
 * path around the same effect (the utility's three steps written out), the Powertools idempotency
 * utility itself around the same effect, kneadpay's own transaction items sent bare (built before
 * the clock starts: no signature, no decision, no checks, no logging), and the bare transaction as
 * large as kneadpay's again. The two runs of the bare transaction are the same work: their mean is the
 * round's baseline and their ratio the round's noise (an A/A comparison).
 *
 * The paths take turns in `--chunks` slices of the round's events (bench/interleave.ts), so
 * DynamoDB Local's drift through a round falls on all paths alike. Events are signed before the
 * clock starts (Stripe signs them, not kneadpay). What the transaction's content costs over plain
 * puts is taken apart by bench/webhook-content.ts.
 *
 * `--latency-ms N` (default 0) holds each request to DynamoDB Local N ms on its way
 * (bench/latency-proxy.ts), as the network between Lambda and DynamoDB in a Region would: a
 * diagnostic of how the round trips weigh once they cost time. Issue 15's targets are read at 0.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import Stripe from 'stripe';
import { startBenchTable } from './local-table';
import { itemSize, writeUnits } from './item-size';
import { TABLE_SCHEMA } from '../functions/store/schema';
import { runInterleaved, runPool, turnOptions, type Figures } from './interleave';

const { events: EVENTS, rounds: ROUNDS, concurrency: CONCURRENCY, chunks: CHUNKS } = turnOptions();
const LATENCY_MS = process.argv.includes('--latency-ms') ? Number(process.argv[process.argv.indexOf('--latency-ms') + 1]) : 0;
if (!Number.isFinite(LATENCY_MS) || LATENCY_MS < 0) throw new Error('--latency-ms takes a number of milliseconds (0 or more)');
const SECRET = 'whsec_bench';

const main = async () => {
  const { dynamo, tableName, endpoint, stop } = await startBenchTable({ STRIPE_WEBHOOK_SECRET: SECRET }, LATENCY_MS);
  try {
    const { getStore } = await import('../functions/store/table');
    const { handler } = await import('../functions/stripe-webhook');
    const { seedPracticeAndPurchases, checkoutEvent, apiEvent, saleItems, noStripe } = await import('./webhook-fixtures');
    const { CREDIT_EFFECTS } = await import('../functions/core/credit-effects');
    const { withTable } = await import('../functions/store/commit');
    const { carriedEvent, EVENT_SOURCE, OUTBOX_ITEM_TYPE, OUTBOX_TTL_SECONDS } = await import('../functions/store/outbox');
    const { keys } = await import('../functions/store/keys');
    const { outboxItem } = await import('../functions/store/outbox');
    const store = getStore();
    let roundTrips = 0;
    store.doc.middlewareStack.add(
      (next) => async (args) => {
        roundTrips += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countRoundTrips' },
    );

    let itemsPerTransaction = 0;
    store.doc.middlewareStack.add(
      (next) => async (args) => {
        const items = (args.input as { TransactItems?: unknown[] }).TransactItems;
        if (items) itemsPerTransaction = Math.max(itemsPerTransaction, items.length);
        return next(args);
      },
      { step: 'initialize', name: 'countTransactItems' },
    );

    // Per round: one set of fresh purchases for kneadpay, one for the Powertools-style peer, one
    // for kneadpay's items sent bare, one for the Powertools utility; then WARM for each of the
    // three handler paths' warm-up and 20 for the rebuilt old layout.
    const PATHS = 4;
    const WARM = 50;
    const purchases = await seedPracticeAndPurchases(store, PATHS * EVENTS * ROUNDS + 3 * WARM + 20);
    const batch = (round: number, path: number) => purchases.slice((PATHS * round + path) * EVENTS, (PATHS * round + path + 1) * EVENTS);
    const spare = PATHS * EVENTS * ROUNDS;
    const sign = (payload: string) => Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as never;

    /**
     * The peer a Lambda developer would reach for: Powertools for AWS Lambda's idempotency utility
     * (its DynamoDB persistence layer's three steps, written out) around the same effect. 1. a
     * conditional put of an INPROGRESS record keyed on the Stripe event id; 2. the effect — the same
     * decision kneadpay's effect makes (purchase, ledger item) and an outbox item with its two events,
     * in one transaction; 3. the update that marks the record COMPLETED with the answer.
     */
    const powertools = async (payload: string, signature: string) => {
      const event = Stripe.webhooks.constructEvent(payload, signature, SECRET, 300);
      const now = new Date();
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const key = { pk: `IDEMPOTENCY#${event.id}`, sk: 'RECORD' };
      try {
        await store.doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...key, status: 'INPROGRESS', expiration: nowSeconds + 3600, in_progress_expiration: now.getTime() + 30_000 },
            ConditionExpression: 'attribute_not_exists(pk) OR expiration < :now OR (#status = :inprogress AND in_progress_expiration < :nowMs)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':now': nowSeconds, ':nowMs': now.getTime(), ':inprogress': 'INPROGRESS' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return; // a duplicate: Powertools returns the stored answer
        throw error;
      }
      const answer = await peerEffect(event, now);
      await store.doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET #status = :completed, #data = :data, expiration = :expiration',
          ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
          ExpressionAttributeValues: { ':completed': 'COMPLETED', ':data': JSON.stringify(answer), ':expiration': nowSeconds + 3600 },
        }),
      );
    };

    /**
     * The Powertools peer's effect, for both its forms: the decision kneadpay's effect makes
     * (purchase, ledger item) and an outbox item with its two events, in one transaction.
     */
    const peerEffect = async (event: Stripe.Event, now: Date) => {
      const practiceId = (event.data.object as unknown as { metadata: { practiceId: string } }).metadata.practiceId;
      const decision = await CREDIT_EFFECTS['checkout.session.completed']!({ store, stripe: noStripe, practiceId, event, now, attempt: 1 });
      if (decision.kind !== 'apply') throw new Error(`the effect decided ${decision.kind}`);
      const identity = `IDEMPOTENCY#${event.id}`;
      await store.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...decision.writes.map((write) => withTable(write, tableName)),
            {
              Put: {
                TableName: tableName,
                Item: {
                  ...keys.outbox(practiceId, event.id),
                  type: OUTBOX_ITEM_TYPE,
                  source: EVENT_SOURCE,
                  events: decision.events.map((e, i) => carriedEvent(e, identity, i)),
                  createdAt: now.toISOString(),
                  ttl: Math.floor(now.getTime() / 1000) + OUTBOX_TTL_SECONDS,
                },
              },
            },
          ],
        }),
      );
      return { eventId: event.id, type: event.type, outcome: 'applied' };
    };

    /**
     * The same peer as a developer would install it: the Powertools idempotency utility itself
     * (`makeIdempotent` with its DynamoDB persistence layer, keyed on the event's `id`, in a table of
     * its own with the partition key `id`, as Powertools' documentation sets it up; its own
     * DynamoDB client, as by default). Its steps are the three above; what it adds is the
     * library's own work (the key's JMESPath and hash, the record object, the stored answer's JSON).
     */
    const idempotencyTable = `${tableName}-idempotency`;
    const utilityClient = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 4 });
    await utilityClient.send(
      new CreateTableCommand({
        TableName: idempotencyTable,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    utilityClient.middlewareStack.add(
      (next) => async (args) => {
        roundTrips += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countRoundTrips' },
    );
    const utilityConfig = new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: 3600 });
    const applyOnce = makeIdempotent((event: Stripe.Event) => peerEffect(event, new Date()), {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: idempotencyTable, awsSdkV3Client: utilityClient }),
      config: utilityConfig,
    });
    const powertoolsUtility = async (payload: string, signature: string) => {
      // As a handler does on each invocation: the in-progress record expires with the Lambda's time left.
      utilityConfig.registerLambdaContext(context);
      await applyOnce(Stripe.webhooks.constructEvent(payload, signature, SECRET, 300));
    };

    // Warm-up: JIT, connections, DynamoDB Local's first-use costs — for every path, WARM fresh sales
    // each for the three handler paths (before 2026-12-07 the peer had half as many as kneadpay).
    const warmed = (path: number, i: number) => JSON.stringify(checkoutEvent(purchases[spare + path * WARM + i]!));
    for (let i = 0; i < WARM; i += 1) {
      const payload = warmed(0, i);
      await handler(apiEvent(payload, sign(payload)), context);
      const peer = warmed(1, i);
      await powertools(peer, sign(peer));
      const utility = warmed(2, i);
      await powertoolsUtility(utility, sign(utility));
      await store.doc.send(new PutCommand({ TableName: tableName, Item: { pk: `BENCHWARM#${i}`, sk: 'MARKER' }, ConditionExpression: 'attribute_not_exists(pk)' }));
      await store.doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: tableName, Item: { pk: `BENCHWARMTX#${i}`, sk: 'MARKER' } } }] }));
    }
    const kneadpayItems = itemsPerTransaction;

    /**
     * The layout before 2026-12-06, rebuilt from the same decision to measure what it cost: a marker,
     * the purchase, one item per ledger entry and one outbox item per event (6 items for a sale).
     */
    const SAMPLE = 20;
    let beforeItems = 0;
    const beforeUnits: number[] = [];
    const beforeIndexUnits: number[] = [];
    /**
     * Write units of the index entries a stored item has: DynamoDB writes each global secondary
     * index whose keys the item carries (both indexes project ALL: an entry is the whole item) and
     * bills it as a standard write, outside the transaction's doubling.
     */
    const indexUnits = (item: Record<string, unknown>) =>
      TABLE_SCHEMA.indexes.filter((index) => item[index.partitionKey] !== undefined && item[index.sortKey] !== undefined).reduce((sum) => sum + writeUnits(item, false), 0);
    for (let i = 0; i < SAMPLE; i += 1) {
      const purchase = purchases[spare + 3 * WARM + i]!;
      const event = checkoutEvent(purchase) as unknown as Stripe.Event;
      const now = new Date();
      const decision = await CREDIT_EFFECTS['checkout.session.completed']!({ store, stripe: noStripe, practiceId: purchase.practiceId, event, now, attempt: 1 });
      if (decision.kind !== 'apply') throw new Error(`the effect decided ${decision.kind}`);
      const marker = keys.marker(purchase.practiceId, 'stripe-event', event.id);
      const [purchaseUpdate, ledger] = decision.writes as [Record<string, any>, { Put: { Item: Record<string, any> } }];
      const { entries, at, ...ledgerBase } = ledger.Put.Item;
      const items = [
        {
          Put: {
            TableName: tableName,
            Item: {
              ...marker,
              type: 'marker',
              committedAt: now.toISOString(),
              result: { eventId: event.id, type: event.type, outcome: 'applied' },
              ttl: Math.floor(now.getTime() / 1000) + 30 * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        withTable(purchaseUpdate, tableName),
        ...(entries as Record<string, unknown>[]).map((entry) => ({ Put: { TableName: tableName, Item: { ...ledgerBase, sk: `${ledgerBase.sk}#${entry.entryId}`, at, ...entry } } })),
        ...decision.events.map((e, index) => ({ Put: { TableName: tableName, Item: outboxItem(e, `${marker.pk}|${marker.sk}#${index}`, now) } })),
      ];
      beforeItems = items.length;
      await store.doc.send(new TransactWriteCommand({ TransactItems: items as never }));
      const purchaseAfter = (await store.doc.send(new GetCommand({ TableName: tableName, Key: purchaseUpdate.Update.Key }))).Item!;
      const written = items.map((item) => ('Put' in item && item.Put ? (item.Put.Item as Record<string, unknown>) : purchaseAfter));
      beforeUnits.push(written.reduce((sum, item) => sum + writeUnits(item, true), 0));
      beforeIndexUnits.push(written.reduce((sum, item) => sum + indexUnits(item), 0));
    }

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

    const ownItems = (purchase: (typeof purchases)[number]) => saleItems(store, purchase);

    /** The paths of a round; the order of `tasks` below is the first slice's order. */
    type PathName = 'bare' | 'tx1' | 'txN' | 'kneadpay' | 'powertools' | 'utility' | 'ownBare' | 'txNAgain';
    const rounds: Record<PathName, Figures>[] = [];
    let perEvent = 0;
    let peerRoundTrips = 0;
    let peerPayloadsOfFirstRound: string[] = [];
    let firstPayloads: string[] = [];
    let kneadpayTrips = 0;
    let peerTrips = 0;
    let utilityTrips = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      // Everything a path needs but does not itself do, prepared before any clock starts.
      const payloads = batch(round, 0).map((purchase) => JSON.stringify(checkoutEvent(purchase)));
      const signatures = payloads.map(sign);
      const peerPayloads = batch(round, 1).map((purchase) => JSON.stringify(checkoutEvent(purchase)));
      const peerSignatures = peerPayloads.map(sign);
      const own = await Promise.all(batch(round, 2).map(ownItems));
      const utilityPayloads = batch(round, 3).map((purchase) => JSON.stringify(checkoutEvent(purchase)));
      const utilitySignatures = utilityPayloads.map(sign);
      if (round === 0) {
        firstPayloads = payloads;
        peerPayloadsOfFirstRound = peerPayloads;
      }
      const tasks: Record<PathName, (i: number) => Promise<void>> = {
        bare: async (i) => {
          await store.doc.send(new PutCommand({ TableName: tableName, Item: { pk: `BENCH#${round}#${i}`, sk: 'MARKER', at: Date.now() }, ConditionExpression: 'attribute_not_exists(pk)' }));
        },
        // Where the time goes: a transaction of one item (the floor of any design that commits an
        // effect with its marker in one TransactWriteItems), and one as large as kneadpay's.
        tx1: bareTransaction(1, round),
        txN: bareTransaction(kneadpayItems, round),
        kneadpay: async (i) => {
          const answer = (await handler(apiEvent(payloads[i]!, signatures[i]!), context)) as { statusCode: number };
          if (answer.statusCode !== 200) throw new Error(`webhook answered ${answer.statusCode}`);
        },
        powertools: async (i) => {
          await powertools(peerPayloads[i]!, peerSignatures[i]!);
        },
        utility: async (i) => {
          await powertoolsUtility(utilityPayloads[i]!, utilitySignatures[i]!);
        },
        ownBare: async (i) => {
          await store.doc.send(new TransactWriteCommand({ TransactItems: own[i]! }));
        },
        txNAgain: bareTransaction(kneadpayItems, ROUNDS + round),
      };
      const figures = await runInterleaved(tasks, {
        events: EVENTS,
        slices: CHUNKS,
        concurrency: CONCURRENCY,
        around: async (path, turn) => {
          const tripsBefore = roundTrips;
          await turn();
          if (path === 'kneadpay') kneadpayTrips += roundTrips - tripsBefore;
          if (path === 'powertools') peerTrips += roundTrips - tripsBefore;
          if (path === 'utility') utilityTrips += roundTrips - tripsBefore;
        },
      });
      rounds.push(figures);
    }
    perEvent = kneadpayTrips / (EVENTS * ROUNDS);
    peerRoundTrips = peerTrips / (EVENTS * ROUNDS);
    const utilityRoundTrips = utilityTrips / (EVENTS * ROUNDS);
    // Write units per sale, from the items each path stored for the first SAMPLE sales of round 1.
    const ledgerOf = async (practiceId: string, clientId: string) =>
      (
        await store.doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
            ExpressionAttributeValues: { ':pk': `PRACTICE#${practiceId}`, ':sk': `LEDGER#${clientId}#` },
          }),
        )
      ).Items ?? [];
    const purchaseOf = async (meta: Record<string, string>) =>
      (await store.doc.send(new GetCommand({ TableName: tableName, Key: { pk: `PRACTICE#${meta.practiceId}`, sk: `PURCHASE#${meta.clientId}#${meta.purchaseId}` } }))).Item;
    const kneadpayUnits: number[] = [];
    const kneadpayIndexUnits: number[] = [];
    const peerUnits: number[] = [];
    const peerIndexUnits: number[] = [];
    let largestMarker = 0;
    for (let i = 0; i < SAMPLE; i += 1) {
      const event = JSON.parse(firstPayloads[i]!) as { id: string; data: { object: { metadata: Record<string, string> } } };
      const meta = event.data.object.metadata;
      const marker = (await store.doc.send(new GetCommand({ TableName: tableName, Key: keys.marker(meta.practiceId!, 'stripe-event', event.id) }))).Item!;
      const purchase = await purchaseOf(meta);
      if (!purchase) throw new Error(`purchase ${meta.purchaseId} not found under the assumed key`);
      largestMarker = Math.max(largestMarker, itemSize(marker));
      const stored = [marker, purchase, ...(await ledgerOf(meta.practiceId!, meta.clientId!))];
      kneadpayUnits.push(stored.reduce((sum, item) => sum + writeUnits(item, true), 0));
      kneadpayIndexUnits.push(stored.reduce((sum, item) => sum + indexUnits(item), 0));

      const peer = JSON.parse(peerPayloadsOfFirstRound[i]!) as typeof event;
      const peerMeta = peer.data.object.metadata;
      const record = (await store.doc.send(new GetCommand({ TableName: tableName, Key: { pk: `IDEMPOTENCY#${peer.id}`, sk: 'RECORD' } }))).Item!;
      const inProgress = { pk: record.pk, sk: record.sk, status: 'INPROGRESS', expiration: record.expiration, in_progress_expiration: Date.now() };
      const outbox = (await store.doc.send(new GetCommand({ TableName: tableName, Key: keys.outbox(peerMeta.practiceId!, peer.id) }))).Item!;
      const effect = [(await purchaseOf(peerMeta))!, ...(await ledgerOf(peerMeta.practiceId!, peerMeta.clientId!)), outbox];
      peerUnits.push(writeUnits(inProgress, false) + effect.reduce((sum, item) => sum + writeUnits(item, true), 0) + writeUnits(record, false));
      peerIndexUnits.push(effect.reduce((sum, item) => sum + indexUnits(item), 0));
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

    const dupBefore = roundTrips;
    // The same events again (same Stripe event ids): Stripe's redeliveries.
    const DUPLICATES = Math.min(100, EVENTS);
    await runPool(DUPLICATES, CONCURRENCY, async (i) => {
      const payload = firstPayloads[i]!;
      const answer = (await handler(apiEvent(payload, sign(payload)), context)) as { statusCode: number };
      if (answer.statusCode !== 200) throw new Error(`a redelivery answered ${answer.statusCode}`);
    });
    const perDuplicate = (roundTrips - dupBefore) / DUPLICATES;

    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const cell = (r: Figures) => `${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)}`;
    console.log(
      `bench/webhook: ${ROUNDS} rounds × ${EVENTS} checkout.session.completed events, concurrency ${CONCURRENCY}, DynamoDB Local ${dynamo.endpoint}${LATENCY_MS ? `, each request held ${LATENCY_MS} ms on its way (a Region's network; the targets are read without it)` : ''}`,
    );
    console.log(`kneadpay's transaction holds ${kneadpayItems} items`);
    console.log('| round | path | events/s | p50 ms | p99 ms | ÷ bare PutItem |');
    console.log('|---:|---|---:|---:|---:|---:|');
    rounds.forEach((r, index) => {
      const ratio = (x: Figures) => (x.perSecond / r.bare.perSecond).toFixed(2);
      console.log(`| ${index + 1} | bare conditional PutItem | ${cell(r.bare)} | 1.00 |`);
      console.log(`| ${index + 1} | bare TransactWriteItems, 1 put (diagnostic) | ${cell(r.tx1)} | ${ratio(r.tx1)} |`);
      console.log(`| ${index + 1} | bare TransactWriteItems, ${kneadpayItems} puts | ${cell(r.txN)} | ${ratio(r.txN)} |`);
      console.log(`| ${index + 1} | kneadpay webhook (verify + decide + transaction) | ${cell(r.kneadpay)} | ${ratio(r.kneadpay)} |`);
      console.log(`| ${index + 1} | Powertools-style idempotency around the same effect | ${cell(r.powertools)} | ${ratio(r.powertools)} |`);
      console.log(`| ${index + 1} | Powertools idempotency utility (the package) around the same effect | ${cell(r.utility)} | ${ratio(r.utility)} |`);
      console.log(`| ${index + 1} | kneadpay's own ${kneadpayItems} items sent bare (diagnostic) | ${cell(r.ownBare)} | ${ratio(r.ownBare)} |`);
      console.log(`| ${index + 1} | bare TransactWriteItems, ${kneadpayItems} puts, again | ${cell(r.txNAgain)} | ${ratio(r.txNAgain)} |`);
    });
    type Round = (typeof rounds)[number];
    /** The round's baseline: the mean of the two bare N-item paths (the same work, run in turn with the others). */
    const bracket = (r: Round): Figures => ({ perSecond: (r.txN.perSecond + r.txNAgain.perSecond) / 2, p50: (r.txN.p50 + r.txNAgain.p50) / 2, p99: (r.txN.p99 + r.txNAgain.p99) / 2 });
    const ratios = (pick: (r: Round) => Figures, base: (r: Round) => Figures) => rounds.map((r) => pick(r).perSecond / base(r).perSecond);
    const range = (values: number[]) => `median ${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
    const line = (label: string, values: number[], note: string) => console.log(`${label}: ${range(values)}  (${note})`);
    line(
      'noise: bare N-item transaction, second run ÷ first (A/A)',
      ratios(
        (r) => r.txNAgain,
        (r) => r.txN,
      ),
      'the same work twice; 1.00 on a quiet machine',
    );
    line(
      'ratio kneadpay ÷ bare PutItem',
      ratios(
        (r) => r.kneadpay,
        (r) => r.bare,
      ),
      'target ≥ 0.80',
    );
    line(
      'ratio 1-item transaction ÷ bare PutItem',
      ratios(
        (r) => r.tx1,
        (r) => r.bare,
      ),
      'the ceiling of any one-transaction design',
    );
    line(
      'ratio kneadpay ÷ Powertools-style',
      ratios(
        (r) => r.kneadpay,
        (r) => r.powertools,
      ),
      'target ≥ 1.50',
    );
    line(
      'ratio kneadpay ÷ Powertools idempotency utility (the package)',
      ratios(
        (r) => r.kneadpay,
        (r) => r.utility,
      ),
      'the same three steps with the library’s own work (diagnostic)',
    );
    line(
      'ratio Powertools-style ÷ Powertools idempotency utility',
      ratios(
        (r) => r.powertools,
        (r) => r.utility,
      ),
      'what the library adds to its three steps (diagnostic)',
    );
    line(
      `ratio kneadpay ÷ bare ${kneadpayItems}-item transaction`,
      ratios((r) => r.kneadpay, bracket),
      'target ≥ 0.90; baseline: the mean of the two bare N-item paths',
    );
    line(
      `ratio kneadpay ÷ its own ${kneadpayItems} items sent bare`,
      ratios(
        (r) => r.kneadpay,
        (r) => r.ownBare,
      ),
      "what kneadpay's code costs over its transaction (diagnostic)",
    );
    line(
      `ratio own items sent bare ÷ bare ${kneadpayItems}-item transaction`,
      ratios((r) => r.ownBare, bracket),
      "what the transaction's content costs over plain puts: the purchase's conditional update, its index entries, sizes (diagnostic)",
    );
    const p99 = rounds.map((r) => r.kneadpay.p99 / bracket(r).p99);
    console.log(`p99 kneadpay ÷ bare ${kneadpayItems}-item transaction: ${range(p99)}  (target ≤ 2.00)`);
    console.log(
      `kneadpay p99: ${median(rounds.map((r) => r.kneadpay.p99)).toFixed(1)} ms; bare ${kneadpayItems}-item transaction p99: ${median(rounds.map((r) => bracket(r).p99)).toFixed(1)} ms; bare PutItem p99: ${median(rounds.map((r) => r.bare.p99)).toFixed(1)} ms (medians over rounds)`,
    );
    console.log(
      `DynamoDB round trips per event: kneadpay ${perEvent.toFixed(2)} (first delivery), ${perDuplicate.toFixed(2)} (duplicate); Powertools-style ${peerRoundTrips.toFixed(2)}; Powertools utility ${utilityRoundTrips.toFixed(2)}`,
    );
    console.log(
      `DynamoDB write units per sale, table items (from the stored items' sizes, ${SAMPLE} sales each): kneadpay ${mean(kneadpayUnits).toFixed(1)} (${kneadpayItems} transactional items; largest marker ${largestMarker} B); the layout before 2026-12-06 ${mean(beforeUnits).toFixed(1)} (${beforeItems} transactional items, rebuilt from the same decision); Powertools-style ${mean(peerUnits).toFixed(1)} (put + 3-item transaction + update)`,
    );
    console.log(
      `DynamoDB write units per sale, index entries (the paid purchase's gsi1 expiring and gsi2 payment-intent entries, projection ALL, standard writes): kneadpay ${mean(kneadpayIndexUnits).toFixed(1)}; before ${mean(beforeIndexUnits).toFixed(1)}; Powertools-style ${mean(peerIndexUnits).toFixed(1)}`,
    );
    console.log(`write units kneadpay ÷ before, table items: ${(mean(kneadpayUnits) / mean(beforeUnits)).toFixed(2)}  (target ≤ 0.50)`);
    console.log(
      `write units kneadpay ÷ before, with index entries: ${((mean(kneadpayUnits) + mean(kneadpayIndexUnits)) / (mean(beforeUnits) + mean(beforeIndexUnits))).toFixed(2)}  (${(mean(kneadpayUnits) + mean(kneadpayIndexUnits)).toFixed(1)} vs ${(mean(beforeUnits) + mean(beforeIndexUnits)).toFixed(1)}; the indexes are written alike by both layouts)`,
    );
    utilityClient.destroy();
  } finally {
    await stop();
  }
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
