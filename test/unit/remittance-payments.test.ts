import { describe, expect, it } from 'vitest';
import { withinItemBudget } from '../../functions/core/remittances';
import type { RemittancePayment } from '../../functions/domain/claim';

const payment = (n: number): RemittancePayment => ({
  traceNumber: `EFT${String(n).padStart(6, '0')}`,
  payerId: 'ACME01',
  payerName: 'ACME HEALTH',
  paymentCents: 8600,
  paidAt: '2026-12-01',
  claims: 2,
  claimsPaidCents: 9600,
  providerAdjustmentCents: 1000,
  providerAdjustments: [{ providerId: '1234567893', fiscalPeriodDate: '2026-12-31', reason: 'WO', reference: 'CLM-0999', amountCents: 1000 }],
  problems: [],
});

describe("a remittance's list of payments", () => {
  it('keeps every payment of an ordinary file', () => {
    const payments = [payment(1), payment(2)];
    expect(withinItemBudget(payments)).toEqual({ payments });
  });

  it('a file with thousands of transaction sets keeps the first ones within the budget and counts the rest (the item stays far below DynamoDB’s 400 KB)', () => {
    const payments = Array.from({ length: 5000 }, (_, i) => payment(i));
    const kept = withinItemBudget(payments);
    expect(kept.payments.length).toBeGreaterThan(100);
    expect(kept.payments).toEqual(payments.slice(0, kept.payments.length));
    expect(kept.payments.length + kept.paymentsOmitted!).toBe(5000);
    expect(JSON.stringify(kept.payments).length).toBeLessThanOrEqual(200_000 + kept.payments.length);
  });
});
