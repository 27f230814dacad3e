/** The practice's list of receipts, each with a fresh signed link and its email status. */
import type { EmailStatus, ReceiptKind } from '../../domain/receipt';
import { receiptLink } from '../receipt-links';
import { isNumbered, requirePracticeFor, type ReceiptDeps } from './deps';

export interface ReceiptListItem {
  receiptId: string;
  number: string;
  kind: ReceiptKind;
  clientId: string;
  totalCents: number;
  currency: string;
  issuedAt: string;
  url: string;
  emailStatus: EmailStatus;
  emailAttempts: number;
  emailLastError?: string;
}

/** GET /practices/{p}/receipts: newest first, each with a fresh signed link and its email status. */
export const listReceiptsView = async (
  deps: ReceiptDeps,
  practiceId: string,
  query: { clientId?: string; cursor?: string; limit?: number },
): Promise<{ items: ReceiptListItem[]; nextCursor: string | null }> => {
  const practice = await requirePracticeFor(deps, practiceId);
  const page = await deps.receipts.listReceipts(practiceId, query);
  const items = await Promise.all(
    page.items.filter(isNumbered).map(async (receipt): Promise<ReceiptListItem> => ({
      receiptId: receipt.receiptId,
      number: receipt.number,
      kind: receipt.kind,
      clientId: receipt.clientId,
      totalCents: receipt.totalCents,
      currency: receipt.currency,
      issuedAt: receipt.issuedAt,
      url: (await receiptLink(deps, practice, receipt.receiptId)).url,
      emailStatus: receipt.emailStatus,
      emailAttempts: receipt.emailAttempts,
      ...(receipt.emailLastError && receipt.emailStatus !== 'sent' ? { emailLastError: receipt.emailLastError } : {}),
    })),
  );
  return { items, nextCursor: page.nextCursor };
};
