/** Session credits past their expiry (the credit expirer, on a schedule): recorded once per purchase. */
import type { Store } from '../store/table';
import { commitOnce, CommitConflictError } from '../store/commit';
import { getPurchase, listExpiringPurchases } from '../store/purchases';
import { expirePurchaseWrites, purchaseExpiryMarker } from '../store/redemptions';
import type { CreditExpiryPort } from './ports';

/** The table: the default implementation of the credit expirer's port. */
export const CREDIT_EXPIRY_STORE: CreditExpiryPort = { purchaseExpiryMarker, expirePurchaseWrites, getPurchase, listExpiringPurchases, commitOnce };

/**
 * The credit expirer's step boundaries: `expire` — one purchase's expiry is committed (purchase,
 * ledger entry, CreditsExpired), with the practice's other purchases still to do. Tests inject a
 * crash after it (a real crash cannot be scheduled).
 */
export const EXPIRY_STEPS = ['expire'] as const;
export type ExpiryStep = (typeof EXPIRY_STEPS)[number];

export interface ExpiryDeps {
  /** Crash injection for reliability tests: called after each step has been committed. */
  after?: (step: ExpiryStep, purchaseId: string) => void | Promise<void>;
  /** Where the expiring purchases are read and the expiry written (default: the table, CREDIT_EXPIRY_STORE). */
  redemptions?: Partial<CreditExpiryPort>;
}

/**
 * Marks purchases whose expiry has passed (run on a schedule). Expired credits were already not
 * redeemable; this records it in the ledger and tells the bus, once per purchase.
 */
export const expirePurchases = async (store: Store, practiceId: string, now = new Date(), deps: ExpiryDeps = {}): Promise<number> => {
  const port: CreditExpiryPort = { ...CREDIT_EXPIRY_STORE, ...deps.redemptions };
  let expired = 0;
  for (const listed of await port.listExpiringPurchases(store, practiceId, now)) {
    // The index is eventually consistent: decide on the purchase as it is now, and commit only on
    // that version, so a redemption or refund in between cannot make the ledger expire credits the
    // purchase no longer has (a conflict is skipped; the next run decides again).
    const purchase = await port.getPurchase(store, practiceId, listed.clientId, listed.purchaseId);
    if (!purchase || purchase.state !== 'paid' || purchase.expiredAt || !purchase.expiresAt || purchase.expiresAt > now.toISOString()) continue;
    const outcome = await port
      .commitOnce(store, {
        marker: port.purchaseExpiryMarker(practiceId, purchase.purchaseId),
        writes: port.expirePurchaseWrites(practiceId, purchase, now),
        events: [
          {
            detailType: 'CreditsExpired',
            detail: { practiceId, clientId: purchase.clientId, purchaseId: purchase.purchaseId, sessionsExpired: purchase.sessionsRemaining, expiresAt: purchase.expiresAt },
          },
        ],
      })
      .catch((error) => {
        if (error instanceof CommitConflictError) return { status: 'skipped' as const };
        throw error;
      });
    if (outcome.status === 'committed') {
      expired += 1;
      await deps.after?.('expire', purchase.purchaseId);
    }
  }
  return expired;
};
