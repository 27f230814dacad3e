/**
 * The practice's open claims, read the Query way and through their pointers (bug 158, audit m1):
 * does the read's cost follow the open claims or the practice's whole claim history?
 *
 *   npx tsx bench/open-claims.ts [--history 2000] [--reads 100]
 *
 * On a fresh in-memory DynamoDB Local on loopback (the jar `npm start` uses), two practices each
 * have 2 open claims (ready, draft) with their pointers, and are marked; the second also has
 * `--history` adjudicated claims, each with one adjudication of about 1 KB (6 lines with their
 * adjustments). Everything is written directly (BatchWriteItem: the items only need to be in the
 * partition). Each way reads the open claims `--reads` times after a warm-up, on a store that
 * counts what DynamoDB read:
 *   - query: `claimsInStatesByQuery`, the Query of every `CLAIM#` item filtered on type and state
 *     (`claimsInStates` before bug 158, still its read of a practice not yet marked);
 *   - pointers: `claimsInStates`, the mark, the `OPENCLAIM#` pointers and those claims.
 * And `GET …/claims?state=ready` (bug 159) read to its last page, as the web app's Today page does:
 *   - list-query: the pages of the Query of every `CLAIM#` item filtered on type and state, 200
 *     items a page (`listClaims` before bug 159, still its read of adjudicated and closed claims);
 *   - list-index: `listClaims`, the mark and the claim-state index (`gsi2`) entries of ready claims.
 * Times are ratios to the baseline measured in the same run (the query, 0 history).
 *
 * Exits 1 when a read did not answer the 2 open claims (1 ready claim for the lists).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { newId } from '../functions/shared/ids';
import { claimStatesMarkKey, claimsInStates, claimsInStatesByQuery, listClaims, openClaimKey, openClaimsMarkKey } from '../functions/store/claims-out';
import { claimStateIndex } from '../functions/store/claims';
import { queryPage } from '../functions/store/items';
import { practicePk } from '../functions/store/keys';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';
import { claimHistoryItems, claimItem, putItems, readCountedStore, type ReadCounters } from '../test/support/paged-store';

const option = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number.parseInt(process.argv[index + 1] ?? '', 10) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : fallback;
};
const HISTORY = option('history', 2_000);
const READS = Math.max(1, option('reads', 100));
const WARMUP = 10;
const OPEN = ['draft', 'ready'];

const main = async () => {
  const dynamo = await startDynamoDbLocal();
  try {
    const tableName = 'kneadpay-bench';
    await ensureTable(dynamo.endpoint, tableName);
    const store = readCountedStore({ endpoint: dynamo.endpoint, tableName });
    const put = (items: Record<string, unknown>[]) => putItems(store, items);
    const claim = (practiceId: string, claimId: string, state: string) => ({ ...claimItem(practiceId, claimId, 'cli_bench', state), ...claimStateIndex(practiceId, claimId, state) });
    const seed = async (history: number): Promise<string> => {
      const practiceId = newId('prac');
      await put([
        claim(practiceId, 'CLM-1', 'ready'),
        claim(practiceId, 'CLM-2', 'draft'),
        ...['CLM-1', 'CLM-2'].map((claimId) => ({ ...openClaimKey(practiceId, claimId), type: 'open-claim', claimId })),
        { ...openClaimsMarkKey(practiceId), type: 'open-claims-mark', indexedAt: new Date().toISOString() },
        { ...claimStatesMarkKey(practiceId), type: 'claim-states-mark', indexedAt: new Date().toISOString() },
        ...claimHistoryItems(practiceId, 'cli_bench', history),
      ]);
      return practiceId;
    };
    const practices = { 0: await seed(0), [HISTORY]: await seed(HISTORY) } as Record<number, string>;

    /** Every page of a list, as the web app's Today page reads it: the number of claims. */
    const allPages = async (page: (cursor?: string) => Promise<{ items: unknown[]; nextCursor: string | null }>) => {
      let count = 0;
      let cursor: string | undefined;
      do {
        const answer = await page(cursor);
        count += answer.items.length;
        cursor = answer.nextCursor ?? undefined;
      } while (cursor);
      return count;
    };
    const ways = {
      query: async (practiceId: string) => (await claimsInStatesByQuery(store, practiceId, OPEN)).length,
      pointers: async (practiceId: string) => (await claimsInStates(store, practiceId, OPEN)).length,
      'list-query': (practiceId: string) =>
        allPages((cursor) =>
          queryPage(
            store,
            {
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
              FilterExpression: '#type = :claim AND #state = :state',
              ExpressionAttributeNames: { '#type': 'type', '#state': 'state' },
              ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'CLAIM#', ':claim': 'claim', ':state': 'ready' },
              Limit: 200,
            },
            cursor,
          ),
        ),
      'list-index': (practiceId: string) => allPages((cursor) => listClaims(store, practiceId, { state: 'ready', cursor })),
    };
    const expected = (way: string) => (way.startsWith('list') ? 1 : 2);
    const rows: { way: string; history: number; msPerRead: number; reads: ReadCounters }[] = [];
    let wrong = 0;
    for (const history of [0, HISTORY]) {
      for (const [way, read] of Object.entries(ways)) {
        const practiceId = practices[history]!;
        for (let i = 0; i < WARMUP; i += 1) await read(practiceId);
        Object.assign(store.reads, { requests: 0, items: 0, units: 0 });
        const started = performance.now();
        for (let i = 0; i < READS; i += 1) if ((await read(practiceId)) !== expected(way)) wrong += 1;
        const msPerRead = (performance.now() - started) / READS;
        rows.push({ way, history, msPerRead, reads: { requests: store.reads.requests / READS, items: store.reads.items / READS, units: store.reads.units / READS } });
      }
    }
    const baseline = rows.find((row) => row.way === 'query' && row.history === 0)!.msPerRead;
    console.log(
      `claimsInStates(draft, ready) for 2 open claims, and every page of GET …/claims?state=ready for 1 ready claim; ${READS} reads each (DynamoDB Local, loopback); time as a ratio to the query with 0 history`,
    );
    console.log(`${'way'.padEnd(10)} ${'history'.padStart(8)} ${'time ×'.padStart(8)} ${'requests'.padStart(9)} ${'items read'.padStart(11)} ${'read units'.padStart(11)}`);
    for (const row of rows) {
      console.log(
        `${row.way.padEnd(10)} ${String(row.history).padStart(8)} ${(row.msPerRead / baseline).toFixed(2).padStart(8)} ${row.reads.requests.toFixed(1).padStart(9)} ${row.reads.items.toFixed(0).padStart(11)} ${row.reads.units.toFixed(1).padStart(11)}`,
      );
    }
    const at = (way: string, history: number) => rows.find((row) => row.way === way && row.history === history)!;
    console.log(
      `with ${HISTORY} adjudicated claims: query ${(at('query', HISTORY).msPerRead / at('query', 0).msPerRead).toFixed(1)}× its time at 0; pointers ${(at('pointers', HISTORY).msPerRead / at('pointers', 0).msPerRead).toFixed(2)}× its own; pointers vs query ${(at('query', HISTORY).msPerRead / at('pointers', HISTORY).msPerRead).toFixed(1)}× faster, ${(at('query', HISTORY).reads.units / at('pointers', HISTORY).reads.units).toFixed(0)}× fewer read units`,
    );
    console.log(
      `the ready list with ${HISTORY} adjudicated claims: list-query ${(at('list-query', HISTORY).msPerRead / at('list-query', 0).msPerRead).toFixed(1)}× its time at 0, ${at('list-query', HISTORY).reads.requests.toFixed(0)} pages; list-index ${(at('list-index', HISTORY).msPerRead / at('list-index', 0).msPerRead).toFixed(2)}× its own, ${at('list-index', HISTORY).reads.requests.toFixed(0)} reads; index vs query ${(at('list-query', HISTORY).msPerRead / at('list-index', HISTORY).msPerRead).toFixed(1)}× faster, ${(at('list-query', HISTORY).reads.units / at('list-index', HISTORY).reads.units).toFixed(0)}× fewer read units`,
    );
    if (wrong > 0) {
      console.error(`${wrong} reads did not answer the 2 open claims (1 ready claim for the lists)`);
      process.exitCode = 1;
    }
  } finally {
    await dynamo.stop();
  }
};

await main();
