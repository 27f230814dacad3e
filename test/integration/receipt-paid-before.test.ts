/**
 * "Paid before" on a balance receipt nets out refunds of the claim's earlier balance payments
 * (DOMAIN.md §5: amount paid, paid in full or balance due). Found by the domain audit of
 * 2026-12-07: earlier balance receipts were counted as recorded, refunds not netted, so a client
 * refunded part of a payment and billed again read "Overpaid (credit due to you)" for money
 * already returned.
 */
import { describe, expect, it } from 'vitest';
import { getReceipt } from '../../functions/store/receipts';
import { store } from '../support/invoicing';
import { balancePaid, busEvent, deliverToReceiptIssuer, practiceWithAdjudicatedClaim } from '../support/receipts';

describe('a balance receipt after a refund of an earlier balance payment', () => {
  it('$34 paid, $10 of it refunded, $10 paid again: paid before $24, balance 0, nothing overpaid', async () => {
    // Prepare: the worked example's $34 share, paid, then $10 of that payment refunded.
    const { practiceId, clientId } = await practiceWithAdjudicatedClaim();
    await deliverToReceiptIssuer(balancePaid(practiceId, clientId, 'pi_first', 3400));
    const refund = await deliverToReceiptIssuer(
      busEvent('PaymentRefunded', {
        version: 1,
        practiceId,
        clientId,
        kind: 'invoice',
        invoiceId: 'inv_pi_first',
        claimId: 'CLM-1001',
        paymentId: 'pi_first',
        refundId: 're_first_part',
        amountCents: 1000,
        totalRefundedCents: 1000,
        currency: 'usd',
        creditsRemoved: 0,
        refundedAt: '2026-10-25T10:00:00.000Z',
      }),
    );
    expect(refund).toMatchObject({ kind: 'refund' });

    // Act
    const second = (await deliverToReceiptIssuer(balancePaid(practiceId, clientId, 'pi_second', 1000))) as { receiptId: string };

    // Assess
    const receipt = await getReceipt(store, practiceId, second.receiptId);
    expect(receipt?.document.totals).toMatchObject({ patientPortionCents: 3400, previouslyPaidCents: 2400, paidNowCents: 1000, balanceDueCents: 0, overpaidCents: 0 });
    expect(receipt?.document.status).toBe('paid_in_full');
  });
});
