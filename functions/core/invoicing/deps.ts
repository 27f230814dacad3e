/** What invoicing needs (deps, injectable for tests) and the step boundaries tests inject crashes at. */
import type { Stripe } from '../../stripe/types';
import type { Logger } from '../../shared/logger';
import type { Store } from '../../store/table';
import { invoiceStoreOn, type InvoiceStore } from './ports';

/** The saga's step boundaries; tests inject a crash after each (a real crash cannot be scheduled). */
export const INVOICE_STEPS = ['plan', 'create', 'line', 'finalize', 'email'] as const;

/**
 * The boundaries inside those steps, where a write or an answer is not yet followed by its record:
 * `adjudication-recorded` (an adjudication from another claims system recorded, not yet planned),
 * `invoice-answered` (Stripe made the invoice, or it was found by metadata), `line-answered`,
 * `finalize-answered`, `issued` (PatientBalanceInvoiced committed, the email lease not yet taken)
 * and `email-sent` (SES accepted the email: the one boundary where a retry after the send lease has
 * lapsed sends it again, as SES takes no idempotency key).
 */
export const INVOICE_INNER_STEPS = ['adjudication-recorded', 'invoice-answered', 'line-answered', 'finalize-answered', 'issued', 'email-sent'] as const;
export type InvoiceStep = (typeof INVOICE_STEPS)[number] | (typeof INVOICE_INNER_STEPS)[number];

/**
 * The overpayment refund's step boundaries, after the plan recorded it `pending`: `refund` — Stripe
 * made (or already had) the refund, not recorded yet; `record` — the record says `sent` with its id.
 */
export const REFUND_STEPS = ['refund', 'record'] as const;
export type RefundStep = (typeof REFUND_STEPS)[number];

export interface InvoicingDeps {
  store: Store;
  /** Storage, through its port (default: `invoiceStoreOn(store)`). */
  invoices?: InvoiceStore;
  stripe: () => Promise<Stripe>;
  publicUrl: string;
  logger?: Logger;
  /**
   * Crash injection for reliability tests: called after each step has been recorded
   * (`INVOICE_STEPS`), and inside them, after a write or an answer and before its record (`INVOICE_INNER_STEPS`).
   */
  after?: (step: InvoiceStep, invoiceId: string | null) => void | Promise<void>;
  /** The same for the overpayment refunds driven after the plan (REFUND_STEPS). */
  afterRefund?: (step: RefundStep, refundId: string) => void | Promise<void>;
}

/** The store port of these deps: the one given, or DynamoDB's on `deps.store`. */
export const invoicesOf = (deps: InvoicingDeps): InvoiceStore => deps.invoices ?? invoiceStoreOn(deps.store);
