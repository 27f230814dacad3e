/**
 * Many practices, one large practice (issue 17, finding 3): do the scheduled jobs visit every
 * practice exactly once, and what does a run cost as the table grows?
 *
 *   npx tsx bench/scale.ts [--practices 10000] [--clients 10000] [--expiring 1000] [--page-limit 0]
 *
 * On a fresh in-memory DynamoDB Local (the jar `npm start` uses) it seeds `--practices` practice
 * profiles (the profile item as `PUT /practices/{p}` writes it, indexed for the jobs) and, in the
 * first of them, `--clients` clients (client + email pointer), `--expiring` of them with a paid
 * package whose expiry has passed. Then it runs, timed, on a store that counts every request:
 *   1. listPracticeIds — every page of the practices index;
 *   2. the credit expirer (expireAllPractices) — every practice, every expiring purchase;
 *   3. the invoice reminder (sendReminders) — every practice;
 *   4. the expirer again — nothing left to expire, the cost of a quiet hourly run.
 * and checks that each job started its walk on every practice exactly once (the first page of
 * each practice's query) and that every seeded purchase expired once. `--page-limit N` caps every
 * Query at N items a page (as the test suite does) to show the walks cross many pages.
 *
 * Exits 1 when a practice was missed or visited twice, or a purchase did not expire.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { expireAllPractices } from '../functions/credit-expirer';
import { sendReminders } from '../functions/invoice-reminder';
import { newId } from '../functions/shared/ids';
import type { Store } from '../functions/store/table';
import { clientKey, emailKey } from '../functions/store/clients';
import { keys, practicePk } from '../functions/store/keys';
import { listPracticeIds } from '../functions/store/practices';
import { paidExpiringPurchaseItem } from '../test/support/fixtures';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';
import { countedStore, type StoreCounters } from '../test/support/paged-store';

const option = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number.parseInt(process.argv[index + 1] ?? '', 10) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : fallback;
};
const PRACTICES = Math.max(1, option('practices', 10_000));
const CLIENTS = option('clients', 10_000);
/** How many of the large practice's clients hold a package past its expiry (each costs one transaction). */
const EXPIRING = Math.min(CLIENTS, option('expiring', 1_000));
const PAGE_LIMIT = option('page-limit', 0);
const NOW = new Date('2026-06-01T00:00:00.000Z');

const practiceItem = (practiceId: string) => ({
  ...keys.practice(practiceId),
  type: 'practice',
  practiceId,
  name: `Practice ${practiceId.slice(-6)}`,
  email: 'front@practice.example',
  timezone: 'America/Los_Angeles',
  currency: 'usd',
  billing: { unitMethod: 'cms', invoiceDueDays: 30, overpayment: 'refund', forwardedClaims: 'hold', reminderDays: [7, 14] },
  receipts: { mode: 'link', linkLifetimeDays: 365 },
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  gsi1pk: 'PRACTICES',
  gsi1sk: practiceId,
});

const clientItems = (practiceId: string, n: number, expiring: boolean) => {
  const clientId = newId('cli');
  const purchaseId = newId('pur');
  const email = `client${n}@client.example`;
  const expiresAt = '2026-01-01T00:00:00.000Z';
  return [
    {
      ...clientKey(practiceId, clientId),
      type: 'client',
      clientId,
      practiceId,
      email,
      name: `Client ${n}`,
      stripeCustomerId: null,
      balanceCents: 0,
      currency: 'usd',
      createdAt: NOW.toISOString(),
      nameSource: 'staff',
    },
    { ...emailKey(practiceId, email), type: 'client-email', clientId },
    ...(expiring ? [paidExpiringPurchaseItem({ practiceId, clientId, purchaseId, packageId: 'pkg_scale', expiresAt })] : []),
  ];
};

/** Batch writes of 25, 8 at a time, retrying what DynamoDB hands back unprocessed. */
const writeAll = async (store: Store, items: Record<string, unknown>[]) => {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < batches.length; i = next++) {
      let requests = batches[i]!.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length) {
        const answer = await store.doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: requests } }));
        requests = (answer.UnprocessedItems?.[store.tableName] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
};

const snapshot = (counters: StoreCounters) => ({ requests: { ...counters.requests }, itemsRead: counters.itemsRead, readUnits: counters.readUnits });
const reset = (counters: StoreCounters) => {
  counters.requests = {};
  counters.itemsRead = 0;
  counters.readUnits = 0;
  counters.queriedKeys.clear();
  counters.visits.clear();
};

const main = async () => {
  const dynamo = await startDynamoDbLocal({});
  const problems: string[] = [];
  try {
    const tableName = 'kneadpay-scale';
    await ensureTable(dynamo.endpoint, tableName);
    const store = countedStore({ endpoint: dynamo.endpoint, tableName, ...(PAGE_LIMIT ? { pageLimit: PAGE_LIMIT } : {}) });
    const practiceIds = Array.from({ length: PRACTICES }, () => newPracticeIdFor());
    const big = practiceIds[0]!;

    let started = performance.now();
    await writeAll(store, practiceIds.map(practiceItem));
    const clientRows: Record<string, unknown>[] = [];
    for (let n = 0; n < CLIENTS; n += 1) clientRows.push(...clientItems(big, n, n < EXPIRING));
    await writeAll(store, clientRows);
    console.log(
      `seeded ${PRACTICES.toLocaleString('en-US')} practices and ${CLIENTS.toLocaleString('en-US')} clients (${EXPIRING.toLocaleString('en-US')} with an expired package) in practice ${big}: ${((performance.now() - started) / 1000).toFixed(1)} s, ${(PRACTICES + clientRows.length).toLocaleString('en-US')} items`,
    );
    console.log(`page limit: ${PAGE_LIMIT ? `${PAGE_LIMIT} items (forced)` : "DynamoDB's own (1 MB)"}`);

    const rows: { job: string; seconds: number; practices: number; result: string; requests: Record<string, number>; itemsRead: number; readUnits: number }[] = [];
    const run = async (job: string, body: () => Promise<{ practices: number; result: string }>, visitKey?: (practiceId: string) => string) => {
      reset(store.counters);
      started = performance.now();
      const out = await body();
      const seconds = (performance.now() - started) / 1000;
      rows.push({ job, seconds, practices: out.practices, result: out.result, ...snapshot(store.counters) });
      if (out.practices !== PRACTICES) problems.push(`${job}: walked ${out.practices} practices of ${PRACTICES}`);
      if (visitKey) {
        const missed = practiceIds.filter((id) => (store.counters.visits.get(visitKey(id)) ?? 0) === 0).length;
        const twice = practiceIds.filter((id) => (store.counters.visits.get(visitKey(id)) ?? 0) > 1).length;
        if (missed || twice) problems.push(`${job}: ${missed} practices never visited, ${twice} visited more than once`);
      }
    };

    await run('listPracticeIds', async () => {
      const ids = await listPracticeIds(store);
      const unique = new Set(ids);
      if (unique.size !== ids.length) problems.push(`listPracticeIds: ${ids.length - unique.size} duplicates`);
      return { practices: ids.length, result: `${unique.size} distinct` };
    });
    await run(
      'credit expirer',
      async () => {
        const out = await expireAllPractices(NOW, store);
        if (out.expired !== EXPIRING) problems.push(`credit expirer: expired ${out.expired} of ${EXPIRING}`);
        return { practices: out.practices, result: `${out.expired} expired` };
      },
      (id) => `${practicePk(id)}#EXPIRING`,
    );
    await run(
      'invoice reminder',
      async () => {
        const out = await sendReminders(store, NOW);
        return { practices: out.practices, result: `${out.sent} sent` };
      },
      (id) => `${practicePk(id)}#INVOICES`,
    );
    await run(
      'credit expirer (quiet run)',
      async () => {
        const out = await expireAllPractices(NOW, store);
        if (out.expired !== 0) problems.push(`quiet expirer run expired ${out.expired} again`);
        return { practices: out.practices, result: `${out.expired} expired` };
      },
      (id) => `${practicePk(id)}#EXPIRING`,
    );

    console.log('\njob                          seconds  practices  result            Query  GetItem  Transact  items read  read units');
    for (const row of rows) {
      console.log(
        `${row.job.padEnd(28)} ${row.seconds.toFixed(1).padStart(7)}  ${String(row.practices).padStart(9)}  ${row.result.padEnd(16)} ${String(row.requests.QueryCommand ?? 0).padStart(6)}  ${String(row.requests.GetItemCommand ?? 0).padStart(7)}  ${String(row.requests.TransactWriteItemsCommand ?? 0).padStart(8)}  ${String(row.itemsRead).padStart(10)}  ${row.readUnits.toFixed(1).padStart(10)}`,
      );
    }
    console.log(
      problems.length ? `\nPROBLEMS:\n${problems.join('\n')}` : `\nevery job visited each of the ${PRACTICES.toLocaleString('en-US')} practices exactly once; every expired package expired once`,
    );
    store.doc.destroy();
  } finally {
    await dynamo.stop();
  }
  if (problems.length) process.exitCode = 1;
};

/** Practice ids as the API accepts them (letters, digits, `_`). */
const newPracticeIdFor = () => newId('prac');

await main();
