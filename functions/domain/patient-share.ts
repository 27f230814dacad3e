import { adjudicatesPayment } from './era835/status';

/**
 * The patient's share of a claim and what to do about it (DOMAIN.md §1, §4). Pure: the invoicer
 * feeds it what is stored and carries out the plan.
 */
export interface AdjudicationAmounts {
  /** CLP02: a predetermination (25) or "not our claim" (23) adjudicates no payment and adds nothing. */
  statusCode?: string;
  /** The payer that adjudicated (the 835's payer id): a claim's payers are primary, secondary, tertiary. */
  payerId?: string | null;
  chargeCents: number;
  paidCents: number;
  patientResponsibilityCents: number;
  /** When the payer adjudicated (the 835's BPR16) and when kneadpay applied it: between two payers at the same place in the chain, the later decides. */
  paidAt?: string | null;
  appliedAt?: string;
}

/** CLP02 → the payer's place in the claim's chain: 1/19 primary, 2/20 secondary, 3/21 tertiary. */
const PAYER_LEVEL: Record<string, number> = { '1': 1, '19': 1, '2': 2, '20': 2, '3': 3, '21': 3 };
/** CLP02 of a claim processed and forwarded to the next payer, which will adjudicate the patient's share again. */
const FORWARDED = new Set(['19', '20', '21']);
const REVERSAL = '22';
/** CLP02 1: processed as primary, not forwarded: a secondary payer, if any, must be billed by the practice. */
const PROCESSED_AS_PRIMARY = '1';

interface PayerStanding<A> {
  /** The payer's place in the chain: from its own CLP02 (1/2/3, 19/20/21), else after the payer that forwarded the claim to it (0 until known). */
  level: number;
  /** The level at which this payer forwarded the claim (CLP02 19/20/21), 0 when it did not. */
  forwardedAt: number;
  /** Adjudications of this payer that stand: non-reversals minus reversals. */
  standing: number;
  /** The payer's last non-reversal status. */
  lastStatus: string | undefined;
  /** When the payer last adjudicated (payment date, then when applied): orders payers at one level. */
  lastAt: string;
  adjudications: A[];
}

/**
 * An adjudication's time for ordering payers: the payer's payment date (day), then when kneadpay
 * applied it. One with neither is the one being applied now (core/remittances.ts weighs it before
 * storing it): the latest.
 */
const adjudicatedAt = (adjudication: AdjudicationAmounts): string =>
  adjudication.paidAt || adjudication.appliedAt ? `${(adjudication.paidAt ?? adjudication.appliedAt ?? '').slice(0, 10)}|${adjudication.appliedAt ?? '~'}` : '~';

/**
 * The payer whose adjudication decides what the patient owes (coordination of benefits): with one
 * payer, that payer; with several, the last one in the chain (primary → secondary → tertiary) whose
 * adjudication still stands (not reversed). A secondary payer's PR already accounts for what the
 * primary left to the patient (CARC 23, impact of prior payer), so shares of different payers are
 * never added up; within one payer, the original, its reversal and the correction are.
 */
const decidingPayer = <A extends AdjudicationAmounts>(adjudications: readonly A[]): PayerStanding<A> | undefined => {
  const payers = new Map<string, PayerStanding<A>>();
  for (const adjudication of adjudications) {
    const key = adjudication.payerId ?? '';
    const payer = payers.get(key) ?? { level: 0, forwardedAt: 0, standing: 0, lastStatus: undefined, lastAt: '', adjudications: [] };
    payer.adjudications.push(adjudication);
    if (adjudicatedAt(adjudication) > payer.lastAt) payer.lastAt = adjudicatedAt(adjudication);
    if (adjudication.statusCode === REVERSAL) payer.standing -= 1;
    else {
      payer.standing += 1;
      payer.lastStatus = adjudication.statusCode;
      const level = PAYER_LEVEL[adjudication.statusCode ?? ''] ?? 0;
      payer.level = Math.max(payer.level, level);
      if (FORWARDED.has(adjudication.statusCode ?? '')) payer.forwardedAt = Math.max(payer.forwardedAt, level);
    }
    payers.set(key, payer);
  }
  if (payers.size <= 1) return [...payers.values()][0];
  // A payer whose CLP02 names no level (4 denied) got the claim from the payer that forwarded it
  // (19/20/21 "processed as primary/secondary/tertiary, forwarded to additional payer(s)"): it is the
  // next one in the chain. Without a forward it ranks as a primary; beside another payer at that
  // place, the later of the two decides (below).
  for (const payer of payers.values()) {
    if (payer.level > 0) continue;
    const forwardedBefore = Math.max(0, ...[...payers.values()].filter((other) => other !== payer).map((other) => other.forwardedAt));
    payer.level = forwardedBefore + 1;
  }
  // Two payers at one place (a denial with no forward beside a primary's CLP02 1: the secondary the
  // practice filed with, or a plan that denied before the right primary paid): the later one is later
  // in the chain, whatever order the adjudications are listed in (the table's is by trace number, bug 129).
  const standing = [...payers.values()].filter((payer) => payer.standing > 0).sort((a, b) => b.level - a.level || (b.lastAt > a.lastAt ? 1 : b.lastAt < a.lastAt ? -1 : 0));
  // Every payer's adjudications reversed: what they add up to (zero, or what a correction left).
  return standing[0] ?? { level: 0, forwardedAt: 0, standing: 0, lastStatus: undefined, lastAt: '', adjudications: [...adjudications] };
};

/**
 * The patient's share: Σ PR over the deciding payer's adjudications that decide payment
 * (original, reversal, correction; not a predetermination or "not our claim") minus what was
 * collected. With a single payer this is Σ PR over every adjudication, as DOMAIN.md §4 says.
 */
export const patientShareCents = (adjudications: readonly AdjudicationAmounts[], collectedCents: number): number => {
  const paying = adjudications.filter((adjudication) => adjudicatesPayment(adjudication.statusCode));
  const payer = decidingPayer(paying);
  return (payer?.adjudications ?? []).reduce((sum, adjudication) => sum + adjudication.patientResponsibilityCents, 0) - collectedCents;
};

/**
 * The adjudications whose PR the patient owes (the deciding payer's): a receipt shows the other
 * payers' payments but not their PR, which the deciding payer's adjudication replaced.
 */
export const adjudicationsDecidingShare = <A extends AdjudicationAmounts>(adjudications: readonly A[]): A[] =>
  decidingPayer(adjudications.filter((adjudication) => adjudicatesPayment(adjudication.statusCode)))?.adjudications ?? [];

/**
 * Whether the deciding payer processed the claim and forwarded it to the next payer (CLP02 19, 20,
 * 21): that payer will adjudicate what the patient owes, so billing now would bill too much (a
 * practice setting, `billing.forwardedClaims`, decides whether to wait for it).
 */
export const awaitingNextPayer = (adjudications: readonly AdjudicationAmounts[]): boolean => {
  const payer = decidingPayer(adjudications.filter((adjudication) => adjudicatesPayment(adjudication.statusCode)));
  return payer !== undefined && payer.standing > 0 && FORWARDED.has(payer.lastStatus ?? '');
};

/**
 * Whether the claim waits for its secondary payer (docs/decisions/015-balance-holds.md): the deciding
 * payer processed it as primary and did not forward it (CLP02 1), and no other payer's adjudication
 * stands yet. The patient's share is then the primary's PR, which the secondary payer usually pays
 * much of (its PR replaces it, CARC 23): billing now bills too much. Whether the client has a
 * secondary plan is the caller's to say (the claim's coverage); this says only that the chain stops
 * at the primary.
 */
export const awaitingSecondaryPayer = (adjudications: readonly AdjudicationAmounts[]): boolean => {
  const paying = adjudications.filter((adjudication) => adjudicatesPayment(adjudication.statusCode));
  const payer = decidingPayer(paying);
  if (payer === undefined || payer.standing <= 0 || payer.lastStatus !== PROCESSED_AS_PRIMARY) return false;
  // Another payer that answered (its adjudication stands: a payment, or a denial, CLP02 4, which
  // comes after the primary's and so decides): the secondary has adjudicated, nothing is left to wait for.
  const standing = new Map<string, number>();
  for (const adjudication of paying) standing.set(adjudication.payerId ?? '', (standing.get(adjudication.payerId ?? '') ?? 0) + (adjudication.statusCode === REVERSAL ? -1 : 1));
  return [...standing.values()].filter((count) => count > 0).length === 1;
};

/** CLP02 4: denied. */
const DENIED = '4';

/**
 * The denial that decides the patient's share although it says nothing about it
 * (docs/decisions/015-balance-holds.md § 6): the deciding payer's standing adjudications end in a
 * denial (CLP02 4) and assign the patient nothing (Σ PR ≤ 0: every adjustment CO/OA, e.g. CO-16
 * "claim lacks information", CO-29 timely filing, CO-22 "may be covered by another payer"), while
 * another payer's adjudication stands with a share for the patient (Σ PR > 0, e.g. the primary's
 * CLP02 1 PR $34). COB would make the patient owe $0 (the later payer's PR replaces the earlier's,
 * CARC 23), but CO is never the patient's to pay nor a statement that they owe nothing (DOMAIN.md §4):
 * a denial for a fixable reason is corrected and resubmitted, and whether the patient then owes the
 * earlier payer's share or the practice writes it off is for staff. Answers the denying payer's
 * adjudications (what a release sets aside), or undefined. A denial that assigns PR (PR-27 coverage
 * terminated, PR-96 non-covered) says what the patient owes: not this.
 */
export const deniedWithoutPatientShare = <A extends AdjudicationAmounts>(adjudications: readonly A[]): A[] | undefined => {
  const paying = adjudications.filter((adjudication) => adjudicatesPayment(adjudication.statusCode));
  const payer = decidingPayer(paying);
  if (payer === undefined || payer.standing <= 0 || payer.lastStatus !== DENIED) return undefined;
  const sharePr = (list: readonly A[]) => list.reduce((sum, adjudication) => sum + adjudication.patientResponsibilityCents, 0);
  if (sharePr(payer.adjudications) > 0) return undefined;
  // Another payer whose adjudication stands and left the patient a share.
  const others = new Map<string, { standing: number; adjudications: A[] }>();
  for (const adjudication of paying) {
    const key = adjudication.payerId ?? '';
    if (payer.adjudications.includes(adjudication)) continue;
    const other = others.get(key) ?? { standing: 0, adjudications: [] };
    other.standing += adjudication.statusCode === REVERSAL ? -1 : 1;
    other.adjudications.push(adjudication);
    others.set(key, other);
  }
  return [...others.values()].some((other) => other.standing > 0 && sharePr(other.adjudications) > 0) ? payer.adjudications : undefined;
};

/**
 * The adjudications that decide a claim's balance: all but those a release of a `payer_denied` hold
 * set aside (the claim's `balanceRelease.setAside`, decision 015 § 6); a later adjudication of that
 * payer counts.
 */
export const adjudicationsCounted = <A extends { adjudicationId: string }>(setAside: readonly string[] | undefined, adjudications: readonly A[]): A[] => {
  const aside = new Set(setAside ?? []);
  return aside.size === 0 ? [...adjudications] : adjudications.filter((adjudication) => !aside.has(adjudication.adjudicationId));
};

/**
 * Why a claim's patient balance is not billed yet (the claim's `balanceHold.reason`): it waits for a
 * payer still to adjudicate it (`forwarded_claim`, `secondary_payer`), or a later payer denied it
 * with nothing for the patient while an earlier one left a share (`payer_denied`): staff decide.
 */
export const BALANCE_HOLD_REASONS = ['forwarded_claim', 'secondary_payer', 'payer_denied'] as const;
export type BalanceHoldReason = (typeof BALANCE_HOLD_REASONS)[number];

/** What decides a hold besides the adjudications: the practice's two settings and whether the claim's coverage names a secondary plan. */
export interface BalanceHoldPolicy {
  /** `billing.forwardedClaims` (absent: `hold`). */
  forwardedClaims?: 'hold' | 'invoice';
  /** `billing.secondaryClaims` (absent: `hold`). */
  secondaryClaims?: 'hold' | 'invoice';
  /** The claim's coverage names a secondary plan the practice files with. */
  hasSecondaryPlan: boolean;
  /**
   * A release (staff, the timeout) ended a hold of this claim before: it waits for no payer again
   * (`forwarded_claim`, `secondary_payer` are not found), but a later payer's denial without PR
   * still holds it (`payer_denied`: a different question, staff's).
   */
  released?: boolean;
}

/**
 * Why the patient's balance must wait, or undefined when it can be planned now: a later payer
 * denied the claim with nothing for the patient while an earlier payer's share stands
 * (`payer_denied`, `deniedWithoutPatientShare`: always, no setting); the claim was forwarded to the
 * next payer (CLP02 19/20/21, `forwarded_claim`), or processed as primary with a secondary plan on
 * file (`secondary_payer`), each while the practice's setting says `hold` and no release ended a
 * hold of the claim before. Once the next payer's adjudication stands (or the denier's corrected
 * one), the reason is gone by itself.
 */
export const balanceHoldReason = (adjudications: readonly AdjudicationAmounts[], policy: BalanceHoldPolicy): BalanceHoldReason | undefined => {
  // No setting: billing $0 (voiding or refunding what the earlier payer's share billed) on a denial
  // that names no patient share is never right by itself (decision 015 § 6).
  if (deniedWithoutPatientShare(adjudications)) return 'payer_denied';
  if (policy.released) return undefined;
  if ((policy.forwardedClaims ?? 'hold') === 'hold' && awaitingNextPayer(adjudications)) return 'forwarded_claim';
  if ((policy.secondaryClaims ?? 'hold') === 'hold' && policy.hasSecondaryPlan && awaitingSecondaryPayer(adjudications)) return 'secondary_payer';
  return undefined;
};

export type InvoiceStatus = 'pending' | 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

export interface InvoiceAmounts {
  invoiceId: string;
  status: InvoiceStatus;
  amountDueCents: number;
  amountPaidCents: number;
  /**
   * What staff wrote off on this invoice (a forgiven balance, docs/decisions/014-write-offs.md):
   * counted as billed, never as paid, so a later higher share bills only the new part and a lower
   * one refunds nothing of it.
   */
  amountWrittenOffCents?: number;
  /**
   * What a lost chargeback took back of this invoice's payment (decisions/013), already left out of
   * `amountPaidCents`: here so a plan can tell that a credit kept from that money is gone with it.
   */
  amountChargedBackCents?: number;
}

export type BalanceAction = { kind: 'invoice'; amountCents: number } | { kind: 'void'; invoiceId: string } | { kind: 'refund'; amountCents: number } | { kind: 'credit'; amountCents: number };

/** Invoices still collecting: not yet paid, voided or written off. */
export const isCollecting = (status: InvoiceStatus) => status === 'pending' || status === 'draft' || status === 'open';

/** An overpayment kept as the client's credit because the payments it would have come from were disputed. */
export interface DisputedCredit {
  keptCents: number;
  invoiceIds: readonly string[];
}

/**
 * The part of the overpayments kept as the client's credit that lost chargebacks took back (bug 99):
 * a credit kept because a payment was disputed was kept from that payment's money; when the
 * chargeback is lost the bank takes that money, the credit with it, so later plans no longer count
 * it as settled. As on the ledger (a `chargeback` entry after an `overpayment_refund_not_paid`
 * one), the chargeback takes the credit first: per credit, at most what was charged back of the
 * payments it was kept from.
 */
export const keptCreditChargedBackCents = (credits: readonly DisputedCredit[], invoices: readonly InvoiceAmounts[]): number => {
  // What each payment's chargebacks have left to take: two credits kept from one payment share it.
  const left = new Map(invoices.map((invoice) => [invoice.invoiceId, invoice.amountChargedBackCents ?? 0]));
  let taken = 0;
  for (const credit of credits) {
    let keptCents = credit.keptCents;
    for (const invoiceId of credit.invoiceIds) {
      const part = Math.max(0, Math.min(keptCents, left.get(invoiceId) ?? 0));
      left.set(invoiceId, (left.get(invoiceId) ?? 0) - part);
      keptCents -= part;
      taken += part;
    }
  }
  return taken;
};

/**
 * What to do so that what the client is billed equals their share:
 * - nothing billed yet and a share → invoice it; share rose → invoice the difference;
 * - share fell → void the open invoices, invoice what is still owed beyond what was paid and
 *   written off, and refund (or keep as credit, a practice setting) what was paid beyond the share;
 * - zero or negative share and nothing billed → nothing.
 * An uncollectible invoice counts as billed: the practice decided to stop chasing it.
 */
export const planBalance = (
  shareCents: number,
  invoices: readonly InvoiceAmounts[],
  overpayment: 'refund' | 'credit',
  /** Overpayments already refunded or kept as credit: no longer counted as paid. */
  settledOverpaymentCents = 0,
  /** The part of those kept as the client's credit that lost chargebacks took back (`keptCreditChargedBackCents`): counted as paid no more. */
  creditChargedBackCents = 0,
): BalanceAction[] => {
  const target = Math.max(0, shareCents);
  const paid = invoices.filter((invoice) => invoice.status === 'paid').reduce((sum, invoice) => sum + invoice.amountPaidCents, 0) - (settledOverpaymentCents - creditChargedBackCents);
  const collecting = invoices.filter((invoice) => isCollecting(invoice.status));
  const writtenOff = invoices.reduce((sum, invoice) => sum + (invoice.amountWrittenOffCents ?? 0), 0);
  const billed =
    writtenOff +
    paid +
    collecting.reduce((sum, invoice) => sum + invoice.amountDueCents, 0) +
    invoices.filter((invoice) => invoice.status === 'uncollectible').reduce((sum, invoice) => sum + invoice.amountDueCents, 0);
  if (target === billed) return [];
  if (target > billed) return [{ kind: 'invoice', amountCents: target - billed }];
  const actions: BalanceAction[] = collecting.map((invoice) => ({ kind: 'void', invoiceId: invoice.invoiceId }));
  const stillOwed = target - paid - writtenOff;
  if (stillOwed > 0) actions.push({ kind: 'invoice', amountCents: stillOwed });
  // A fall in the share takes the written-off part first: only money paid beyond the share goes back.
  if (stillOwed < 0 && paid > target) actions.push({ kind: overpayment, amountCents: paid - target });
  return actions;
};
