/**
 * A claim's invoices, read the Query way and the claim's way (bug 157, audit l1): does the read's
 * cost follow the claim's invoices or the practice's whole invoice history?
 *
 *   npx tsx bench/claim-invoices.ts [--others 2000] [--reads 200]
 *   npm run bench -- --only claim-invoices
 *
 * On a fresh in-memory DynamoDB Local on loopback (the jar `npm start` uses), two practices each
 * have claim CLM-1 with 2 invoices, committed the way a balance plan commits them
 * (`invoiceStoreOn(store).commitBalancePlan`: the invoices and the claim's `invoiceIds` in one
 * transaction); the second also has `--others` invoices of other claims, written directly (the
 * invoice item `newInvoiceWrite` writes, BatchWriteItem: they only need to be in the partition).
 * Each read, `--reads` times after a warm-up, on a store that counts what DynamoDB read:
 *   - query: `queryClaimInvoices`, the Query of every invoice of the practice filtered on the claim
 *     (`listClaimInvoices` before bug 157, still the path of a claim without the list);
 *   - claim: `listClaimInvoices`, the claim item and its invoices (GetItem + BatchGetItem).
 * Times are printed as ratios to the baseline measured in the same run (the query, 0 others), as
 * every bench here: the machine's speed cancels out. Read units and items read are DynamoDB's own.
 *
 * Exits 1 when a read did not answer the claim's 2 invoices.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { invoiceStoreOn } from '../functions/core/invoicing/ports';
import { pendingInvoice, type BalanceInvoice } from '../functions/domain/invoice';
import { newId } from '../functions/shared/ids';
import { listClaimInvoices, newInvoiceWrite, queryClaimInvoices } from '../functions/store/invoices';
import { putItems } from '../test/support/paged-store';
import { measureReadWays, numberOption, onCountedTable, printReadWays } from './read-ways';

const OTHERS = numberOption('others', 2_000);
const READS = Math.max(1, numberOption('reads', 200));
const WARMUP = 20;
const NOW = new Date('2026-12-07T12:00:00.000Z');

const invoiceOf = (practiceId: string, claimId: string, seq: number, amountCents: number): BalanceInvoice =>
  pendingInvoice({ invoiceId: newId('inv'), practiceId, claimId, clientId: 'cli_bench', currency: 'usd' }, seq, amountCents, NOW);

const main = () =>
  onCountedTable(async (store) => {
    const seed = async (others: number): Promise<string> => {
      const practiceId = newId('prac');
      const mine = [invoiceOf(practiceId, 'CLM-1', 1, 3400), invoiceOf(practiceId, 'CLM-1', 2, 2400)];
      await invoiceStoreOn(store).commitBalancePlan(
        {
          practiceId,
          claimId: 'CLM-1',
          clientId: 'cli_bench',
          planKey: `CLM-1#v0#bench`,
          actions: mine.map((invoice) => ({ kind: 'invoice', amountCents: invoice.amountDueCents })),
          voidInvoiceIds: [],
          newInvoices: mine,
          readInvoiceIds: [],
          ledger: [],
          seenVersion: 0,
          invoicedCents: 5800,
          settledCents: 0,
          events: [],
        },
        NOW,
      );
      const items = Array.from({ length: others }, (_, i) => newInvoiceWrite(invoiceOf(practiceId, `CLM-OLD-${i}`, 1, 3400)).Put!.Item!);
      await putItems(store, items);
      return practiceId;
    };
    const practices = { 0: await seed(0), [OTHERS]: await seed(OTHERS) } as Record<number, string>;

    const ways = {
      query: async (practiceId: string) => (await queryClaimInvoices(store, practiceId, 'CLM-1')).length,
      claim: async (practiceId: string) => (await listClaimInvoices(store, practiceId, 'CLM-1')).length,
    };
    const { rows, wrong } = await measureReadWays({ counters: store.reads, practices, sizes: [0, OTHERS], ways, expected: 2, reads: READS, warmup: WARMUP });
    printReadWays(`listClaimInvoices for a claim with 2 invoices, ${READS} reads each (DynamoDB Local, loopback); time as a ratio to the query with 0 others`, rows, {
      sizeColumn: 'others',
      size: OTHERS,
      sizeWords: 'other invoices',
      newWay: 'claim',
    });
    if (wrong > 0) {
      console.error(`${wrong} reads did not answer the claim's 2 invoices`);
      process.exitCode = 1;
    }
  });

await main();
