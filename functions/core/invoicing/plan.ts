/** Planning a claim's patient balance: what to bill, void, refund or keep as credit, decided once per state of the claim. */
import {
  adjudicationsCounted,
  awaitingSecondaryPayer,
  balanceHoldReason,
  keptCreditChargedBackCents,
  patientShareCents,
  planBalance,
  type BalanceAction,
  type BalanceHoldReason,
  type InvoiceAmounts,
} from '../../domain/patient-share';
import { deriveId } from '../../shared/ids';
import type { Claim } from '../../domain/claim';
import { CommitConflictError } from '../../store/commit';
import { amountWrittenOffCents, pendingInvoice, type BalanceInvoice } from '../../domain/invoice';
import type { OutboxEvent } from '../../store/outbox';
import type { Practice } from '../../domain/practice';
import { invoicesOf, type InvoicingDeps } from './deps';

/** What the cardholder's bank took back of an invoice's payment in a lost dispute (decisions/013). */
const chargedBackCents = (invoice: BalanceInvoice): number => invoice.amountDisputedCents ?? 0;

const planningView = (invoice: BalanceInvoice): InvoiceAmounts => ({
  invoiceId: invoice.invoiceId,
  // An invoice already decided to be voided no longer counts as billed.
  status: invoice.voidRequested ? 'void' : invoice.status,
  amountDueCents: invoice.amountDueCents,
  // A payment refunded outside kneadpay (the Dashboard) is given back: the client owes it again.
  // So is what a lost dispute took back (decisions/013): chargedBackCents.
  amountPaidCents: invoice.amountPaidCents - (invoice.amountRefundedCents ?? 0) - chargedBackCents(invoice),
  // A balance staff wrote off is forgiven: billed, never paid, never refunded (docs/decisions/014-write-offs.md).
  amountWrittenOffCents: amountWrittenOffCents(invoice),
  amountChargedBackCents: chargedBackCents(invoice),
});

const newInvoice = (claim: Claim, seq: number, amountCents: number, now: Date): BalanceInvoice =>
  pendingInvoice(
    { invoiceId: deriveId('inv', claim.practiceId, claim.claimId, String(seq)), practiceId: claim.practiceId, claimId: claim.claimId, clientId: claim.clientId, currency: claim.currency },
    seq,
    amountCents,
    now,
  );

/**
 * Why the claim's balance waits (domain/patient-share.ts `balanceHoldReason`): the coverage is read
 * only when the primary processed the claim and the practice waits for secondary payers.
 */
const holdReasonOf = async (deps: InvoicingDeps, practice: Practice, claim: Claim, adjudications: Parameters<typeof awaitingSecondaryPayer>[0]) => {
  // A release ended a hold before: the claim waits for no payer again; a payer's denial without PR still holds it.
  const released = Boolean(claim.balanceRelease);
  const waitsForSecondary = !released && (practice.billing.secondaryClaims ?? 'hold') === 'hold' && awaitingSecondaryPayer(adjudications);
  const hasSecondaryPlan = waitsForSecondary && (await invoicesOf(deps).hasSecondaryPlan(claim));
  return balanceHoldReason(adjudications, { forwardedClaims: practice.billing.forwardedClaims, secondaryClaims: practice.billing.secondaryClaims, hasSecondaryPlan, released });
};

/**
 * The hold begins (PatientBalanceHeld), or its reason changes, on the claim version read. Between
 * the two waits (`forwarded_claim`, `secondary_payer`) the `since` is kept; a change to or from
 * `payer_denied` is a new hold (its own `since`, list item and PatientBalanceHeld): the wait for
 * staff counts from the denial, not from the primary's ERA.
 */
const holdBalance = async (deps: InvoicingDeps, claim: Claim, reason: BalanceHoldReason, version: number, now: Date) => {
  const previous = claim.balanceHold ?? undefined;
  const fresh = !previous || (previous.reason === 'payer_denied') !== (reason === 'payer_denied');
  const hold = { reason, since: fresh ? now.toISOString() : previous.since };
  await invoicesOf(deps).commitBalanceHold(
    {
      practiceId: claim.practiceId,
      claimId: claim.claimId,
      clientId: claim.clientId,
      hold,
      // The list item is keyed by `since`: a new hold at the same moment keeps the one there.
      alreadyHeld: previous?.since === hold.since,
      ...(previous && previous.since !== hold.since ? { replacedSince: previous.since } : {}),
      seenVersion: version,
      events: fresh ? [{ detailType: 'PatientBalanceHeld', detail: { practiceId: claim.practiceId, claimId: claim.claimId, clientId: claim.clientId, ...hold } }] : [],
    },
    now,
  );
};

/**
 * Decides, once per state of the claim, what to bill; commits the decision (new invoice records,
 * void requests, the claim's billed total and PatientBalanceAdjusted) in one transaction guarded
 * by the claim's balance version, so concurrent consumers serialise and a stale plan is re-made.
 */
export const planClaimBalance = async (deps: InvoicingDeps, practice: Practice, claimId: string, now: Date): Promise<BalanceAction[]> => {
  const store = invoicesOf(deps);
  for (let attempt = 1; ; attempt += 1) {
    const claim = await store.getClaim(practice.practiceId, claimId);
    if (!claim) return [];
    const adjudications = adjudicationsCounted(claim.balanceRelease?.setAside, await store.listAdjudications(practice.practiceId, claimId));
    const invoices = await store.listClaimInvoices(practice.practiceId, claimId);
    // A payer still to adjudicate (forwarded to it, or the secondary plan the practice files with)
    // decides the patient's share: wait for it, unless staff or the timeout released the claim.
    const version = (claim as Claim & { balanceVersion?: number }).balanceVersion ?? 0;
    // A later payer's denial without PR holds it even after a release (payer_denied: staff decide).
    const reason = await holdReasonOf(deps, practice, claim, adjudications);
    if (reason) {
      if (claim.balanceHold?.reason === reason) return [];
      try {
        await holdBalance(deps, claim, reason, version, now);
        return [];
      } catch (error) {
        if (!(error instanceof CommitConflictError) || attempt >= 8) throw error;
        continue;
      }
    }
    const endedHold = claim.balanceHold ?? undefined;
    const share = patientShareCents(adjudications, claim.collectedCents);
    const settled = (claim as Claim & { overpaymentSettledCents?: number }).overpaymentSettledCents ?? 0;
    const view = invoices.map(planningView);
    // A credit kept because its payment was disputed is gone once that chargeback is lost (bug 99).
    const credits =
      settled > 0
        ? (await store.listOverpaymentRefunds(practice.practiceId, claimId)).map((refund) => ({ keptCents: refund.keptAsCreditCents ?? 0, invoiceIds: refund.disputedInvoiceIds ?? [] }))
        : [];
    const actions = planBalance(share, view, practice.billing.overpayment, settled, keptCreditChargedBackCents(credits, view));
    // Nothing to bill, but a hold the payer's answer ended: that is committed on its own.
    if (actions.length === 0 && !endedHold) return [];
    let seq = invoices.length;
    const created: BalanceInvoice[] = [];
    for (const action of actions) {
      if (action.kind === 'invoice') {
        seq += 1;
        created.push(newInvoice(claim, seq, action.amountCents, now));
      }
    }
    const planKey = `${claimId}#v${version}#${adjudications.length}#${share}`;
    const refund = actions.find((action) => action.kind === 'refund' || action.kind === 'credit');
    const stillBilled = invoices.filter((invoice) => !invoice.voidRequested && invoice.status !== 'void' && !actions.some((a) => a.kind === 'void' && a.invoiceId === invoice.invoiceId));
    const invoicedCents = [...stillBilled, ...created].reduce((sum, invoice) => sum + invoice.amountDueCents, 0);
    const events: OutboxEvent[] =
      invoices.length === 0
        ? []
        : [
            {
              detailType: 'PatientBalanceAdjusted',
              detail: {
                practiceId: practice.practiceId,
                claimId,
                clientId: claim.clientId,
                currency: claim.currency,
                patientShareCents: Math.max(0, share),
                previousInvoicedCents: claim.invoicedCents,
                invoicedCents,
                actions: actions.map((action) => ({ kind: action.kind, ...('amountCents' in action ? { amountCents: action.amountCents } : { invoiceId: action.invoiceId }) })),
              },
            },
          ];
    try {
      await store.commitBalancePlan(
        {
          practiceId: practice.practiceId,
          claimId,
          clientId: claim.clientId,
          planKey,
          actions,
          voidInvoiceIds: actions.flatMap((action) => (action.kind === 'void' ? [action.invoiceId] : [])),
          newInvoices: created,
          // All of the claim's invoices at this version: the claim keeps their ids (store/claim-balance.ts).
          readInvoiceIds: invoices.map((invoice) => invoice.invoiceId),
          // Recorded with the plan, driven after it: a crash between the two cannot lose the refund.
          ...(refund?.kind === 'refund' ? { pendingRefund: { refundId: deriveId('rfd', practice.practiceId, planKey), amountCents: refund.amountCents } } : {}),
          // The ledger already shows the excess as a credit (the share fell); a refund pays it out.
          ledger: refund?.kind === 'refund' ? [{ kind: 'overpayment_refund', amountCents: refund.amountCents, currency: claim.currency, at: now.toISOString(), ref: claim.claimId }] : [],
          seenVersion: version,
          invoicedCents,
          // An overpayment refunded or kept as credit is settled once: later plans do not count it as paid.
          settledCents: refund?.amountCents ?? 0,
          events,
          ...(endedHold ? { endedHold } : {}),
        },
        now,
      );
      return actions;
    } catch (error) {
      if (!(error instanceof CommitConflictError) || attempt >= 8) throw error;
    }
  }
};
