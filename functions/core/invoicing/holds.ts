/**
 * A patient balance released from its wait for a payer (docs/decisions/015-balance-holds.md), billed:
 * after staff's "bill the patient now" (release.ts, through PatientBalanceReleased) and by the hourly
 * sweep's timeout (`billing.payerWaitDays`), which releases the claim as staff would, then bills it
 * on what the payers have said so far; a later 835 of the payer still corrects it as any
 * adjudication does.
 */
import type { BalanceInvoice } from '../../domain/invoice';
import type { BalanceAction } from '../../domain/patient-share';
import type { Claim } from '../../domain/claim';
import { DEFAULT_PAYER_WAIT_DAYS } from '../../domain/practice';
import { invoicesOf, type InvoicingDeps } from './deps';
import { planClaimBalance } from './plan';
import { releaseBalanceHold, type BalanceReleaseOutcome } from './release';
import { driveRefunds } from './refunds';
import { driveInvoice } from './stripe-saga';

const DAY_MS = 86_400_000;

/**
 * Bills a claim whose hold is gone (the balance invoicer's consumer of PatientBalanceReleased, the
 * sweep after a timeout): plans its balance, pays out a refund the plan recorded, drives every
 * invoice. Safe to run any number of times, concurrently (as the ClaimAdjudicated consumer).
 */
export const billReleasedBalance = async (deps: InvoicingDeps, practiceId: string, claimId: string, now = new Date()) => {
  const store = invoicesOf(deps);
  const practice = await store.getPractice(practiceId);
  if (!practice) return { invoices: [] as BalanceInvoice[], actions: [] as BalanceAction[] };
  const actions = await planClaimBalance(deps, practice, claimId, now);
  await driveRefunds(deps, practice, claimId);
  const invoices: BalanceInvoice[] = [];
  for (const invoice of await store.listClaimInvoices(practiceId, claimId)) invoices.push(await driveInvoice(deps, practice, invoice, now));
  return { invoices, actions };
};

/** Whether a claim's hold is older than the practice's wait. */
export const heldTooLong = (claim: Pick<Claim, 'balanceHold'>, payerWaitDays: number, now: Date): boolean =>
  Boolean(claim.balanceHold) && now.getTime() - Date.parse(claim.balanceHold!.since) > payerWaitDays * DAY_MS;

/**
 * The sweep's timeout for one practice: every claim held longer than `billing.payerWaitDays` is
 * released as if staff had pressed the button (by `timeout`, actor `sweep`), once, and billed. Reads
 * the hold list items before the shortest wait a practice may set (1 day), then the practice.
 * Answers how many this run released.
 */
export const releaseOverdueBalanceHolds = async (deps: InvoicingDeps, practiceId: string, now = new Date()): Promise<number> => {
  const store = invoicesOf(deps);
  const listed = await store.listBalanceHoldsBefore(practiceId, new Date(now.getTime() - DAY_MS).toISOString());
  if (listed.length === 0) return 0;
  const practice = await store.getPractice(practiceId);
  if (!practice) return 0;
  const waitDays = practice.billing.payerWaitDays ?? DEFAULT_PAYER_WAIT_DAYS;
  let released = 0;
  for (const item of listed) {
    if (now.getTime() - Date.parse(item.since) <= waitDays * DAY_MS) continue;
    const claim = await store.getClaim(practiceId, item.claimId);
    if (!claim || !heldTooLong(claim, waitDays, now)) continue;
    let outcome: BalanceReleaseOutcome;
    try {
      outcome = await releaseBalanceHold(deps, practiceId, item.claimId, { releasedBy: 'timeout', actor: 'sweep' }, now);
    } catch (error) {
      // The payer answered meanwhile: the hold ended by itself.
      if ((error as Error).name === 'ConflictError') continue;
      throw error;
    }
    if (!outcome.released) continue;
    released += 1;
    // Ids and figures only: the claim id is the practice's claim number (PHI).
    deps.logger?.info('a patient balance waited for a payer longer than the practice allows: released by the sweep and billed on what the payers have said', {
      practiceId,
      reason: outcome.release.reason,
      heldSince: outcome.release.heldSince,
      payerWaitDays: waitDays,
    });
    try {
      await billReleasedBalance(deps, practiceId, item.claimId, now);
    } catch (error) {
      // The release's PatientBalanceReleased is being billed by the balance invoicer at this moment
      // (the email's lease is taken): it finishes; the plan is committed either way.
      if ((error as Error).name !== 'RetryableError') throw error;
    }
  }
  return released;
};
