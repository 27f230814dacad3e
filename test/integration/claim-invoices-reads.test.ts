/**
 * A claim's invoices are read at the claim's cost, not the practice's (bug 157, audit l1 of
 * 2026-12-07): `listClaimInvoices` reads the claim (its `invoiceIds`, kept by every balance plan
 * under the claim's balance version) and those invoices, strongly consistent; a claim written before
 * the list (invoices, no `invoiceIds`) falls back to the Query of the practice's invoices, and its
 * next plan writes the whole list (the plan read every invoice of the claim under that version).
 *
 * The other claims' invoices are written directly (`newInvoiceWrite`'s item, BatchWriteItem): they
 * only need to be there, in the same partition, to be read or not; the claim measured is invoiced
 * by the real flow (plan, commit, Stripe emulator).
 */
import { BatchGetCommand, BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { applyAdjudication } from '../../functions/core/remittances';
import { getStripe } from '../../functions/stripe/client';
import { claimKey, getClaim } from '../../functions/store/claims';
import { getItem, queryAll } from '../../functions/store/items';
import { listClaimInvoices, newInvoiceWrite } from '../../functions/store/invoices';
import { practicePk } from '../../functions/store/keys';
import { newId } from '../../functions/shared/ids';
import { RetryableError } from '../../functions/shared/errors';
import type { Store } from '../../functions/store/table';
import { api } from '../support/api';
import { readCountedStore } from '../support/paged-store';
import { adjudicated, claimReady, pendingInvoiceRecord, store } from '../support/invoicing';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

/** The run's DynamoDB Local, every read counted (its items and read units). */
const readCounted = () => readCountedStore({ endpoint: inject('dynamoEndpoint'), tableName: inject('tableName') });

/** `count` invoices of the practice on other claims (CLM-OLD-n), written directly. */
const otherInvoices = async (practiceId: string, clientId: string, count: number) => {
  const items = Array.from({ length: count }, (_, i) => newInvoiceWrite(pendingInvoiceRecord(practiceId, clientId, { claimId: `CLM-OLD-${i}`, invoiceId: newId('inv') })).Put!.Item);
  for (let start = 0; start < items.length; start += 25) {
    let requests: unknown = { [store.tableName]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) };
    while (requests && Object.keys(requests).length > 0) {
      const answer = await store.doc.send(new BatchWriteCommand({ RequestItems: requests as never }));
      requests = answer.UnprocessedItems;
    }
  }
};

/** Every invoice of the claim, the Query way (the reference the list must match). */
const queried = async (practiceId: string, claimId: string) =>
  (
    await queryAll<{ invoiceId: string; claimId: string }>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'INVOICE#' },
      ConsistentRead: true,
    })
  )
    .filter((invoice) => invoice.claimId === claimId)
    .map((invoice) => invoice.invoiceId)
    .sort();

const claimIds = async (practiceId: string, claimId: string) => (await getItem<{ invoiceIds?: string[] }>(store, claimKey(practiceId, claimId)))?.invoiceIds;

/** The worked example's $34 invoiced on CLM-1001; with `replaced`, the payer's reversal and correction: $34 voided, $24 invoiced. */
const invoiced = async (opts: { replaced: boolean; beforeCorrection?: (practiceId: string) => Promise<void> }) => {
  const { practiceId, clientId } = await claimReady();
  const details = adjudicated(practiceId);
  await invoiceClaimBalance(deps, details.original);
  await opts.beforeCorrection?.(practiceId);
  if (opts.replaced) {
    await applyAdjudication(store, (await getClaim(store, practiceId, 'CLM-1001'))!, details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, details.correction);
  }
  return { practiceId, clientId };
};

describe("listClaimInvoices: the claim's invoices at the claim's cost", () => {
  it('a claim with 2 invoices in a practice with 400 invoices of other claims: reads the claim and its 2 invoices, not the 402', async () => {
    // Prepare
    const { practiceId, clientId } = await invoiced({ replaced: true });
    await otherInvoices(practiceId, clientId, 400);
    const counted = readCounted();

    // Act
    const invoices = await listClaimInvoices(counted, practiceId, 'CLM-1001');

    // Assess: both invoices, in seq order, the ones the Query finds; the claim keeps their ids.
    expect(invoices.map((invoice) => [invoice.seq, invoice.status, invoice.amountDueCents])).toEqual([
      [1, 'void', 3400],
      [2, 'open', 2400],
    ]);
    expect(invoices.map((invoice) => invoice.invoiceId).sort()).toEqual(await queried(practiceId, 'CLM-1001'));
    // The claim item and 2 invoices, each under 4 KB: 3 strongly consistent read units (the Query read 402 items, ~100 units).
    expect(counted.reads.items).toBe(3);
    expect(counted.reads.units).toBeGreaterThan(0);
    expect(counted.reads.units).toBeLessThanOrEqual(3);
    expect((await claimIds(practiceId, 'CLM-1001'))?.slice().sort()).toEqual(await queried(practiceId, 'CLM-1001'));
    // A storage detail: the claim's API shape (SPEC.md) does not grow by it.
    const claim = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    expect(claim.status).toBe(200);
    expect(claim.body).not.toHaveProperty('invoiceIds');
  });

  it('a claim written before the list (invoices, no invoiceIds): listed by the Query; its next plan writes the whole list, not only the new invoice', async () => {
    // Prepare: the first plan's list removed, as a claim invoiced before it was kept.
    let legacy: Awaited<ReturnType<typeof listClaimInvoices>> = [];
    const { practiceId } = await invoiced({
      replaced: true,
      beforeCorrection: async (id) => {
        await store.doc.send(new UpdateCommand({ TableName: store.tableName, Key: claimKey(id, 'CLM-1001'), UpdateExpression: 'REMOVE invoiceIds' }));
        legacy = await listClaimInvoices(store, id, 'CLM-1001');
      },
    });

    // Assess: before, the Query found the $34; after the correction's plan, the claim lists both.
    expect(legacy.map((invoice) => [invoice.seq, invoice.status, invoice.amountDueCents])).toEqual([[1, 'open', 3400]]);
    expect((await claimIds(practiceId, 'CLM-1001'))?.slice().sort()).toEqual(await queried(practiceId, 'CLM-1001'));
    expect(await claimIds(practiceId, 'CLM-1001')).toHaveLength(2);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001')).map((invoice) => [invoice.seq, invoice.status, invoice.amountDueCents])).toEqual([
      [1, 'void', 3400],
      [2, 'open', 2400],
    ]);
  });

  it('a claim whose list is null (null means absent): the Query, as for a claim without one', async () => {
    // Prepare
    const { practiceId } = await invoiced({ replaced: false });
    await store.doc.send(
      new UpdateCommand({ TableName: store.tableName, Key: claimKey(practiceId, 'CLM-1001'), UpdateExpression: 'SET invoiceIds = :null', ExpressionAttributeValues: { ':null': null } }),
    );

    // Act
    const invoices = await listClaimInvoices(store, practiceId, 'CLM-1001');

    // Assess
    expect(invoices.map((invoice) => [invoice.seq, invoice.amountDueCents])).toEqual([[1, 3400]]);
  });

  it('invoices DynamoDB leaves unread (UnprocessedKeys) are asked again; still unread after 8 attempts, the read fails retryable', async () => {
    // Prepare: two wrappers over the real table (mocks: DynamoDB Local never leaves keys unprocessed).
    const { practiceId } = await invoiced({ replaced: true });
    // The first BatchGetItem answers only its first key and hands the rest back, as DynamoDB may.
    let batchGets = 0;
    const partly: Store = {
      ...store,
      doc: {
        ...store.doc,
        send: (async (command: unknown) => {
          if (!(command instanceof BatchGetCommand) || batchGets++ > 0) return store.doc.send(command as never);
          const { Keys, ...rest } = command.input.RequestItems![store.tableName]!;
          const answer = await store.doc.send(new BatchGetCommand({ RequestItems: { [store.tableName]: { ...rest, Keys: Keys!.slice(0, 1) } } }));
          return { ...answer, UnprocessedKeys: { [store.tableName]: { ...rest, Keys: Keys!.slice(1) } } };
        }) as Store['doc']['send'],
      } as Store['doc'],
    };
    let attempts = 0;
    const never: Store = {
      ...store,
      doc: {
        ...store.doc,
        send: ((command: unknown) =>
          command instanceof BatchGetCommand
            ? ((attempts += 1), Promise.resolve({ Responses: {}, UnprocessedKeys: command.input.RequestItems }))
            : store.doc.send(command as never)) as Store['doc']['send'],
      } as Store['doc'],
    };

    // Act
    const invoices = await listClaimInvoices(partly, practiceId, 'CLM-1001');
    const refused = await listClaimInvoices(never, practiceId, 'CLM-1001').catch((error: unknown) => error);

    // Assess
    expect(batchGets).toBe(2);
    expect(invoices.map((invoice) => [invoice.seq, invoice.amountDueCents])).toEqual([
      [1, 3400],
      [2, 2400],
    ]);
    expect(refused).toBeInstanceOf(RetryableError);
    expect(attempts).toBe(8);
  }, 30_000);
});
