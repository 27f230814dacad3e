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
 * Times are ratios to the baseline measured in the same run (the query, 0 history).
 *
 * Exits 1 when a read did not answer the 2 open claims.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { newId } from '../functions/shared/ids';
import { claimsInStates, claimsInStatesByQuery, openClaimKey, openClaimsMarkKey } from '../functions/store/claims-out';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';
import { adjudicatedClaimItems, claimItem, putItems, readCountedStore, type ReadCounters } from '../test/support/paged-store';

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
    const claim = (practiceId: string, claimId: string, state: string) => claimItem(practiceId, claimId, 'cli_bench', state);
    const seed = async (history: number): Promise<string> => {
      const practiceId = newId('prac');
      await put([
        claim(practiceId, 'CLM-1', 'ready'),
        claim(practiceId, 'CLM-2', 'draft'),
        ...['CLM-1', 'CLM-2'].map((claimId) => ({ ...openClaimKey(practiceId, claimId), type: 'open-claim', claimId })),
        { ...openClaimsMarkKey(practiceId), type: 'open-claims-mark', indexedAt: new Date().toISOString() },
        ...Array.from({ length: history }, (_, i) => adjudicatedClaimItems(practiceId, 'cli_bench', `CLM-OLD-${i}`)).flat(),
      ]);
      return practiceId;
    };
    const practices = { 0: await seed(0), [HISTORY]: await seed(HISTORY) } as Record<number, string>;

    const ways = {
      query: async (practiceId: string) => (await claimsInStatesByQuery(store, practiceId, OPEN)).length,
      pointers: async (practiceId: string) => (await claimsInStates(store, practiceId, OPEN)).length,
    };
    const rows: { way: string; history: number; msPerRead: number; reads: ReadCounters }[] = [];
    let wrong = 0;
    for (const history of [0, HISTORY]) {
      for (const [way, read] of Object.entries(ways)) {
        const practiceId = practices[history]!;
        for (let i = 0; i < WARMUP; i += 1) await read(practiceId);
        Object.assign(store.reads, { requests: 0, items: 0, units: 0 });
        const started = performance.now();
        for (let i = 0; i < READS; i += 1) if ((await read(practiceId)) !== 2) wrong += 1;
        const msPerRead = (performance.now() - started) / READS;
        rows.push({ way, history, msPerRead, reads: { requests: store.reads.requests / READS, items: store.reads.items / READS, units: store.reads.units / READS } });
      }
    }
    const baseline = rows.find((row) => row.way === 'query' && row.history === 0)!.msPerRead;
    console.log(`claimsInStates(draft, ready) for 2 open claims, ${READS} reads each (DynamoDB Local, loopback); time as a ratio to the query with 0 history`);
    console.log(`${'way'.padEnd(9)} ${'history'.padStart(8)} ${'time ×'.padStart(8)} ${'requests'.padStart(9)} ${'items read'.padStart(11)} ${'read units'.padStart(11)}`);
    for (const row of rows) {
      console.log(
        `${row.way.padEnd(9)} ${String(row.history).padStart(8)} ${(row.msPerRead / baseline).toFixed(2).padStart(8)} ${row.reads.requests.toFixed(1).padStart(9)} ${row.reads.items.toFixed(0).padStart(11)} ${row.reads.units.toFixed(1).padStart(11)}`,
      );
    }
    const at = (way: string, history: number) => rows.find((row) => row.way === way && row.history === history)!;
    console.log(
      `with ${HISTORY} adjudicated claims: query ${(at('query', HISTORY).msPerRead / at('query', 0).msPerRead).toFixed(1)}× its time at 0; pointers ${(at('pointers', HISTORY).msPerRead / at('pointers', 0).msPerRead).toFixed(2)}× its own; pointers vs query ${(at('query', HISTORY).msPerRead / at('pointers', HISTORY).msPerRead).toFixed(1)}× faster, ${(at('query', HISTORY).reads.units / at('pointers', HISTORY).reads.units).toFixed(0)}× fewer read units`,
    );
    if (wrong > 0) {
      console.error(`${wrong} reads did not answer the 2 open claims`);
      process.exitCode = 1;
    }
  } finally {
    await dynamo.stop();
  }
};

await main();
