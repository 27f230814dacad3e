/**
 * Overpayment refunds of a claim (refund policy): recorded `pending` with the balance plan, paid out
 * on Stripe after it, then recorded `sent` (or `kept_as_credit`).
 */
import type { Store } from './table';
import type { TransactItem } from './commit';
import { queryAll } from './items';
import { practicePk } from './keys';

export interface OverpaymentRefund {
  refundId: string;
  claimId: string;
  amountCents: number;
  status: 'pending' | 'sent' | 'kept_as_credit';
  stripeRefundId: string | null;
  /** Once paid out: what Stripe refunded, and what no payment could take back (kept as the client's credit). */
  refundedCents?: number;
  keptAsCreditCents?: number;
  /** The invoices whose payment could not be refunded because of a dispute: the credit was kept from them. */
  disputedInvoiceIds?: string[];
}

export const overpaymentRefundKey = (practiceId: string, claimId: string, refundId: string) => ({ pk: practicePk(practiceId), sk: `REFUND#${claimId}#${refundId}` });

/** A refund decided by the plan, recorded with it: a crash between plan and payout cannot lose it. */
export const pendingRefundWrite = (practiceId: string, refund: { refundId: string; claimId: string; amountCents: number }, now: Date): TransactItem => ({
  Put: {
    Item: {
      ...overpaymentRefundKey(practiceId, refund.claimId, refund.refundId),
      type: 'overpayment-refund',
      refundId: refund.refundId,
      claimId: refund.claimId,
      amountCents: refund.amountCents,
      status: 'pending',
      stripeRefundId: null,
      createdAt: now.toISOString(),
    },
  },
});

/** Every overpayment refund of the claim, paid out or not (strongly consistent: plans decide on it). */
export const listOverpaymentRefunds = async (store: Store, practiceId: string, claimId: string): Promise<OverpaymentRefund[]> =>
  queryAll<OverpaymentRefund & { pk: string; sk: string }>(store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': `REFUND#${claimId}#` },
    ConsistentRead: true,
  });

/** The claim's refunds not paid out yet (strongly consistent: the payout decides on it). */
export const listPendingRefunds = async (store: Store, practiceId: string, claimId: string): Promise<OverpaymentRefund[]> =>
  (
    await queryAll<OverpaymentRefund & { pk: string; sk: string }>(store, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': `REFUND#${claimId}#` },
      ConsistentRead: true,
    })
  ).filter((refund) => refund.status === 'pending');

/** What the payout did: the Stripe refunds made, and what no payment could take back. */
export const refundPayoutWrite = (
  practiceId: string,
  claimId: string,
  refundId: string,
  payout: { stripeRefundIds: string[]; refundedCents: number; keptAsCreditCents: number; disputedInvoiceIds?: string[] },
): TransactItem => ({
  Update: {
    Key: overpaymentRefundKey(practiceId, claimId, refundId),
    UpdateExpression: 'SET #status = :status, stripeRefundId = :id, stripeRefundIds = :ids, refundedCents = :refunded, keptAsCreditCents = :kept, disputedInvoiceIds = :disputed',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':status': payout.stripeRefundIds.length > 0 ? 'sent' : 'kept_as_credit',
      ':id': payout.stripeRefundIds[0] ?? null,
      ':ids': payout.stripeRefundIds,
      ':refunded': payout.refundedCents,
      ':kept': payout.keptAsCreditCents,
      ':disputed': payout.disputedInvoiceIds ?? [],
    },
  },
});
