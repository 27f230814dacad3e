/**
 * Credits used this month, read the Query way and through the time index (bug 160, decisions/019):
 * does the read's cost follow this month's redemptions or the practice's whole redemption history?
 *
 *   npx tsx bench/redemptions-since.ts [--history 2000] [--reads 50]
 *
 * Not in `npm run bench`'s default set. On a fresh in-memory DynamoDB Local on loopback (the jar
 * `npm start` uses), two practices each have 30 standing redemptions this month with their index
 * entries, and are marked (last month); the second also has `--history` redemptions of last year
 * stored as before the index. Everything is written directly (BatchWriteItem: the items only need
 * to be in the partition). Each way reads every page of `since` = the month's start, as the web
 * app's Today does, `--reads` times after a warm-up, on a store that counts what DynamoDB read:
 *   - query: `redemptionsSinceByQuery`, the Query of every `REDEMPTION#` item with a filter
 *     (`listRedemptionsSince` before bug 160, still its read for a `since` before the mark);
 *   - index: `listRedemptionsSince`, the mark and the index from `since` on.
 * Times are ratios to the baseline measured in the same run (the query, 0 history).
 *
 * Exits 1 when a read did not answer the 30 redemptions.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { newId } from '../functions/shared/ids';
import { listRedemptionsSince, redemptionsMarkKey, redemptionsSinceByQuery } from '../functions/store/purchases';
import { putItems, redemptionItem } from '../test/support/paged-store';
import { countEveryPage, measureReadWays, numberOption, onCountedTable, printReadWays } from './read-ways';

const HISTORY = numberOption('history', 2_000);
const READS = Math.max(1, numberOption('reads', 50));
const WARMUP = 5;
const THIS_MONTH = 30;

const main = () =>
  onCountedTable(async (store) => {
    const now = new Date();
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const lastYear = Date.UTC(now.getUTCFullYear() - 1, 0, 1);
    const seed = async (history: number): Promise<string> => {
      const practiceId = newId('prac');
      await putItems(store, [
        { ...redemptionsMarkKey(practiceId), type: 'redemptions-mark', indexedFrom: new Date(monthStart - 86_400_000).toISOString() },
        ...Array.from({ length: THIS_MONTH }, (_, i) => redemptionItem(practiceId, 'cli_bench', `visit-${i}`, new Date(monthStart + i * 1000).toISOString(), { indexed: true })),
        ...Array.from({ length: history }, (_, i) => redemptionItem(practiceId, 'cli_bench', `appt-old-${i}`, new Date(lastYear + i * 3600_000).toISOString())),
      ]);
      return practiceId;
    };
    const practices = { 0: await seed(0), [HISTORY]: await seed(HISTORY) } as Record<number, string>;

    const since = new Date(monthStart).toISOString();
    const ways = {
      query: (practiceId: string) => countEveryPage((cursor) => redemptionsSinceByQuery(store, practiceId, since, cursor)),
      index: (practiceId: string) => countEveryPage((cursor) => listRedemptionsSince(store, practiceId, since, cursor)),
    };
    const { rows, wrong } = await measureReadWays({ counters: store.reads, practices, sizes: [0, HISTORY], ways, expected: THIS_MONTH, reads: READS, warmup: WARMUP });
    printReadWays(`redemptions since the month's start, every page, for ${THIS_MONTH} this month, ${READS} reads each (DynamoDB Local, loopback); time as a ratio to the query with 0 history`, rows, {
      sizeColumn: 'history',
      size: HISTORY,
      sizeWords: 'redemptions of last year',
      newWay: 'index',
    });
    if (wrong > 0) {
      console.error(`${wrong} reads did not answer the ${THIS_MONTH} redemptions`);
      process.exitCode = 1;
    }
  });

await main();
