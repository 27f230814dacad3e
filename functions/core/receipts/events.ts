/** The events a receipt is issued for: PaymentSucceeded and PaymentRefunded, as their details are checked. */
import { fields } from '../../shared/validate';

export interface PaymentSucceededDetail {
  practiceId: string;
  clientId: string;
  kind: 'package' | 'invoice';
  paymentId: string;
  amountCents: number;
  currency: string;
  paidAt: string;
  purchaseId?: string;
  invoiceId?: string;
  claimId?: string;
}

export interface PaymentRefundedDetail {
  practiceId: string;
  clientId: string;
  kind: 'package' | 'invoice';
  paymentId: string;
  refundId: string;
  amountCents: number;
  totalRefundedCents: number;
  currency: string;
  purchaseId?: string;
  invoiceId?: string;
  claimId?: string;
  creditsRemoved: number;
  refundedAt: string;
}

const PAYMENT_KINDS = ['package', 'invoice'] as const;

export const parsePaymentSucceeded = (detail: Record<string, unknown>): PaymentSucceededDetail => {
  const f = fields(detail, 'detail');
  const kind = f.oneOf('kind', PAYMENT_KINDS);
  return {
    practiceId: f.string('practiceId'),
    clientId: f.string('clientId'),
    kind,
    paymentId: f.string('paymentId'),
    amountCents: f.int('amountCents', { min: 0 }),
    currency: f.string('currency', { pattern: /^[a-z]{3}$/ }),
    paidAt: f.string('paidAt'),
    purchaseId: kind === 'package' ? f.string('purchaseId') : f.string('purchaseId', { optional: true }),
    invoiceId: f.string('invoiceId', { optional: true }),
    claimId: f.string('claimId', { optional: true }),
  };
};

export const parsePaymentRefunded = (detail: Record<string, unknown>): PaymentRefundedDetail => {
  const f = fields(detail, 'detail');
  return {
    practiceId: f.string('practiceId'),
    clientId: f.string('clientId'),
    kind: f.oneOf('kind', PAYMENT_KINDS),
    paymentId: f.string('paymentId'),
    refundId: f.string('refundId'),
    amountCents: f.int('amountCents', { min: 1 }),
    totalRefundedCents: f.int('totalRefundedCents', { min: 1 }),
    currency: f.string('currency', { pattern: /^[a-z]{3}$/ }),
    purchaseId: f.string('purchaseId', { optional: true }),
    invoiceId: f.string('invoiceId', { optional: true }),
    claimId: f.string('claimId', { optional: true }),
    creditsRemoved: f.int('creditsRemoved', { optional: true, min: 0 }) ?? 0,
    refundedAt: f.string('refundedAt'),
  };
};
