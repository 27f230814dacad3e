/** The events a receipt is issued for: PaymentSucceeded and PaymentRefunded, as their details are checked. */
import { parseDetail, paymentRefundedDetail, paymentSucceededDetail, type PaymentRefundedDetail, type PaymentSucceededDetail } from '../../shared/schemas/payment-events';

export type { PaymentRefundedDetail, PaymentSucceededDetail };

export const parsePaymentSucceeded = (detail: Record<string, unknown>): PaymentSucceededDetail => parseDetail(paymentSucceededDetail, detail);

export const parsePaymentRefunded = (detail: Record<string, unknown>): PaymentRefundedDetail => parseDetail(paymentRefundedDetail, detail);
