import type { PurchaseState } from './credits';

/** A package bought (or being bought) by a client: the credits it grants and their state. */
export interface Purchase {
  purchaseId: string;
  practiceId: string;
  clientId: string;
  packageId: string;
  state: PurchaseState;
  sessionsTotal: number;
  sessionsRemaining: number;
  sessionMinutes: number;
  priceCents: number;
  currency: string;
  expiresInDays: number | null;
  expiresAt: string | null;
  paidAt?: string;
  checkoutSessionId?: string;
  paymentIntentId?: string;
  /** Cumulative refunds seen (Stripe's `amount_refunded`): monotonic, so refund order does not matter. */
  refundedCents: number;
  /** Credits already taken back by refunds, disputes or expiry. */
  creditsRemoved: number;
  /** The state before a dispute froze the credits, restored when the dispute is won. */
  stateBeforeDispute?: PurchaseState;
  /** Refunds already applied, by Stripe refund id (each applies once, in any order). */
  refundIds?: string[];
  openDisputeId?: string;
  closedDisputeIds?: string[];
  /** A dispute lost (credits voided, chargeback booked) and how many credits it voided: an appeal won gives them back. */
  lostDisputeId?: string;
  disputeCreditsVoided?: number;
  /** Disputes whose loss an appeal reversed (applied once). */
  reversedDisputeIds?: string[];
  expiredAt?: string;
  /** Set when a provisional (storefront, unpaid) client started it: its payment confirms that client. */
  provisionalClientEmail?: string;
  createdAt: string;
  version: number;
}

export interface Redemption {
  redemptionId: string;
  appointmentId: string;
  clientId: string;
  purchaseId: string;
  currency: string;
  status: 'redeemed' | 'cancelled';
  redeemedAt: string;
  cancelledAt?: string;
}
