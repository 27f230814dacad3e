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
import { adjudicatedClaimItems, claimItem, putItems } from '../test/support/paged-store';
import { measureReadWays, numberOption, onCountedTable, printReadWays } from './read-ways';

const HISTORY = numberOption('history', 2_000);
const READS = Math.max(1, numberOption('reads', 100));
const WARMUP = 10;
const OPEN = ['draft', 'ready'];

const main = () =>
  onCountedTable(async (store) => {
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
    const { rows, wrong } = await measureReadWays({ counters: store.reads, practices, sizes: [0, HISTORY], ways, expected: 2, reads: READS, warmup: WARMUP });
    printReadWays(`claimsInStates(draft, ready) for 2 open claims, ${READS} reads each (DynamoDB Local, loopback); time as a ratio to the query with 0 history`, rows, {
      sizeColumn: 'history',
      size: HISTORY,
      sizeWords: 'adjudicated claims',
      newWay: 'pointers',
    });
    if (wrong > 0) {
      console.error(`${wrong} reads did not answer the 2 open claims`);
      process.exitCode = 1;
    }
  });

await main();
