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
import { claimHistoryItems, claimItem, putItems } from '../test/support/paged-store';
import { comparison, countEveryPage, measureReadWays, numberOption, onCountedTable, printReadWays } from './read-ways';

const HISTORY = numberOption('history', 2_000);
const READS = Math.max(1, numberOption('reads', 100));
const WARMUP = 10;
const OPEN = ['draft', 'ready'];

const main = () =>
  onCountedTable(async (store) => {
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

    const ways = {
      query: async (practiceId: string) => (await claimsInStatesByQuery(store, practiceId, OPEN)).length,
      pointers: async (practiceId: string) => (await claimsInStates(store, practiceId, OPEN)).length,
      'list-query': (practiceId: string) =>
        countEveryPage((cursor) =>
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
      'list-index': (practiceId: string) => countEveryPage((cursor) => listClaims(store, practiceId, { state: 'ready', cursor })),
    };
    const expected = (way: string) => (way.startsWith('list') ? 1 : 2);
    const { rows, wrong } = await measureReadWays({ counters: store.reads, practices, sizes: [0, HISTORY], ways, expected, reads: READS, warmup: WARMUP });
    const title = `claimsInStates(draft, ready) for 2 open claims, and every page of GET …/claims?state=ready for 1 ready claim; ${READS} reads each (DynamoDB Local, loopback); time as a ratio to the query with 0 history`;
    printReadWays(title, rows, {
      sizeColumn: 'history',
      size: HISTORY,
      sizeWords: 'adjudicated claims',
      newWay: 'pointers',
    });
    console.log(comparison(rows, 'list-query', 'list-index', HISTORY, 'adjudicated claims (the ready list)'));
    if (wrong > 0) {
      console.error(`${wrong} reads did not answer the 2 open claims (1 ready claim for the lists)`);
      process.exitCode = 1;
    }
  });

await main();
