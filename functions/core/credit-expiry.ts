/** Session credits past their expiry (the credit expirer, on a schedule): recorded once per purchase. */
import type { Store } from '../store/table';
import { commitOnce, CommitConflictError } from '../store/commit';
import { getPurchase, listExpiringPurchases } from '../store/purchases';
import * as redemptionsStore from '../store/redemptions';
import type { RedemptionsPort } from './ports';

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
  /** Where the expiry is written (default: the table, store/redemptions.ts). */
  redemptions?: RedemptionsPort;
}

/**
 * Marks purchases whose expiry has passed (run on a schedule). Expired credits were already not
 * redeemable; this records it in the ledger and tells the bus, once per purchase.
 */
export const expirePurchases = async (store: Store, practiceId: string, now = new Date(), deps: ExpiryDeps = {}): Promise<number> => {
  const redemptions = deps.redemptions ?? redemptionsStore;
  let expired = 0;
  for (const listed of await listExpiringPurchases(store, practiceId, now)) {
    // The index is eventually consistent: decide on the purchase as it is now, and commit only on
    // that version, so a redemption or refund in between cannot make the ledger expire credits the
    // purchase no longer has (a conflict is skipped; the next run decides again).
    const purchase = await getPurchase(store, practiceId, listed.clientId, listed.purchaseId);
    if (!purchase || purchase.state !== 'paid' || purchase.expiredAt || !purchase.expiresAt || purchase.expiresAt > now.toISOString()) continue;
    const outcome = await commitOnce(store, {
      marker: redemptions.purchaseExpiryMarker(practiceId, purchase.purchaseId),
      writes: redemptions.expirePurchaseWrites(practiceId, purchase, now),
      events: [
        {
          detailType: 'CreditsExpired',
          detail: { practiceId, clientId: purchase.clientId, purchaseId: purchase.purchaseId, sessionsExpired: purchase.sessionsRemaining, expiresAt: purchase.expiresAt },
        },
      ],
    }).catch((error) => {
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

