/**
 * The claim's side of patient-balance invoicing: the plan's version guard, the billed total and
 * the claim's view of its current invoice. Writes that go in a commit (commitOnce).
 */
import { claimKey, claimStateEntry } from './claims';
import { absent, nullValue } from './conditions';
import type { TransactItem } from './commit';

/** What the claim shows of its balance invoice (staff API, claim page). */
export interface ClaimInvoiceSummary {
  invoiceId: string;
  status: string;
  amountDueCents: number;
  hostedInvoiceUrl: string | null;
}

/** The claim's balance is at the version read (`:seen`; a claim without one is at 0). Also store/write-offs.ts. */
export const BALANCE_VERSION_SEEN = `${absent('balanceVersion')} AND :seen = :zero OR balanceVersion = :seen`;

/**
 * A balance plan committed on the claim: the billed total and the overpayment settled by it, only
 * if the claim's balance is still at the version the plan was made on (concurrent planners serialise).
 * An overpayment refunded or kept as credit is settled once: later plans do not count it as paid.
 * `invoiceIds`, every invoice of the claim (those the plan read, and the ones it creates), is
 * written whole: only plans create invoices, each under this guard, so at the version the plan read
 * the list is complete — a claim invoiced before the list was kept gets it from its next plan
 * (store/invoices.ts `listClaimInvoices`).
 */
export const claimBalancePlanWrite = (
  practiceId: string,
  claimId: string,
  plan: {
    seenVersion: number;
    invoicedCents: number;
    settledCents: number;
    /** The payer the balance waited for answered: the claim's `balanceHold` goes with this plan. */ endHold?: boolean;
    /** Every invoice of the claim after this plan. */ invoiceIds: string[];
  },
): TransactItem => ({
  Update: {
    Key: claimKey(practiceId, claimId),
    UpdateExpression: `SET balanceVersion = :next, invoicedCents = :invoiced, invoiceIds = :invoiceIds ADD overpaymentSettledCents :settled${plan.endHold ? ' REMOVE balanceHold' : ''}`,
    ConditionExpression: BALANCE_VERSION_SEEN,
    ExpressionAttributeValues: {
      ':next': plan.seenVersion + 1,
      ':seen': plan.seenVersion,
      ':zero': 0,
      ':invoiced': plan.invoicedCents,
      ':settled': plan.settledCents,
      ':invoiceIds': plan.invoiceIds,
      ...nullValue(BALANCE_VERSION_SEEN),
    },
  },
});

/** The claim's view of its balance invoice; a paid one closes the claim (adjudicated → closed). */
export const claimInvoiceSummaryWrite = (practiceId: string, claimId: string, summary: ClaimInvoiceSummary, opts: { closeClaim?: boolean } = {}): TransactItem => {
  const entry = claimStateEntry(practiceId, claimId, 'closed');
  return {
    Update: {
      Key: claimKey(practiceId, claimId),
      UpdateExpression: opts.closeClaim ? `SET invoice = :summary, #state = :closed${entry.set}${entry.remove}` : 'SET invoice = :summary',
      ...(opts.closeClaim ? { ExpressionAttributeNames: { '#state': 'state' } } : {}),
      ExpressionAttributeValues: { ':summary': summary, ...(opts.closeClaim ? { ':closed': 'closed', ...entry.values } : {}) },
    },
  };
};
