/**
 * A list's `nextCursor` is taken back by the same list (bug 161). Every query parameter was bounded
 * at 256 bytes (`queryParam`, against oversized input), the cursor too; a cursor is the page's last
 * key as base64url JSON, and an index read's key holds the table's key and the index's: the invoice
 * list by status (`gsi1`) handed out cursors of about 300 bytes with kneadpay's own ids, so its second
 * page answered 400 "cursor is longer than 256 bytes" — and the web app's Today page reads every page
 * of the open invoices. A cursor now has a bound of its own (1,024 bytes), still checked for being a
 * key the API handed out.
 *
 * The items are written directly (BatchWriteItem) as the code writes them: 101 of them only need to
 * be there to make a second page.
 */
import { describe, expect, it } from 'vitest';
import { claimStateIndex } from '../../functions/store/claims';
import { claimStatesMarkKey } from '../../functions/store/claims-out';
import { invoiceKey, invoiceStatusIndex } from '../../functions/store/invoices';
import { payerKey } from '../../functions/store/claims-out';
import { remittanceKey } from '../../functions/store/claims';
import { newId } from '../../functions/shared/ids';
import { api } from '../support/api';
import { claimItem, putItems } from '../support/paged-store';
import { store } from '../support/invoicing';
import { newPracticeId } from '../support/store';

/** The longest practice id a practice may have (letters, digits, `_`, `-`; 64 of them). */
const longestPracticeId = () => `p-${newId('x')}`.padEnd(64, 'q');

/** Every page of a list: the count of items on each page, and the status of each answer. */
const pages = async (practiceId: string, path: string) => {
  const seen: { status: number; items: number; cursorBytes: number }[] = [];
  let cursor: string | null = null;
  do {
    const joiner = path.includes('?') ? '&' : '?';
    const answer: { status: number; body: { items?: unknown[]; nextCursor?: string | null; error?: { message: string } } } = await api(
      'GET',
      `/practices/${practiceId}${path}${cursor ? `${joiner}cursor=${encodeURIComponent(cursor)}` : ''}`,
      { practiceId },
    );
    seen.push({ status: answer.status, items: answer.body.items?.length ?? -1, cursorBytes: cursor ? Buffer.byteLength(cursor) : 0 });
    cursor = answer.status === 200 ? (answer.body.nextCursor ?? null) : null;
  } while (cursor);
  return seen;
};

/** `count` open balance invoices of the practice, as the saga stores them. */
const openInvoices = (practiceId: string, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const invoiceId = newId('inv');
    const createdAt = new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString();
    return {
      ...invoiceKey(practiceId, invoiceId),
      type: 'invoice',
      practiceId,
      invoiceId,
      claimId: `CLM-${i}`,
      clientId: 'cli_1',
      seq: 1,
      amountCents: 3400,
      currency: 'usd',
      status: 'open',
      createdAt,
      updatedAt: createdAt,
      ...invoiceStatusIndex(practiceId, 'open', createdAt, invoiceId),
    };
  });

describe("a list's nextCursor opens its next page", () => {
  it('GET …/invoices?status=open with 101 open invoices: two pages (100 and 1), for a practice id kneadpay makes and for the longest one a practice may choose', async () => {
    for (const practiceId of [newPracticeId(), longestPracticeId()]) {
      await putItems(store, openInvoices(practiceId, 101));

      const seen = await pages(practiceId, '/invoices?status=open');

      expect(seen.map(({ status, items }) => [status, items])).toEqual([
        [200, 100],
        [200, 1],
      ]);
      expect(seen[1]!.cursorBytes).toBeGreaterThan(256);
    }
  });

  it('GET …/claims?state=ready with 201 ready claims of 38-character ids (the longest CLM01): two pages (200 and 1)', async () => {
    const practiceId = longestPracticeId();
    const claimIds = Array.from({ length: 201 }, (_, i) => `CLM-${String(i).padStart(4, '0')}`.padEnd(38, 'X'));
    await putItems(store, [
      ...claimIds.map((claimId) => ({ ...claimItem(practiceId, claimId, 'cli_1', 'ready'), ...claimStateIndex(practiceId, claimId, 'ready') })),
      { ...claimStatesMarkKey(practiceId), type: 'claim-states-mark', indexedAt: new Date().toISOString() },
    ]);

    const seen = await pages(practiceId, '/claims?state=ready');

    expect(seen.map(({ status, items }) => [status, items])).toEqual([
      [200, 200],
      [200, 1],
    ]);
  });

  it('every other list, past its page size, for the longest practice id: claims without a state (200), invoices without a status (100), remittances (50), payers (100)', async () => {
    const practiceId = longestPracticeId();
    const hex = (i: number) => `${newId('r')}${i}`.padEnd(64, '0');
    await putItems(store, [
      ...Array.from({ length: 201 }, (_, i) => claimItem(practiceId, `CLM-${String(i).padStart(4, '0')}`.padEnd(38, 'X'), 'cli_1', 'adjudicated')),
      ...openInvoices(practiceId, 101),
      ...Array.from({ length: 51 }, (_, i) => ({
        ...remittanceKey(practiceId, hex(i)),
        type: 'remittance',
        remittanceId: hex(i),
        traceNumber: `EFT-${i}`,
        claims: 1,
        matched: 1,
        quarantinedCount: 0,
        paymentCents: 5600,
        providerAdjustmentCents: 0,
        paidAt: '2026-11-02',
        receivedAt: new Date(Date.UTC(2026, 10, 2, 0, 0, i)).toISOString(),
      })),
      ...Array.from({ length: 101 }, (_, i) => {
        const payerId = `PAYER${String(i).padStart(3, '0')}`;
        return { ...payerKey(practiceId, payerId), type: 'payer', practiceId, payerId, name: `Payer ${i}`, address: null, claimFilingIndicator: 'CI', updatedAt: '2026-11-01T00:00:00.000Z' };
      }),
    ]);

    // Each list: its page size, then the one item past it.
    for (const [path, pageSize] of [
      ['/claims', 200],
      ['/invoices', 100],
      ['/remittances', 50],
      ['/payers', 100],
    ] as const) {
      const seen = (await pages(practiceId, path)).map(({ status, items }) => [status, items]);
      expect([path, seen]).toEqual([
        path,
        [
          [200, pageSize],
          [200, 1],
        ],
      ]);
    }
  });

  it('a cursor past the bound, or one the API did not hand out, is refused with 400 naming cursor', async () => {
    const practiceId = newPracticeId();
    for (const cursor of ['x'.repeat(1_025), Buffer.from(JSON.stringify({ pk: 'PRACTICE#other', evil: 'yes' })).toString('base64url')]) {
      const answer = await api('GET', `/practices/${practiceId}/invoices?status=open&cursor=${cursor}`, { practiceId });
      expect([answer.status, answer.body.error.details.field]).toEqual([400, 'cursor']);
    }
  });
});
