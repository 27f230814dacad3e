import { chooseCredit, purchaseStatus } from '../domain/credits';
import { ConflictError, NotFoundError, RetryableError } from '../shared/errors';
import { newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { redemptionBody } from '../shared/schemas/requests';
import type { Store } from '../store/table';
import { getClient } from '../store/clients';
import { commitOnce, CommitConflictError } from '../store/commit';
import { getRedemption, listClientPurchases } from '../store/purchases';
import type { Purchase, Redemption } from '../domain/purchase';
import * as redemptionsStore from '../store/redemptions';
import type { RedemptionFlowPort } from './ports';

/** The default implementation of the port: the table (core/ports.ts). */
export const REDEMPTIONS_STORE: RedemptionFlowPort = { ...redemptionsStore, getRedemption, listClientPurchases, getClient, commitOnce };

export interface RedemptionAnswer {
  redemptionId: string;
  appointmentId: string;
  purchaseId: string;
  sessionsRemaining: number;
}

const MAX_ATTEMPTS = 12;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Redeems one session credit for an appointment, at most once per appointment id. Draws from the
 * usable purchase that expires first; the decrement is conditional (`sessionsRemaining >= 1`), so
 * racing redemptions of the last credit leave exactly one winner and never go below zero.
 */
export const redeemCredit = async (
  store: Store,
  practiceId: string,
  clientId: string,
  body: Record<string, unknown>,
  now = new Date(),
  redemptions: RedemptionFlowPort = REDEMPTIONS_STORE,
): Promise<{ created: boolean; answer: RedemptionAnswer }> => {
  const { appointmentId, purchaseId: wantedPurchase } = parseBody(redemptionBody, body);
  const marker = redemptions.redemptionMarker(practiceId, appointmentId);

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const existing = await redemptions.getRedemption(store, practiceId, appointmentId);
    if (existing) {
      if (existing.clientId !== clientId) throw new ConflictError('this appointment was redeemed for another client', 'appointment_taken');
      // Not the old figures with nothing drawn (issue 17): a cancelled redemption stays cancelled.
      if (existing.status === 'cancelled') {
        throw new ConflictError('this appointment\u2019s redemption was cancelled; redeem a new visit under its own appointmentId', 'redemption_cancelled', { field: 'appointmentId' });
      }
      const stored = await redemptions.readRedemptionResult<RedemptionAnswer>(store, practiceId, appointmentId);
      if (stored) return { created: false, answer: stored };
    }
    if (attempt === 1) await redemptions.getClient(store, practiceId, clientId);
    const purchases = await redemptions.listClientPurchases(store, practiceId, clientId);
    const purchase = chooseCredit(purchases, now, wantedPurchase);
    if (!purchase) {
      if (wantedPurchase && !purchases.some((p) => p.purchaseId === wantedPurchase)) throw new NotFoundError('purchase');
      throw new ConflictError('no usable session credit for this client', 'no_credits');
    }
    const answer: RedemptionAnswer = {
      redemptionId: newId('red'),
      appointmentId,
      purchaseId: purchase.purchaseId,
      sessionsRemaining: purchase.sessionsRemaining - 1,
    };
    const redemption: Redemption = {
      redemptionId: answer.redemptionId,
      appointmentId,
      clientId,
      purchaseId: purchase.purchaseId,
      currency: purchase.currency,
      status: 'redeemed',
      redeemedAt: now.toISOString(),
    };
    try {
      const outcome = await redemptions.commitOnce(
        store,
        {
          marker: { ...marker, result: answer },
          writes: redemptions.redeemCreditWrites(practiceId, redemption, now),
          events: [
            {
              detailType: 'CreditsRedeemed',
              detail: { practiceId, clientId, purchaseId: purchase.purchaseId, redemptionId: answer.redemptionId, appointmentId, sessions: 1 },
            },
          ],
        },
        now,
      );
      // A duplicate here lost a race on the same appointment: the winner's answer is the answer.
      // (The remaining count it reports is the one at the time of the redemption.)
      return { created: outcome.status === 'committed', answer: outcome.result ?? answer };
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
      // The chosen purchase lost its last credit (or changed state) meanwhile: choose again.
      await sleep(Math.random() * 20 * attempt);
    }
  }
  throw new RetryableError('too many concurrent redemptions; retry');
};

/** Gives the credit of a redemption back (once), if its purchase can still hold credits. */
export const cancelRedemption = async (store: Store, practiceId: string, clientId: string, appointmentId: string, now = new Date(), redemptions: RedemptionFlowPort = REDEMPTIONS_STORE) => {
  const redemption = await redemptions.getRedemption(store, practiceId, appointmentId);
  if (!redemption || redemption.clientId !== clientId) throw new NotFoundError('redemption');
  if (redemption.status === 'cancelled') return { ...redemption, creditRestored: false };
  const outcome = await redemptions
    .commitOnce(store, {
      marker: redemptions.redemptionCancelMarker(practiceId, appointmentId),
      writes: redemptions.cancelRedemptionWrites(practiceId, redemption, now),
    })
    .catch((error) => {
      if (error instanceof CommitConflictError) {
        throw new ConflictError('the credit cannot be given back: its purchase was refunded, disputed or voided', 'purchase_not_active');
      }
      throw error;
    });
  return { ...redemption, status: 'cancelled' as const, cancelledAt: now.toISOString(), creditRestored: outcome.status === 'committed' };
};

/** The purchases list the API shows (SPEC §3): settled purchases with a derived status. */
export const purchaseView = (purchase: Purchase, now: Date) => ({
  purchaseId: purchase.purchaseId,
  packageId: purchase.packageId,
  sessionsTotal: purchase.sessionsTotal,
  sessionsRemaining: purchase.sessionsRemaining,
  status: purchaseStatus(purchase, now),
  expiresAt: purchase.expiresAt,
  paidAt: purchase.paidAt ?? null,
  priceCents: purchase.priceCents,
  currency: purchase.currency,
});
