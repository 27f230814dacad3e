import { describe, expect, it } from 'vitest';
import { defaultReceiptDeps, receiptLink } from '../../functions/core/receipts';
import { serveReceiptPage } from '../../functions/receipt-page';
import { createStore } from '../../functions/store/table';
import { getPractice } from '../../functions/store/practices';
import {
  apiEvent,
  BALANCE_RECEIPT_FIELDS,
  balancePaid,
  deliverToReceiptIssuer,
  openReceipt,
  paidIntent,
  pdfText,
  practiceWithAdjudicatedClaim,
  receiptEmailsTo,
  receiptLinkIn,
  tokenOf,
} from '../support/receipts';

const store = createStore();

/** A balance payment of the worked example, its receipt issued and emailed; the token from the email. */
const paidBalance = async () => {
  const claim = await practiceWithAdjudicatedClaim();
  const intent = await paidIntent(3400);
  const issued = (await deliverToReceiptIssuer(balancePaid(claim.practiceId, claim.clientId, intent.id))) as { receiptId: string };
  const [email] = await receiptEmailsTo(claim.email);
  return { ...claim, receiptId: issued.receiptId, token: tokenOf(receiptLinkIn(email!.body.text ?? '')) };
};

describe('the receipt page and its PDF (GET /r/{token})', () => {
  it('the PDF is a superbill with every field DOMAIN.md §5 asks of a balance receipt', async () => {
    // Prepare
    const { token } = await paidBalance();

    // Act
    const answer = await openReceipt(token, 'pdf');

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/pdf');
    expect(answer.headers['content-disposition']).toBe('inline; filename="receipt-R-000001.pdf"');
    expect(answer.isBase64Encoded).toBe(true);
    const bytes = Buffer.from(answer.body, 'base64');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(bytes);
    expect(text).toContain('Statement for insurance or HSA/FSA reimbursement');
    expect(text).toContain('Receipt R-000001');
    for (const field of BALANCE_RECEIPT_FIELDS) expect(text, field).toContain(field);
    // Each service line: date, place, code, modifiers, units, charged, insurer paid, patient portion.
    expect(text).toContain('October 2, 2026 11 97124 GP 2 $60.00 $26.00 $14.00');
    expect(text).toContain('October 2, 2026 11 97140 — 2 $70.00 $30.00 $20.00');
    expect(text).toContain('Amount paid now $34.00');
    expect(text).toContain('Patient portion $34.00');
    expect(text).toContain('Insurer paid $56.00');
    expect(text).toContain('Amount charged $130.00');
  });

  it('the HTML page shows the same fields, is private and printable, and links its PDF', async () => {
    // Prepare
    const { token } = await paidBalance();

    // Act
    const answer = await openReceipt(token);

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('private, no-store');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    for (const field of BALANCE_RECEIPT_FIELDS) expect(answer.body, field).toContain(field);
    expect(answer.body).toContain('href="?format=pdf"');
    expect(answer.body).toContain('@media print');
    expect(answer.body).not.toContain('<script');
  });

  it('the page is a snapshot: renaming the practice later does not change an issued receipt', async () => {
    // Prepare
    const { practiceId, token } = await paidBalance();
    const practice = (await getPractice(store, practiceId))!;
    const { savePractice } = await import('../../functions/store/practices');
    await savePractice(store, { ...practice, name: 'Renamed Studio', updatedAt: new Date(Date.now() + 1000).toISOString() }, practice);

    // Act
    const answer = await openReceipt(token);

    // Assess
    expect(answer.body).toContain('Harbor Bodywork');
    expect(answer.body).not.toContain('Renamed Studio');
  });

  it('a tampered or made-up token is 404; an expired one is 410 and names the practice to ask', async () => {
    // Prepare
    const { practiceId, receiptId, token } = await paidBalance();
    const [payload, signature] = token.split('.');
    const tampered = `${payload}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    const practice = (await getPractice(store, practiceId))!;
    const link = await receiptLink(defaultReceiptDeps(), practice, receiptId);
    const in31Days = new Date(Date.now() + 31 * 86_400_000);

    // Act
    const forged = await openReceipt(tampered);
    const madeUp = await openReceipt('not-a-token');
    const fresh = await openReceipt(tokenOf(link.url));
    const expired = await serveReceiptPage(apiEvent('GET /r/{token}', { pathParameters: { token } }), defaultReceiptDeps({ now: () => in31Days }));

    // Assess
    expect(forged.statusCode).toBe(404);
    expect(madeUp.statusCode).toBe(404);
    expect(forged.body).not.toContain('Jane Doe');
    expect(fresh.statusCode).toBe(200);
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('This receipt link has expired');
    expect(expired.body).toContain('Harbor Bodywork');
    expect(expired.body).not.toContain('Jane Doe');
  });
});
