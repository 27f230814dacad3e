/** Issuing: the one receipt of a payment or refund, written once (its marker), then numbered. */
import { buildReceipt, type Receipt, RECEIPT_NUMBER_PENDING, type ReceiptSource } from '../../domain/receipt';
import { newId } from '../../shared/ids';
import { ReceiptDataError, requirePracticeFor, type NumberedReceipt, type ReceiptDeps } from './deps';
import type { PaymentRefundedDetail, PaymentSucceededDetail } from './events';
import { paymentFacts, refundFacts, type Facts } from './gather';
import { numberReceipt } from './number';

/**
 * Issues the one receipt of a payment or refund and numbers it. Issuing writes the snapshot, its
 * marker and its place in the numbering queue in one transaction; a duplicate event finds the
 * marker and goes on with the receipt already issued (numbering it if a crash left it unnumbered).
 */
const issueReceipt = async (
  deps: ReceiptDeps,
  practiceId: string,
  clientId: string,
  sourceKey: string,
  gather: () => Promise<{ facts: Facts; source: ReceiptSource }>,
): Promise<{ receipt: NumberedReceipt; issued: boolean }> => {
  const existing = await deps.receipts.findIssuedReceipt(practiceId, sourceKey);
  if (existing) return { receipt: await numberReceipt(deps, practiceId, existing.receiptId), issued: false };
  const { facts, source } = await gather();
  const now = deps.now();
  const built = buildReceipt(facts(RECEIPT_NUMBER_PENDING, now.toISOString()));
  if (!built.ok) throw new ReceiptDataError(built.problem);
  const document = built.document;
  const receipt: Receipt = {
    receiptId: newId('rcp', now.getTime()),
    practiceId,
    clientId,
    kind: document.kind,
    totalCents: document.totalCents,
    currency: document.currency,
    issuedAt: document.issuedAt,
    source,
    document,
    emailStatus: 'pending',
    emailAttempts: 0,
    emailSends: 0,
  };
  const outcome = await deps.receipts.issueReceipt(receipt, sourceKey, now);
  const receiptId = outcome.status === 'duplicate' ? outcome.result!.receiptId : receipt.receiptId;
  if (outcome.status === 'committed') deps.logger.info('receipt issued', { practiceId, receiptId, kind: receipt.kind });
  await deps.after?.('issue', receiptId);
  return { receipt: await numberReceipt(deps, practiceId, receiptId), issued: outcome.status === 'committed' };
};

export const issuePaymentReceipt = async (deps: ReceiptDeps, detail: PaymentSucceededDetail) => {
  const sourceKey = deps.receipts.receiptSourceKey({ type: 'payment', paymentId: detail.paymentId });
  return issueReceipt(deps, detail.practiceId, detail.clientId, sourceKey, async () => paymentFacts(deps, await requirePracticeFor(deps, detail.practiceId), detail));
};

export const issueRefundReceipt = async (deps: ReceiptDeps, detail: PaymentRefundedDetail) => {
  const sourceKey = deps.receipts.receiptSourceKey({ type: 'refund', paymentId: detail.paymentId, refundId: detail.refundId });
  return issueReceipt(deps, detail.practiceId, detail.clientId, sourceKey, async () => refundFacts(deps, await requirePracticeFor(deps, detail.practiceId), detail));
};
