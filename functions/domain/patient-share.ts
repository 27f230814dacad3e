import { adjudicatesPayment } from './era835/status';

/**
 * The patient's share of a claim and what to do about it (DOMAIN.md §1, §4). Pure: the invoicer
 * feeds it what is stored and carries out the plan.
 */
export interface AdjudicationAmounts {
  /** CLP02: a predetermination (25) or "not our claim" (23) adjudicates no payment and adds nothing. */
  statusCode?: string;
  chargeCents: number;
  paidCents: number;
  patientResponsibilityCents: number;
}

/**
 * Σ PR over every adjudication of the claim that decides payment (original, reversal, correction;
 * not a predetermination or "not our claim") minus what was collected.
 */
export const patientShareCents = (adjudications: readonly AdjudicationAmounts[], collectedCents: number): number =>
  adjudications.filter((adjudication) => adjudicatesPayment(adjudication.statusCode)).reduce((sum, adjudication) => sum + adjudication.patientResponsibilityCents, 0) - collectedCents;

export type InvoiceStatus = 'pending' | 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

export interface InvoiceAmounts {
  invoiceId: string;
  status: InvoiceStatus;
  amountDueCents: number;
  amountPaidCents: number;
}

export type BalanceAction =
  | { kind: 'invoice'; amountCents: number }
  | { kind: 'void'; invoiceId: string }
  | { kind: 'refund'; amountCents: number }
  | { kind: 'credit'; amountCents: number };

/** Invoices still collecting: not yet paid, voided or written off. */
export const isCollecting = (status: InvoiceStatus) => status === 'pending' || status === 'draft' || status === 'open';

/**
 * What to do so that what the client is billed equals their share:
 * - nothing billed yet and a share → invoice it; share rose → invoice the difference;
 * - share fell → void the open invoices, invoice what is still owed beyond what was paid, and
 *   refund (or keep as credit, a practice setting) what was paid beyond the share;
 * - zero or negative share and nothing billed → nothing.
 * An uncollectible invoice counts as billed: the practice decided to stop chasing it.
 */
export const planBalance = (
  shareCents: number,
  invoices: readonly InvoiceAmounts[],
  overpayment: 'refund' | 'credit',
  /** Overpayments already refunded or kept as credit: no longer counted as paid. */
  settledOverpaymentCents = 0,
): BalanceAction[] => {
  const target = Math.max(0, shareCents);
  const paid = invoices.filter((invoice) => invoice.status === 'paid').reduce((sum, invoice) => sum + invoice.amountPaidCents, 0) - settledOverpaymentCents;
  const collecting = invoices.filter((invoice) => isCollecting(invoice.status));
  const billed = paid + collecting.reduce((sum, invoice) => sum + invoice.amountDueCents, 0)
    + invoices.filter((invoice) => invoice.status === 'uncollectible').reduce((sum, invoice) => sum + invoice.amountDueCents, 0);
  if (target === billed) return [];
  if (target > billed) return [{ kind: 'invoice', amountCents: target - billed }];
  const actions: BalanceAction[] = collecting.map((invoice) => ({ kind: 'void', invoiceId: invoice.invoiceId }));
  const stillOwed = target - paid;
  if (stillOwed > 0) actions.push({ kind: 'invoice', amountCents: stillOwed });
  if (stillOwed < 0) actions.push({ kind: overpayment, amountCents: -stillOwed });
  return actions;
};
