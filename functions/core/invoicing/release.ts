/**
 * Ending a patient balance's wait for a payer without that payer (docs/decisions/015-balance-holds.md):
 * staff's "bill the patient now" (`POST …/claims/{c}/bill-patient`) and the hourly sweep's timeout
 * release the claim's hold once (one marker per hold, audited, `PatientBalanceReleased`); a
 * `payer_denied` hold's release sets the denial aside (decision 015 § 6). Table only: the claims
 * function makes it without Stripe; the balance invoicer bills (holds.ts).
 */
import type { BalanceRelease } from '../../domain/claim';
import { ConflictError, NotFoundError } from '../../shared/errors';
import { deriveId } from '../../shared/ids';
import { adjudicationsCounted, deniedWithoutPatientShare, patientShareCents } from '../../domain/patient-share';
import { CommitConflictError } from '../../store/commit';
import { invoicesOf, type InvoicingDeps } from './deps';

/** What a release answers: the release recorded on the claim, and whether this call made it. */
export interface BalanceReleaseOutcome {
  released: boolean;
  release: BalanceRelease;
}

/**
 * Releases the claim's hold, once: `released` true for the call that did, false with the recorded
 * release for any later one (a second press, the sweep after staff). A claim never held, or whose
 * payer answered first (the hold ended by itself), is refused: 409 `no_balance_hold`.
 */
export const releaseBalanceHold = async (
  deps: Pick<InvoicingDeps, 'store' | 'invoices'>,
  practiceId: string,
  claimId: string,
  by: { releasedBy: BalanceRelease['releasedBy']; actor: string },
  now: Date,
): Promise<BalanceReleaseOutcome> => {
  const store = invoicesOf(deps as InvoicingDeps);
  for (let attempt = 1; ; attempt += 1) {
    const claim = await store.getClaim(practiceId, claimId);
    if (!claim) throw new NotFoundError('claim');
    const hold = claim.balanceHold;
    // Released before and not held again (a payer_denied hold after a released wait is released in turn).
    if (!hold && claim.balanceRelease) return { released: false, release: claim.balanceRelease };
    if (!hold) {
      throw new ConflictError(
        `claim ${claimId}: the patient's balance is not waiting for a payer (no balance hold): it is billed as the payers' 835s say${claim.adjudicationCount > 0 ? '' : ', once the first one comes'}`,
        'no_balance_hold',
        { claimId },
      );
    }
    // A payer's denial without PR (payer_denied) is set aside for this claim: the earlier payer's
    // share is billed, and the client's ledger and the claim's share move back to it. The ids are
    // recorded, so a later adjudication of that payer still counts (decision 015 § 6).
    const adjudications = await store.listAdjudications(practiceId, claimId);
    const before = adjudicationsCounted(claim.balanceRelease?.setAside, adjudications);
    const denied = hold.reason === 'payer_denied' ? (deniedWithoutPatientShare(before) ?? []) : [];
    const setAside = [...(claim.balanceRelease?.setAside ?? []), ...denied.map((adjudication) => adjudication.adjudicationId)];
    const shareBefore = patientShareCents(before, 0);
    const shareAfter = patientShareCents(adjudicationsCounted(setAside, adjudications), 0);
    const release: BalanceRelease = {
      releasedBy: by.releasedBy,
      actor: by.actor,
      releasedAt: now.toISOString(),
      reason: hold.reason,
      heldSince: hold.since,
      ...(setAside.length > 0 ? { setAside } : {}),
    };
    const auditId = deriveId('aud', practiceId, claimId, 'balance-hold-release', hold.since);
    try {
      const committed = await store.commitBalanceRelease(
        practiceId,
        claimId,
        release,
        auditId,
        [
          {
            detailType: 'PatientBalanceReleased',
            detail: { practiceId, claimId, clientId: claim.clientId, reason: hold.reason, heldSince: hold.since, releasedBy: release.releasedBy, releasedAt: release.releasedAt },
          },
        ],
        now,
        {
          seenAdjudications: adjudications.length,
          clientId: claim.clientId,
          ...(shareAfter !== shareBefore
            ? {
                patientShareCents: shareAfter,
                ledger: [{ kind: 'cob_adjustment' as const, amountCents: shareAfter - shareBefore, currency: claim.currency, at: release.releasedAt, ref: claimId }],
              }
            : {}),
        },
      );
      if (committed) return { released: true, release };
      // Another call released it first (the marker): its release is the answer.
      const current = await store.getClaim(practiceId, claimId);
      return { released: false, release: current?.balanceRelease ?? release };
    } catch (error) {
      // The hold moved under us (the payer's 835 ended it, its reason changed, an adjudication came): read again.
      if (!(error instanceof CommitConflictError) || attempt >= 5) throw error;
    }
  }
};
