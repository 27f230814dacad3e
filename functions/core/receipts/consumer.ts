/** The receipt issuer's consumer: PaymentSucceeded / PaymentRefunded → one receipt, one email. */
import type { ReceiptKind } from '../../domain/receipt';
import type { NumberedReceipt, ReceiptDeps } from './deps';
import { deliverReceipt, type DeliveryOutcome } from './deliver';
import { parsePaymentRefunded, parsePaymentSucceeded } from './events';
import { issuePaymentReceipt, issueRefundReceipt } from './issue';

export interface ReceiptEventEnvelope {
  id?: string;
  'detail-type': string;
  detail: Record<string, unknown>;
}

export type ReceiptEventOutcome = { outcome: 'ignored'; reason: string } | { outcome: 'issued' | 'duplicate'; receiptId: string; number: string; kind: ReceiptKind; email: DeliveryOutcome };

/**
 * PaymentSucceeded / PaymentRefunded → one receipt, one email. Safe to run twice or at once for
 * the same event: the receipt marker and the send lease make the second a no-op.
 */
export const handleReceiptEvent = async (deps: ReceiptDeps, event: ReceiptEventEnvelope): Promise<ReceiptEventOutcome> => {
  const type = event['detail-type'];
  let result: { receipt: NumberedReceipt; issued: boolean };
  if (type === 'PaymentSucceeded') result = await issuePaymentReceipt(deps, parsePaymentSucceeded(event.detail ?? {}));
  else if (type === 'PaymentRefunded') result = await issueRefundReceipt(deps, parsePaymentRefunded(event.detail ?? {}));
  else return { outcome: 'ignored', reason: `no receipt for ${type}` };
  const { receipt, issued } = result;
  const email = await deliverReceipt(deps, receipt.practiceId, receipt.receiptId);
  return { outcome: issued ? 'issued' : 'duplicate', receiptId: receipt.receiptId, number: receipt.number, kind: receipt.kind, email };
};
