/** A receipt document as the domain builds it (a refund of a balance payment), for renderer tests. */
import { buildReceipt, type ReceiptDocument } from '../../functions/domain/receipt';

const practice = {
  name: 'Harbor Bodywork',
  timezone: 'America/Los_Angeles',
  address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201' },
  phone: '+1 503 555 0100',
  email: 'front@harbor.example',
  taxId: '12-3456789',
  npi: '1234567893',
  licenseNumber: 'LMT 12345',
};

export const receiptDocumentFixture = (): ReceiptDocument => {
  const built = buildReceipt({
    kind: 'refund',
    number: 'R-000002',
    issuedAt: '2026-11-05T18:00:00Z',
    practice,
    clientName: 'Jane Doe',
    package: null,
    refund: {
      refundId: 're_1',
      paymentId: 'pi_1',
      amountCents: 1000,
      totalRefundedCents: 1000,
      currency: 'usd',
      refundedAt: '2026-11-05T18:00:00Z',
      creditsRemoved: 0,
      of: 'balance',
      originalReceiptNumber: 'R-000001',
      originalAmountCents: 3400,
      method: { type: 'card', brand: 'visa', last4: '4242' },
      service: { claimId: 'CLM-1001', dateOfService: '2026-10-02' },
    },
  });
  if (!built.ok) throw new Error(built.problem.message);
  return built.document;
};
