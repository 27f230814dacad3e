/** The balance invoicer's consumer of ClaimAdjudicated: record, plan, refund, drive every invoice. */
import { isCollecting, type BalanceAction } from '../../domain/patient-share';
import type { BalanceInvoice } from '../../domain/invoice';
import { AdjudicationRefusedError, adjudicationIdentity, applyAdjudication, externalAdjudicationProblems, type ClaimAdjudicatedDetail } from '../remittances';
import { invoicesOf, type InvoicingDeps } from './deps';
import { planClaimBalance } from './plan';
import { driveRefunds } from './refunds';
import { driveInvoice } from './stripe-saga';

/**
 * The consumer of ClaimAdjudicated: records the adjudication if it came from another claims system,
 * re-plans the claim's patient balance over all its adjudications, then drives every invoice that
 * is not finished. Safe to run any number of times, concurrently, in any order.
 */
export const invoiceClaimBalance = async (deps: InvoicingDeps, detail: ClaimAdjudicatedDetail, now = new Date()) => {
  const store = invoicesOf(deps);
  const practice = await store.getPractice(detail.practiceId);
  if (!practice) {
    deps.logger?.warn('ClaimAdjudicated for an unknown practice: ignored', { practiceId: detail.practiceId });
    return { invoices: [] as BalanceInvoice[], actions: [] as BalanceAction[] };
  }
  const claim = await store.getClaim(detail.practiceId, detail.claimId);
  if (!claim) {
    deps.logger?.warn('ClaimAdjudicated for an unknown claim: ignored', { practiceId: detail.practiceId, claimId: detail.claimId });
    return { invoices: [], actions: [] };
  }
  // From the ERA import the adjudication is already applied: a read is cheaper than a transaction
  // that fails on its marker. From another claims system it is recorded here, once.
  const identity = adjudicationIdentity(detail.claimId, detail.remittance.traceNumber, detail.statusCode, detail.payerClaimControlNumber);
  if (!(await store.isAdjudicationRecorded(detail.practiceId, identity))) {
    // Checked like an 835 claim payment before anyone is invoiced: refused, it fails this delivery
    // (and every retry) and ends in the dead-letter queue, with the reasons in the log.
    const problems = externalAdjudicationProblems(detail);
    if (problems.length > 0) {
      deps.logger?.error('ClaimAdjudicated refused: it does not balance or is malformed; nothing recorded or invoiced', { practiceId: detail.practiceId, problems });
      throw new AdjudicationRefusedError(problems);
    }
    await applyAdjudication(deps.store, claim, detail, { remittanceId: null, emit: false }, now);
    await deps.after?.('adjudication-recorded', null);
  }
  const actions = await planClaimBalance(deps, practice, claim.claimId, now);
  await deps.after?.('plan', null);
  await driveRefunds(deps, practice, claim.claimId);
  const invoices: BalanceInvoice[] = [];
  for (const invoice of await store.listClaimInvoices(practice.practiceId, claim.claimId)) {
    invoices.push(await driveInvoice(deps, practice, invoice, now));
  }
  return { invoices, actions };
};

/**
 * The balance invoicer's consumer of PaymentSucceeded (bug 100): a balance invoice the client paid
 * just before a plan's void of it reached Stripe (`paidOverVoid`, bug 91) leaves the plan that
 * voided it billing the client beside the payment (a correction's "void $34, invoice $24"). The
 * claim is planned again once the payment is recorded, as if it had come before that plan: the
 * other invoices voided and what was paid beyond the share refunded (or credited). Only while
 * another invoice of the claim is still collecting (the client billed beside the payment): a void
 * with nothing billed after it (a reversal before its correction) leaves the excess as ledger
 * credit for the next adjudication, which then refunds only what the correction leaves over
 * instead of refunding all and billing again. Any other payment leaves the claim alone
 * (decisions/012). Safe to run any number of times: a plan that matches the claim's state does nothing.
 */
export const replanAfterPaymentOverVoid = async (deps: InvoicingDeps, detail: { practiceId: string; invoiceId: string }, now = new Date()) => {
  const store = invoicesOf(deps);
  const paid = await store.getInvoice(detail.practiceId, detail.invoiceId);
  if (!paid?.paidOverVoid || paid.status !== 'paid') return { invoices: [] as BalanceInvoice[], actions: [] as BalanceAction[] };
  const billedBeside = (await store.listClaimInvoices(detail.practiceId, paid.claimId)).some(
    (invoice) => invoice.invoiceId !== paid.invoiceId && isCollecting(invoice.status) && !invoice.voidRequested,
  );
  const practice = billedBeside ? await store.getPractice(detail.practiceId) : undefined;
  if (!practice) return { invoices: [], actions: [] };
  const actions = await planClaimBalance(deps, practice, paid.claimId, now);
  await driveRefunds(deps, practice, paid.claimId);
  const invoices: BalanceInvoice[] = [];
  for (const invoice of await store.listClaimInvoices(practice.practiceId, paid.claimId)) {
    invoices.push(await driveInvoice(deps, practice, invoice, now));
  }
  return { invoices, actions };
};
