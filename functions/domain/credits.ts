/**
 * Package credits: which purchase a visit draws from, what a refund takes back, what a purchase's
 * status is at a moment. Pure rules over plain data.
 */
/** `open`: checkout started; `pending`: paid by a delayed method, not settled; `expired`: checkout lapsed. */
export const PURCHASE_STATES = ['open', 'pending', 'paid', 'failed', 'expired', 'refunded', 'disputed', 'voided'] as const;
export type PurchaseState = (typeof PURCHASE_STATES)[number];
/** What the API shows (SPEC §3): derived from the stored state, the credits left and the clock. */
export type PurchaseStatus = 'open' | 'pending' | 'failed' | 'active' | 'exhausted' | 'expired' | 'refunded' | 'disputed';

export interface CreditHolding {
  purchaseId: string;
  state: PurchaseState;
  sessionsTotal: number;
  sessionsRemaining: number;
  expiresAt: string | null;
  paidAt?: string;
}

export const purchaseStatus = (purchase: CreditHolding, now: Date): PurchaseStatus => {
  switch (purchase.state) {
    case 'open':
      return 'open';
    case 'pending':
      return 'pending';
    case 'failed':
    case 'expired':
      return 'failed';
    case 'refunded':
    case 'voided':
      return 'refunded';
    case 'disputed':
      return 'disputed';
    case 'paid':
      if (purchase.expiresAt !== null && Date.parse(purchase.expiresAt) <= now.getTime()) return 'expired';
      return purchase.sessionsRemaining > 0 ? 'active' : 'exhausted';
  }
};

/**
 * The purchase a visit draws from: the usable one that expires first (a credit that never expires
 * goes last), oldest purchase first on a tie. A named purchase must itself be usable.
 */
export const chooseCredit = <T extends CreditHolding>(purchases: readonly T[], now: Date, purchaseId?: string): T | undefined => {
  const usable = purchases.filter((purchase) => purchaseStatus(purchase, now) === 'active');
  if (purchaseId !== undefined) return usable.find((purchase) => purchase.purchaseId === purchaseId);
  const expiry = (purchase: T) => (purchase.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(purchase.expiresAt));
  return [...usable].sort((a, b) => expiry(a) - expiry(b) || (a.paidAt ?? '').localeCompare(b.paidAt ?? '') || a.purchaseId.localeCompare(b.purchaseId))[0];
};

/**
 * Credits a refund takes back (policy in docs/packages.md): a full refund voids every unused credit;
 * a partial refund removes floor(refund / price per session) unused credits — a refund worth less
 * than one session removes none. Never more than are left.
 */
export const creditsRemovedByRefund = (refundedCents: number, purchase: { priceCents: number; sessionsTotal: number; sessionsRemaining: number }): number => {
  if (refundedCents >= purchase.priceCents) return purchase.sessionsRemaining;
  // floor(refund / (price / sessions)) without fractions: floor(refund × sessions / price).
  const sessionsWorth = Math.floor((refundedCents * purchase.sessionsTotal) / purchase.priceCents);
  return Math.min(purchase.sessionsRemaining, Math.max(0, sessionsWorth));
};

/** Expiry of a purchase paid at `paidAt`, or null when the package never expires. */
export const expiryFor = (paidAt: Date, expiresInDays: number | undefined | null): string | null => (expiresInDays ? new Date(paidAt.getTime() + expiresInDays * 86_400_000).toISOString() : null);
