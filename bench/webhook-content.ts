/**
 * bench/webhook-content: what in kneadpay's sale transaction costs more than three plain puts on
 * DynamoDB Local (bench/webhook.ts measures the gap; this takes it apart). Every path sends one
 * TransactWriteItems per sale, built before the clock starts, on fresh purchases:
 *
 * - `as sent`: kneadpay's own items (the marker carrying both events, the purchase's conditional
 *   update that also gives it its two index entries, the ledger item);
 * - `purchase as a put`: the same, but the purchase written as a blind Put of the very item the
 *   update would leave (read before the clock) — no read of the old item, no condition;
 * - `no index keys`: the update without the gsi1/gsi2 keys (no index entries written);
 * - `one-field update`: the update reduced to `SET state`, no condition;
 * - `marker without events`: the marker's `events` list empty (a smaller item);
 * - `bare 3 puts` (twice: baseline and A/A noise): three small puts, the first conditional.
 *
 * None of the variants is a design kneadpay could ship (each drops something the sale needs); they
 * say where DynamoDB Local spends its time. Paths take turns in slices (bench/interleave.ts).
 *
 *   npx tsx bench/webhook-content.ts [--events 300] [--rounds 3] [--concurrency 8] [--chunks 7]
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startBenchTable } from './local-table';
import { runInterleaved, turnOptions, type Figures } from './interleave';

const { events: EVENTS, rounds: ROUNDS, concurrency: CONCURRENCY, chunks: CHUNKS } = turnOptions();

type Items = Record<string, any>[];
type Update = {
  Key: Record<string, string>;
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
  TableName: string;
};

/** `SET a = :a, … ADD version :one REMOVE #ttl` → its parts (the grant update's shape). */
const partsOf = (expression: string) => {
  const match = /^SET (.*) ADD (.*) REMOVE (.*)$/.exec(expression);
  if (!match) throw new Error(`the sale's update changed shape: ${expression}`);
  return { sets: match[1]!.split(', ').map((clause) => clause.split(' = ') as [string, string]), add: match[2]!, remove: match[3]! };
};

const mapUpdate = (items: Items, change: (update: Update) => Record<string, unknown>): Items => items.map((item) => (item.Update ? change(item.Update as Update) : item));

/** The update without the attributes `drop` names (their names and values removed too). */
const withoutAttributes = (update: Update, drop: (attribute: string) => boolean) => {
  const { sets, add, remove } = partsOf(update.UpdateExpression);
  const names = { ...update.ExpressionAttributeNames };
  const values = { ...update.ExpressionAttributeValues };
  const kept = sets.filter(([name, value]) => {
    if (!drop(names[name]!)) return true;
    delete names[name];
    delete values[value];
    return false;
  });
  return {
    Update: { ...update, UpdateExpression: `SET ${kept.map((pair) => pair.join(' = ')).join(', ')} ADD ${add} REMOVE ${remove}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values },
  };
};

const main = async () => {
  const { dynamo, tableName } = await startBenchTable();
  try {
    const { getStore } = await import('../functions/store/table');
    const { seedPracticeAndPurchases, saleItems } = await import('./webhook-fixtures');
    const store = getStore();

    const VARIANTS = 5;
    const purchases = await seedPracticeAndPurchases(store, VARIANTS * EVENTS * ROUNDS + 20);
    const batch = (round: number, variant: number) => purchases.slice((VARIANTS * round + variant) * EVENTS, (VARIANTS * round + variant + 1) * EVENTS);
    // Warm-up: JIT, connections, DynamoDB Local's first-use costs.
    for (const purchase of purchases.slice(-20)) await store.doc.send(new TransactWriteCommand({ TransactItems: (await saleItems(store, purchase)) as never }));

    const asPut = async (items: Items): Promise<Items> => {
      const update = items.find((item) => item.Update)!.Update as Update;
      const stored = (await store.doc.send(new GetCommand({ TableName: tableName, Key: update.Key }))).Item!;
      const after: Record<string, unknown> = { ...stored, version: Number(stored.version ?? 0) + 1 };
      delete after.ttl;
      for (const [name, value] of partsOf(update.UpdateExpression).sets) after[update.ExpressionAttributeNames[name]!] = update.ExpressionAttributeValues[value];
      return mapUpdate(items, () => ({ Put: { TableName: tableName, Item: after } }));
    };
    const bare = (round: number) => (i: number) =>
      store.doc
        .send(
          new TransactWriteCommand({
            TransactItems: Array.from({ length: 3 }, (_, k) => ({
              Put: { TableName: tableName, Item: { pk: `BENCHTX3#${round}#${i}`, sk: `ITEM#${k}`, at: Date.now() }, ...(k === 0 ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}) },
            })),
          }),
        )
        .then(() => undefined);

    type PathName = 'asSent' | 'purchaseAsPut' | 'noIndexKeys' | 'oneFieldUpdate' | 'noEvents' | 'bare' | 'bareAgain';
    const rounds: Record<PathName, Figures>[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const built = async (variant: number, change: (items: Items) => Items | Promise<Items>) =>
        Promise.all(batch(round, variant).map(async (purchase) => change((await saleItems(store, purchase)) as Items)));
      const items: Record<Exclude<PathName, 'bare' | 'bareAgain'>, Items[]> = {
        asSent: await built(0, (sale) => sale),
        purchaseAsPut: await built(1, asPut),
        noIndexKeys: await built(2, (sale) => mapUpdate(sale, (update) => withoutAttributes(update, (attribute) => attribute.startsWith('gsi')))),
        oneFieldUpdate: await built(3, (sale) =>
          mapUpdate(sale, (update) => ({
            Update: { TableName: tableName, Key: update.Key, UpdateExpression: 'SET #state = :paid', ExpressionAttributeNames: { '#state': 'state' }, ExpressionAttributeValues: { ':paid': 'paid' } },
          })),
        ),
        noEvents: await built(4, (sale) => sale.map((item, index) => (index === 0 ? { Put: { ...item.Put, Item: { ...item.Put.Item, events: [] } } } : item))),
      };
      const send = (path: keyof typeof items) => async (i: number) => {
        await store.doc.send(new TransactWriteCommand({ TransactItems: items[path][i] as never }));
      };
      const tasks: Record<PathName, (i: number) => Promise<void>> = {
        bare: bare(round),
        asSent: send('asSent'),
        purchaseAsPut: send('purchaseAsPut'),
        noIndexKeys: send('noIndexKeys'),
        oneFieldUpdate: send('oneFieldUpdate'),
        noEvents: send('noEvents'),
        bareAgain: bare(ROUNDS + round),
      };
      rounds.push(await runInterleaved(tasks, { events: EVENTS, slices: CHUNKS, concurrency: CONCURRENCY }));
    }

    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const range = (values: number[]) => `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
    const baseline = (r: Record<PathName, Figures>) => (r.bare.perSecond + r.bareAgain.perSecond) / 2;
    const LABELS: Record<PathName, string> = {
      asSent: "kneadpay's sale items as sent",
      purchaseAsPut: 'purchase as a blind put of the same item',
      noIndexKeys: 'update without the index keys',
      oneFieldUpdate: 'one-field update, no condition',
      noEvents: 'marker without its events',
      bare: 'bare 3 puts',
      bareAgain: 'bare 3 puts, again',
    };
    console.log(`bench/webhook-content: ${ROUNDS} rounds × ${EVENTS} sales per path, concurrency ${CONCURRENCY}, ${CHUNKS} slices, DynamoDB Local ${dynamo.endpoint}`);
    console.log('| path | events/s per round | ÷ as sent (median, range) | ÷ bare 3 puts (median, range) |');
    console.log('|---|---|---:|---:|');
    for (const path of Object.keys(LABELS) as PathName[]) {
      const perRound = rounds.map((r) => r[path].perSecond.toFixed(0)).join(' / ');
      console.log(`| ${LABELS[path]} | ${perRound} | ${range(rounds.map((r) => r[path].perSecond / r.asSent.perSecond))} | ${range(rounds.map((r) => r[path].perSecond / baseline(r)))} |`);
    }
    console.log(`noise: bare 3 puts, second ÷ first (A/A): ${range(rounds.map((r) => r.bareAgain.perSecond / r.bare.perSecond))}`);
  } finally {
    await dynamo.stop();
  }
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
