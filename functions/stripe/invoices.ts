/** Stripe Invoices, their items and payments: "Balance after insurance" and opaque ids only. */
import type Stripe from 'stripe';
import { call, collect, guarded, listAll, requestOptions, type StripeScope } from './gateway';

/**
 * stripe-node 23 leaves its enums open (`'send_invoice' | … | OtherString`), so a wrong value would
 * compile: the enums kneadpay sets are closed here.
 */
export type InvoiceCreate = Stripe.InvoiceCreateParams & { collection_method?: 'charge_automatically' | 'send_invoice' };

export const createInvoice = (scope: StripeScope, params: InvoiceCreate, idempotencyKey: string): Promise<Stripe.Invoice> =>
  call(scope, 'create the invoice', () => scope.stripe.invoices.create(guarded(params, 'invoice'), requestOptions(scope, idempotencyKey)));

export const createInvoiceItem = (scope: StripeScope, params: Stripe.InvoiceItemCreateParams, idempotencyKey: string): Promise<Stripe.InvoiceItem> =>
  call(scope, 'add the invoice line', () => scope.stripe.invoiceItems.create(guarded(params, 'invoice item'), requestOptions(scope, idempotencyKey)));

export const retrieveInvoice = (scope: StripeScope, id: string): Promise<Stripe.Invoice> => call(scope, 'read the invoice', () => scope.stripe.invoices.retrieve(id, {}, requestOptions(scope)));

export const finalizeInvoice = (scope: StripeScope, id: string, params: Stripe.InvoiceFinalizeInvoiceParams, idempotencyKey: string): Promise<Stripe.Invoice> =>
  call(scope, 'finalize the invoice', () => scope.stripe.invoices.finalizeInvoice(id, guarded(params, 'invoice finalization'), requestOptions(scope, idempotencyKey)));

/** A draft is deleted (DELETE is idempotent by nature: no key). */
export const deleteDraftInvoice = (scope: StripeScope, id: string): Promise<Stripe.DeletedInvoice> =>
  call(scope, 'delete the draft invoice', () => scope.stripe.invoices.del(id, {}, requestOptions(scope)));

export const voidInvoice = (scope: StripeScope, id: string, idempotencyKey: string): Promise<Stripe.Invoice> =>
  call(scope, 'void the invoice', () => scope.stripe.invoices.voidInvoice(id, {}, requestOptions(scope, idempotencyKey)));

/** The customer's invoice whose metadata says `invoiceId` (our record missed Stripe's answer). */
export const findInvoiceByMetadata = async (scope: StripeScope, customer: string, invoiceId: string): Promise<Stripe.Invoice | undefined> =>
  (
    await collect(
      scope,
      'list invoices',
      () => scope.stripe.invoices.list({ customer, limit: 100 }, requestOptions(scope)),
      (invoice) => invoice.metadata?.invoiceId === invoiceId,
      true,
    )
  )[0];

export const findInvoiceItemByMetadata = async (scope: StripeScope, stripeInvoiceId: string, invoiceId: string): Promise<Stripe.InvoiceItem | undefined> =>
  (
    await collect(
      scope,
      'list invoice items',
      () => scope.stripe.invoiceItems.list({ invoice: stripeInvoiceId, limit: 100 }, requestOptions(scope)),
      (item) => item.metadata?.invoiceId === invoiceId,
      true,
    )
  )[0];

/**
 * Every payment of a Stripe invoice, every page, newest first: with partial payments
 * (docs.stripe.com/invoicing/partial-payments) an invoice can hold more than one page, and the one
 * that paid may be the oldest (bug 143).
 */
export const listInvoicePayments = async (scope: StripeScope, stripeInvoiceId: string): Promise<Stripe.InvoicePayment[]> =>
  listAll(scope, 'list the invoice payments', () => scope.stripe.invoicePayments.list({ invoice: stripeInvoiceId, limit: 100 }, requestOptions(scope)));

/**
 * The Stripe invoice a payment intent paid, if any: `GET /v1/invoice_payments` filtered by
 * `payment[type]=payment_intent` and `payment[payment_intent]` (Stripe's API reference, "List all
 * payments for an invoice"), then the invoice itself for its metadata. A charge names only its payment
 * intent, so this is how a refund or dispute of a charge finds the balance invoice it paid.
 */
export const findInvoiceOfPaymentIntent = async (scope: StripeScope, paymentIntent: string): Promise<Stripe.Invoice | undefined> => {
  const payments = (
    await call(scope, 'list the invoice payments of a payment intent', () =>
      scope.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntent }, limit: 10 }, requestOptions(scope)),
    )
  ).data;
  const paid = payments.find((payment) => payment.status === 'paid') ?? payments[0];
  if (!paid) return undefined;
  const invoice = typeof paid.invoice === 'string' ? paid.invoice : paid.invoice?.id;
  return invoice ? retrieveInvoice(scope, invoice) : undefined;
};

/**
 * A pre-payment credit note on a finalized, unpaid invoice: it lowers the invoice's `amount_due` and
 * `amount_remaining` by `amount` (Stripe's API reference, "Create a credit note"), so the hosted page
 * asks for the rest. `email_type: 'none'`: Stripe emails the customer a credit note by default.
 * Opaque ids only in `metadata` (the PHI guard); no `reason` or `memo` (both shown to the customer).
 */
export const createCreditNote = (scope: StripeScope, params: Stripe.CreditNoteCreateParams & { email_type: 'credit_note' | 'none' }, idempotencyKey: string): Promise<Stripe.CreditNote> =>
  call(scope, 'issue the credit note', () => scope.stripe.creditNotes.create(guarded(params, 'credit note'), requestOptions(scope, idempotencyKey)));

/** The invoice's credit note whose metadata names `writeOffId` (a crash lost Stripe's answer). */
export const findCreditNoteByMetadata = async (scope: StripeScope, stripeInvoiceId: string, writeOffId: string): Promise<Stripe.CreditNote | undefined> =>
  (
    await collect(
      scope,
      'list credit notes',
      () => scope.stripe.creditNotes.list({ invoice: stripeInvoiceId, limit: 100 }, requestOptions(scope)),
      (note) => note.metadata?.writeOffId === writeOffId && note.status === 'issued',
      true,
    )
  )[0];
