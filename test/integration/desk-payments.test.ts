/**
 * A balance below Stripe's minimum charge is never sent to Stripe (`below_minimum`,
 * balance-minimum-charge.test.ts), so staff collect it at the desk. Found by the domain audit of
 * 2026-12-07 (docs/status.md): nothing recorded that payment — the claim stayed open, the ledger
 * owed, no receipt (DOMAIN.md §1: every payment gets one). `POST …/invoices/{invoiceId}/desk-payments`
 * records it exactly once, closes the claim and issues the receipt, naming how it was paid.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { getReceipt } from '../../functions/store/receipts';
import { renderReceiptPage } from '../../functions/shared/receipt-render';
import { renderReceiptPdf } from '../../functions/shared/receipt-pdf';
import { api } from '../support/api';
import { ledgerState, outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, emulator, store } from '../support/invoicing';
import { busEvent, deliverToReceiptIssuer, pdfText } from '../support/receipts';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

/** The worked example's $34.00 share with $33.70 collected at the visit: 30 cents held as below_minimum. */
const heldBalance = async (collectedCents = 3370) => {
  const ready = await claimReady({ collectedCents });
  await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);
  const [invoice] = await listClaimInvoices(store, ready.practiceId, 'CLM-1001');
  return { ...ready, invoice: invoice! };
};

const pay = (practiceId: string, invoiceId: string, body: Record<string, unknown>, key?: string) =>
  api('POST', `/practices/${practiceId}/invoices/${invoiceId}/desk-payments`, { practiceId, body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

describe('a below_minimum balance paid at the desk', () => {
  it('30 cents in cash: the invoice paid, the claim closed, the ledger settled and a balance receipt saying "Paid at the practice (cash)" — once, with no Stripe call', async () => {
    // Prepare
    const held = await heldBalance();
    const before = await ledgerState(store, held.practiceId, held.clientId);
    const since = new Date().toISOString(); // the shared emulator's log from now on (it is not ours to clear)

    // Act: recorded, then the same request retried.
    const first = await pay(held.practiceId, held.invoice.invoiceId, { method: 'cash', amountCents: 30 }, 'desk-1');
    const retry = await pay(held.practiceId, held.invoice.invoiceId, { method: 'cash', amountCents: 30 }, 'desk-1');

    // Assess
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(first.body).toMatchObject({ invoiceId: held.invoice.invoiceId, claimId: 'CLM-1001', status: 'paid', method: 'cash', amountCents: 30, currency: 'usd' });
    expect(retry.body).toEqual(first.body);
    const listed = await api('GET', `/practices/${held.practiceId}/invoices`, { practiceId: held.practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ invoiceId: held.invoice.invoiceId, status: 'paid', amountDueCents: 30, amountPaidCents: 30 })]);
    const claim = await api('GET', `/practices/${held.practiceId}/claims/CLM-1001`, { practiceId: held.practiceId });
    expect(claim.body.invoice).toMatchObject({ status: 'paid', amountDueCents: 30 });
    const after = await ledgerState(store, held.practiceId, held.clientId);
    expect(after.balanceCents - before.balanceCents).toBe(-30);
    const succeeded = (await outboxOf(store, held.practiceId)).filter((item) => item.detailType === 'PaymentSucceeded');
    expect(succeeded.map((item) => item.detail)).toEqual([
      expect.objectContaining({ kind: 'invoice', invoiceId: held.invoice.invoiceId, claimId: 'CLM-1001', paymentId: first.body.paymentId, amountCents: 30, method: 'cash' }),
    ]);
    const issued = (await deliverToReceiptIssuer(busEvent('PaymentSucceeded', succeeded[0]!.detail, succeeded[0]!.eventId))) as { receiptId: string; kind: string };
    expect(issued.kind).toBe('balance');
    const receipt = (await getReceipt(store, held.practiceId, issued.receiptId))!;
    expect(receipt.document).toMatchObject({ status: 'paid_in_full', payment: { amountCents: 30, method: { type: 'in_person', method: 'cash' } } });
    expect(renderReceiptPage(receipt.document)).toContain('Paid at the practice (cash)');
    expect(await pdfText(await renderReceiptPdf(receipt.document))).toContain('Paid at the practice (cash)');
    // Nothing of this practice went to Stripe: not the payment, not the receipt's payment method.
    const ours = ((await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as unknown[]).filter(
      (request) => JSON.stringify(request).includes(held.practiceId) || JSON.stringify(request).includes(first.body.paymentId),
    );
    expect(ours).toEqual([]);
  });

  it('the same key with another body → 409 idempotency_key_reused; another key on a paid invoice → 409 invoice_already_paid; 8 racing requests record one payment', async () => {
    // Prepare
    const held = await heldBalance();

    // Act: 4 retries of one request and 4 other requests, all at once.
    const racing = await Promise.all([
      ...Array.from({ length: 4 }, () => pay(held.practiceId, held.invoice.invoiceId, { method: 'card_terminal', amountCents: 30 }, 'race')),
      ...Array.from({ length: 4 }, (_, i) => pay(held.practiceId, held.invoice.invoiceId, { method: 'cash', amountCents: 30 }, `other-${i}`)),
    ]);
    const changed = await pay(held.practiceId, held.invoice.invoiceId, { method: 'check', amountCents: 30 }, 'race');

    // Assess: exactly one recorded (201), its retries answer it (200) if it was the key 'race'; the rest 409.
    const created = racing.filter((answer) => answer.status === 201);
    expect(created).toHaveLength(1);
    expect(racing.every((answer) => [200, 201, 409].includes(answer.status))).toBe(true);
    expect(racing.filter((answer) => answer.status === 409).every((answer) => answer.body.error.code === 'invoice_already_paid')).toBe(true);
    expect((await outboxOf(store, held.practiceId)).filter((item) => item.detailType === 'PaymentSucceeded')).toHaveLength(1);
    expect([changed.status, changed.body.error.code]).toEqual([409, created[0]!.body.method === 'card_terminal' ? 'idempotency_key_reused' : 'invoice_already_paid']);
    const ledger = await ledgerState(store, held.practiceId, held.clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'payment' && entry.ref === held.invoice.invoiceId)).toHaveLength(1);
  });

  it.each([
    [{ method: 'cash', amountCents: 20 }, 400, 'amountCents'],
    [{ method: 'bitcoin', amountCents: 30 }, 400, 'method'],
    [{ amountCents: 30 }, 400, 'method'],
    [{ method: 'cash', amountCents: 0 }, 400, 'amountCents'],
  ])('%j → %i naming %s, nothing recorded', async (body, status, field) => {
    const held = await heldBalance();
    const refused = await pay(held.practiceId, held.invoice.invoiceId, body, 'k1');
    expect([refused.status, refused.body.error.details.field]).toEqual([status, field]);
    // The same key with a valid body records it: the refusal left nothing behind.
    expect((await pay(held.practiceId, held.invoice.invoiceId, { method: 'cash', amountCents: 30 }, 'k1')).status).toBe(201);
  });

  it('an invoice on Stripe (50 cents, open) is not collected here → 409 not_collectable_at_desk; an unknown invoice → 404', async () => {
    const open = await heldBalance(3350);
    expect(open.invoice.belowMinimum).toBeFalsy();
    const refused = await pay(open.practiceId, open.invoice.invoiceId, { method: 'cash', amountCents: 50 }, 'k');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'not_collectable_at_desk']);
    expect((await pay(open.practiceId, 'inv_unknown', { method: 'cash', amountCents: 50 }, 'k')).status).toBe(404);
  });
});
