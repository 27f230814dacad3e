/**
 * A refund receipt of a balance payment, item by item against DOMAIN.md §5: an HSA/FSA administrator
 * that reimbursed the client from the balance receipt must be able to tie the refund to the service
 * it paid for. Found by the money follow-ups of 2026-12-07: the refund receipt named the original
 * receipt's number but not the date of service nor the claim, on the page and in the PDF.
 */
import { describe, expect, it } from 'vitest';
import type { ReceiptDocument } from '../../functions/domain/receipt';
import { renderReceiptPdf } from '../../functions/shared/receipt-pdf';
import { renderReceiptPage } from '../../functions/shared/receipt-render';
import { receiptDocumentFixture } from '../support/receipt-document';
import { pdfText } from '../support/receipts';

const balanceRefund = receiptDocumentFixture;

describe('a refund receipt of a balance payment (DOMAIN.md §5, item by item)', () => {
  it.each([
    ['page', async (document: ReceiptDocument) => renderReceiptPage(document)],
    ['PDF', async (document: ReceiptDocument) => pdfText(await renderReceiptPdf(document))],
  ])('the %s names the patient, the practice with its address, phone, EIN, NPI and license, the service refunded (date, claim), the amounts and the status', async (_, render) => {
    const text = (await render(balanceRefund())).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    for (const item of [
      'Jane Doe',
      'Harbor Bodywork',
      '1 Main St',
      '+1 503 555 0100',
      '12-3456789',
      '1234567893',
      'LMT 12345',
      'Refund receipt',
      'a balance payment',
      'R-000001',
      'Visa ending in 4242',
      '$10.00',
      'Partially refunded',
      // The service the refunded payment paid for, so the refund can be matched to what was reimbursed.
      'Date of service',
      'October 2, 2026',
      'Claim reference',
      'CLM-1001',
    ])
      expect(text, item).toContain(item);
  });

  it('a refund receipt without a service (a package refund, or one stored before) renders as before', () => {
    const document = balanceRefund();
    const page = renderReceiptPage({ ...document, refund: { ...document.refund!, service: undefined } });
    expect(page).not.toContain('Date of service');
  });
});
