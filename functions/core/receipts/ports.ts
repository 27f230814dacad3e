/**
 * What the receipt code needs from storage, in its own words: the port. `receiptStoreOn` is the
 * DynamoDB implementation (store/*); tests can pass another through `ReceiptDeps.receipts`. This is
 * the one file of core/receipts that imports the store.
 */
import { getPackage } from '../../store/catalog';
import { getClaim, listAdjudications } from '../../store/claims';
import type { Adjudication, Claim } from '../../domain/claim';
import type { Store } from '../../store/table';
import { getClient } from '../../store/clients';
import type { Client } from '../../domain/client';
import { commitOnce, type CommitOutcome } from '../../store/commit';
import type { Page } from '../../store/items';
import type { OutboxEvent } from '../../store/outbox';
import { getPractice } from '../../store/practices';
import type { Practice } from '../../domain/practice';
import { getPurchase } from '../../store/purchases';
import type { Purchase } from '../../domain/purchase';
import {
  deleteQueueEntry,
  findIssuedReceipt,
  getInvoiceRef,
  getReceipt,
  listClientReceipts,
  listQueuedReceipts,
  listReceipts,
  numberingMarkerKey,
  numberingRefusals,
  receiptIssueWrites,
  receiptMarkerKey,
  receiptNumberingWrites,
  receiptSourceKey,
  releaseNumberingLease,
  settleEmail,
  takeEmailLease,
  takeNumberingLease,
  type InvoiceRef,
  type IssuedReceiptRef,
  type NumberFormat,
  type QueuedReceipt,
} from '../../store/receipts';
import type { Receipt, ReceiptSource } from '../../domain/receipt';

/** The package as the catalog has it now (a receipt names it; gone → a generic name). */
type CatalogPackage = Awaited<ReturnType<typeof getPackage>>;

export interface ReceiptStore {
  // What a receipt states
  getPractice(practiceId: string): Promise<Practice | undefined>;
  getClient(practiceId: string, clientId: string): Promise<Client>;
  getPackage(practiceId: string, packageId: string): Promise<CatalogPackage>;
  getPurchase(practiceId: string, clientId: string, purchaseId: string): Promise<Purchase | undefined>;
  getClaim(practiceId: string, claimId: string): Promise<Claim | undefined>;
  listAdjudications(practiceId: string, claimId: string): Promise<Adjudication[]>;
  getInvoiceRef(practiceId: string, invoiceId: string): Promise<InvoiceRef | undefined>;
  // Receipts
  /** The key a receipt is issued once under: one per payment, one per refund (its marker's id). */
  receiptSourceKey(source: Pick<ReceiptSource, 'type' | 'paymentId' | 'refundId'>): string;
  getReceipt(practiceId: string, receiptId: string): Promise<Receipt | undefined>;
  findIssuedReceipt(practiceId: string, sourceKey: string): Promise<IssuedReceiptRef | undefined>;
  listClientReceipts(practiceId: string, clientId: string): Promise<Receipt[]>;
  listReceipts(practiceId: string, query: { clientId?: string; cursor?: string; limit?: number }): Promise<Page<Receipt>>;
  /** Writes the receipt (not numbered yet) and its place in the numbering queue, once per source. */
  issueReceipt(receipt: Receipt, sourceKey: string, now: Date): Promise<CommitOutcome<IssuedReceiptRef>>;
  // Numbering
  takeNumberingLease(practiceId: string, lease: { leaseId: string; now: Date }): Promise<{ lastSequence: number } | undefined>;
  releaseNumberingLease(practiceId: string, leaseId: string): Promise<void>;
  listQueuedReceipts(practiceId: string, limit: number): Promise<QueuedReceipt[]>;
  /** Numbers `batch` as `seen + 1 …` and gives the lease back, with its events; once per batch start. */
  commitNumbering(practiceId: string, numbering: { seen: number; leaseId: string; batch: QueuedReceipt[]; format: NumberFormat; events: OutboxEvent[] }, now: Date): Promise<CommitOutcome<unknown>>;
  /** The queued receipts a failed numbering commit refused (from its cancellation reasons). */
  numberingRefusals(batch: QueuedReceipt[], reasons: string[]): QueuedReceipt[];
  deleteQueueEntry(practiceId: string, receiptId: string): Promise<void>;
  // Email
  takeEmailLease(practiceId: string, receiptId: string, lease: { leaseId: string; now: Date; force: boolean }): Promise<Receipt | undefined>;
  settleEmail(
    practiceId: string,
    receiptId: string,
    leaseId: string,
    outcome: { status: 'sent'; messageId: string; at: Date } | { status: 'retrying' | 'failed'; error: string; at: Date },
  ): Promise<boolean>;
}

/** The receipt store on DynamoDB. */
export const receiptStoreOn = (store: Store): ReceiptStore => ({
  getPractice: (practiceId) => getPractice(store, practiceId),
  getClient: (practiceId, clientId) => getClient(store, practiceId, clientId),
  getPackage: (practiceId, packageId) => getPackage(store, practiceId, packageId),
  getPurchase: (practiceId, clientId, purchaseId) => getPurchase(store, practiceId, clientId, purchaseId),
  getClaim: (practiceId, claimId) => getClaim(store, practiceId, claimId),
  listAdjudications: (practiceId, claimId) => listAdjudications(store, practiceId, claimId),
  getInvoiceRef: (practiceId, invoiceId) => getInvoiceRef(store, practiceId, invoiceId),
  receiptSourceKey,
  getReceipt: (practiceId, receiptId) => getReceipt(store, practiceId, receiptId),
  findIssuedReceipt: (practiceId, sourceKey) => findIssuedReceipt(store, practiceId, sourceKey),
  listClientReceipts: (practiceId, clientId) => listClientReceipts(store, practiceId, clientId),
  listReceipts: (practiceId, query) => listReceipts(store, practiceId, query),
  issueReceipt: (receipt, sourceKey, now) =>
    commitOnce<IssuedReceiptRef>(store, { marker: { ...receiptMarkerKey(receipt.practiceId, sourceKey), result: { receiptId: receipt.receiptId } }, writes: receiptIssueWrites(receipt) }, now),
  takeNumberingLease: (practiceId, lease) => takeNumberingLease(store, practiceId, lease),
  releaseNumberingLease: (practiceId, leaseId) => releaseNumberingLease(store, practiceId, leaseId),
  listQueuedReceipts: (practiceId, limit) => listQueuedReceipts(store, practiceId, limit),
  commitNumbering: (practiceId, numbering, now) =>
    commitOnce(
      store,
      {
        // The batch starting at seen + 1 commits once; its marker also keys its events' ids.
        marker: { ...numberingMarkerKey(practiceId, numbering.seen + 1), ttlSeconds: 7 * 86_400 },
        writes: receiptNumberingWrites(practiceId, numbering.seen, numbering.leaseId, numbering.batch, numbering.format, now),
        events: numbering.events,
      },
      now,
    ),
  numberingRefusals,
  deleteQueueEntry: (practiceId, receiptId) => deleteQueueEntry(store, practiceId, receiptId),
  takeEmailLease: (practiceId, receiptId, lease) => takeEmailLease(store, practiceId, receiptId, lease),
  settleEmail: (practiceId, receiptId, leaseId, outcome) => settleEmail(store, practiceId, receiptId, leaseId, outcome),
});
