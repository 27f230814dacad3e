/**
 * Invoices (one-off, `send_invoice` or `charge_automatically`), invoice items and lines
 * (`POST /v1/invoiceitems`, `POST /v1/invoices/:id/add_lines`), the lifecycle
 * draft → open → paid | void | uncollectible with `amount_due`/`amount_paid`/`amount_remaining`,
 * invoice payments (the `payments` list that replaced `payment_intent` in recent API versions) and
 * credit notes (pre-payment lowers what is due; post-payment refunds, credits the customer's
 * balance or records an out-of-band amount).
 */
import type Stripe from 'stripe';
import { checkApplicationFee } from './fees';
import { cardDeclined, invalidRequest, paramError } from '../errors';
import { newId } from '../ids';
import { embeddedList, paginate } from '../list';
import { arr, bool, common, decimal, emptyable, inRange, int, listing, mergeMetadata, metadata, obj, paramsFor, required, str } from '../params';
import { route } from '../route';
import type { Ctx } from '../state';
import { decimalString } from './catalog';
import { checkAmount, currencyOf, minimumChargeOf, need, previousAttributes } from './common';
import { attemptPayment, createPaymentIntent, createRefund, instrument, settlePayment, type Instrument } from './payments';

const DAY = 86_400;

// ---- invoice items and lines ------------------------------------------------------------------

const itemsOf = (ctx: Ctx, invoiceId: string): Stripe.InvoiceItem[] => ctx.state.store.list('invoiceitem', ctx.account, (item) => item.invoice === invoiceId).reverse();

const lineOf = (ctx: Ctx, item: Stripe.InvoiceItem, invoiceId: string): Stripe.InvoiceLineItem => {
  let lineId = ctx.state.invoiceLineIds.get(item.id);
  if (!lineId) {
    lineId = newId('il', 24);
    ctx.state.invoiceLineIds.set(item.id, lineId);
  }
  return {
    id: lineId,
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: { ...(item.metadata ?? {}) },
    parent: {
      type: 'invoice_item_details',
      invoice_item_details: { invoice_item: item.id, proration: false, proration_details: { credited_items: null }, subscription: null },
      subscription_item_details: null,
    },
    period: { ...item.period },
    pretax_credit_amounts: [],
    pricing: item.pricing ? structuredClone(item.pricing) : null,
    quantity: item.quantity,
    quantity_decimal: decimalString(item.quantity),
    subscription: null,
    subtotal: item.amount,
    taxes: [],
  };
};

export const invoiceLines = (ctx: Ctx, invoice: Stripe.Invoice): Stripe.InvoiceLineItem[] => itemsOf(ctx, invoice.id).map((item) => lineOf(ctx, item, invoice.id));

/** Recomputes lines and totals while a draft; after finalization only what is owed changes. */
const recompute = (ctx: Ctx, invoice: Stripe.Invoice) => {
  if (invoice.status === 'draft') {
    const lines = invoiceLines(ctx, invoice);
    const total = lines.reduce((sum, line) => sum + line.amount, 0);
    invoice.lines = embeddedList(lines, `/v1/invoices/${invoice.id}/lines`);
    invoice.subtotal = total;
    invoice.subtotal_excluding_tax = total;
    invoice.total = total;
    invoice.total_excluding_tax = total;
    invoice.amount_due = Math.max(0, total);
    invoice.amount_remaining = invoice.amount_due;
    return;
  }
  invoice.amount_remaining = Math.max(0, invoice.amount_due - invoice.amount_paid);
};

const itemFields = {
  amount: int(),
  currency: str(),
  description: str(),
  discountable: bool(),
  metadata: metadata(),
  period: obj({ start: required(int()), end: required(int()) }),
  price_data: obj({
    currency: required(str()),
    product: required(str()),
    unit_amount: int(),
    unit_amount_decimal: decimal(),
    tax_behavior: str({ values: ['exclusive', 'inclusive', 'unspecified'] }),
  }),
  pricing: obj({ price: str() }),
  quantity: int({ min: 0 }),
  unit_amount_decimal: decimal(),
};

type ItemInput = {
  amount?: number;
  currency?: string;
  description?: string;
  discountable?: boolean;
  metadata?: Record<string, string> | null;
  period?: { start: number; end: number };
  price_data?: { currency: string; product: string; unit_amount?: number; unit_amount_decimal?: string };
  pricing?: { price?: string };
  quantity?: number;
  unit_amount_decimal?: string;
};

const createItem = (ctx: Ctx, p: ItemInput, customer: string, invoice: Stripe.Invoice | null, at = ''): Stripe.InvoiceItem => {
  const name = (field: string) => (at ? `${at}[${field}]` : field);
  const sources = [p.amount !== undefined, p.price_data !== undefined, p.pricing?.price !== undefined, p.unit_amount_decimal !== undefined].filter(Boolean).length;
  if (sources === 0) throw paramError(`Missing required param: ${name('amount')}.`, name('amount'), 'parameter_missing');
  if (sources > 1)
    throw paramError(
      `You may only specify one of these parameters: ${['amount', 'price_data', 'pricing[price]', 'unit_amount_decimal'].map(name).join(', ')}.`,
      name('amount'),
      'parameters_exclusive',
    );
  const quantity = p.quantity ?? 1;
  let unitAmount: number;
  let currency: string;
  let priceDetails: { price: string; product: string } | undefined;
  if (p.pricing?.price) {
    const price = need(ctx, 'price', p.pricing.price, name('pricing[price]'));
    if (price.type !== 'one_time') throw invalidRequest('Only one-time prices can be used on invoice items.', { param: name('pricing[price]') });
    unitAmount = price.unit_amount ?? 0;
    currency = price.currency;
    priceDetails = { price: price.id, product: typeof price.product === 'string' ? price.product : price.product.id };
  } else if (p.price_data) {
    need(ctx, 'product', p.price_data.product, name('price_data[product]'));
    unitAmount = p.price_data.unit_amount ?? Math.round(Number(p.price_data.unit_amount_decimal ?? 0));
    currency = currencyOf(p.price_data.currency, name('price_data[currency]'));
  } else if (p.unit_amount_decimal !== undefined) {
    unitAmount = Math.round(Number(p.unit_amount_decimal));
    currency = currencyOf(p.currency ?? invoice?.currency ?? '', name('currency'));
  } else {
    const amount = p.amount ?? 0;
    if (Math.abs(amount) > 99_999_999) checkAmount(Math.abs(amount), name('amount'));
    if (!p.currency && !invoice) throw paramError(`Missing required param: ${name('currency')}.`, name('currency'), 'parameter_missing');
    currency = p.currency ? currencyOf(p.currency, name('currency')) : (invoice?.currency ?? 'usd');
    unitAmount = quantity === 0 ? 0 : amount / quantity;
    if (p.quantity !== undefined && p.quantity !== 1) throw paramError(`You cannot pass \`quantity\` with \`amount\`; use \`unit_amount_decimal\` or a price instead.`, name('quantity'));
  }
  if (invoice && currency !== invoice.currency)
    throw invalidRequest(`The currency of the invoice item (${currency}) must match the currency of the invoice (${invoice.currency}).`, {
      param: name('currency'),
    });
  const now = ctx.state.now();
  const amount = p.amount ?? Math.round(unitAmount * quantity);
  const item: Stripe.InvoiceItem = {
    id: newId('ii', 24),
    object: 'invoiceitem',
    amount,
    currency,
    customer,
    customer_account: null,
    date: now,
    description: p.description ?? null,
    discountable: p.discountable ?? true,
    discounts: [],
    invoice: invoice?.id ?? null,
    livemode: false,
    metadata: mergeMetadata({}, p.metadata),
    parent: null,
    period: p.period ? { ...p.period } : { start: now, end: now },
    pricing: {
      type: 'price_details',
      ...(priceDetails ? { price_details: priceDetails } : {}),
      unit_amount_decimal: decimalString(unitAmount),
    },
    proration: false,
    quantity,
    quantity_decimal: decimalString(quantity),
    tax_rates: [],
    test_clock: null,
  };
  ctx.state.store.insert('invoiceitem', ctx.account, item);
  ctx.state.emit(ctx, 'invoiceitem.created', item);
  if (invoice) recompute(ctx, invoice);
  return item;
};

const editableDraft = (invoice: Stripe.Invoice, what: string) => {
  if (invoice.status !== 'draft')
    throw invalidRequest(`You can't ${what} invoice ${invoice.id} because it is no longer a draft (status ${invoice.status}).`, {
      code: 'invoice_not_editable',
    });
};

// ---- payments ---------------------------------------------------------------------------------

const openPaymentOf = (ctx: Ctx, invoice: Stripe.Invoice): Stripe.InvoicePayment | undefined =>
  ctx.state.store.list('invoice_payment', ctx.account, (p) => p.invoice === invoice.id && p.status === 'open')[0];

const intentOf = (ctx: Ctx, payment: Stripe.InvoicePayment): Stripe.PaymentIntent | undefined => {
  const id = typeof payment.payment.payment_intent === 'string' ? payment.payment.payment_intent : payment.payment.payment_intent?.id;
  return id ? ctx.state.store.get('payment_intent', id, ctx.account) : undefined;
};

const emitPaid = (ctx: Ctx, invoice: Stripe.Invoice, payment?: Stripe.InvoicePayment) => {
  if (payment) ctx.state.emit(ctx, 'invoice_payment.paid', payment);
  ctx.state.emit(ctx, 'invoice.paid', invoice);
  ctx.state.emit(ctx, 'invoice.payment_succeeded', invoice);
};

const markPaid = (ctx: Ctx, invoice: Stripe.Invoice, amount: number, payment?: Stripe.InvoicePayment, outOfBand = false) => {
  invoice.amount_paid += amount;
  if (outOfBand) invoice.amount_paid_off_stripe = (invoice.amount_paid_off_stripe ?? 0) + amount;
  invoice.status = 'paid';
  invoice.status_transitions.paid_at = ctx.state.now();
  recompute(ctx, invoice);
  if (payment) {
    payment.status = 'paid';
    payment.amount_paid = amount;
    payment.status_transitions.paid_at = ctx.state.now();
  }
  const customer = ctx.state.store.get('customer', String(invoice.customer), ctx.account);
  if (customer) customer.delinquent = false;
  emitPaid(ctx, invoice, payment);
};

export type InvoicePayResult = { status: 'paid' | 'declined' | 'processing'; invoice: Stripe.Invoice; message: string; charge?: Stripe.Charge };

/** One payment attempt on an open (or uncollectible) invoice, with the events Stripe emits. */
export const payInvoice = (ctx: Ctx, invoice: Stripe.Invoice, method: Instrument, billing: { email?: string; name?: string } = {}): InvoicePayResult => {
  if (invoice.status === 'draft') finalize(ctx, invoice);
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible')
    throw invalidRequest(`Invoice ${invoice.id} is ${invoice.status}; only open or uncollectible invoices can be paid.`, {
      code: 'status_transition_invalid',
      status: 409,
    });
  let payment = openPaymentOf(ctx, invoice);
  let intent = payment ? intentOf(ctx, payment) : undefined;
  if (intent?.status === 'processing') throw invalidRequest(`Invoice ${invoice.id} already has a payment processing.`, { code: 'status_transition_invalid', status: 409 });
  if (!payment || !intent || intent.status !== 'requires_payment_method') {
    intent = createPaymentIntent(ctx, {
      amount: invoice.amount_remaining,
      currency: invoice.currency,
      customer: typeof invoice.customer === 'string' ? invoice.customer : (invoice.customer?.id ?? null),
      description: `Payment for Invoice ${invoice.number ?? invoice.id}`,
      receipt_email: invoice.customer_email,
    });
    payment = {
      id: newId('inpay', 24),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: invoice.amount_remaining,
      created: ctx.state.now(),
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: intent.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    };
    ctx.state.store.insert('invoice_payment', ctx.account, payment);
  }
  const { outcome, charge } = attemptPayment(ctx, intent, method, {
    email: billing.email ?? invoice.customer_email,
    name: billing.name ?? invoice.customer_name,
  });
  invoice.attempted = true;
  invoice.attempt_count += 1;
  if (outcome === 'succeeded') {
    markPaid(ctx, invoice, intent.amount, payment);
    return { status: 'paid', invoice, message: 'Invoice paid.', charge };
  }
  if (outcome === 'processing') return { status: 'processing', invoice, message: 'Payment submitted: your bank debit is processing.', charge };
  invoice.next_payment_attempt = null;
  ctx.state.emit(ctx, 'invoice.payment_failed', invoice);
  return { status: 'declined', invoice, message: intent.last_payment_error?.message ?? 'Your card was declined.', charge };
};

/** Ends a delayed invoice payment. */
export const settleInvoice = (ctx: Ctx, invoice: Stripe.Invoice, succeeded: boolean): Stripe.Invoice => {
  const payment = openPaymentOf(ctx, invoice);
  const intent = payment ? intentOf(ctx, payment) : undefined;
  if (!payment || !intent || intent.status !== 'processing') throw invalidRequest(`Invoice ${invoice.id} has no delayed payment processing.`, { code: 'status_transition_invalid', status: 409 });
  settlePayment(ctx, intent, succeeded);
  if (succeeded) markPaid(ctx, invoice, intent.amount, payment);
  else ctx.state.emit(ctx, 'invoice.payment_failed', invoice);
  return invoice;
};

// ---- lifecycle --------------------------------------------------------------------------------

const finalize = (ctx: Ctx, invoice: Stripe.Invoice) => {
  editableDraft(invoice, 'finalize');
  recompute(ctx, invoice);
  const now = ctx.state.now();
  const customer = need(ctx, 'customer', String(invoice.customer));
  invoice.customer_email = customer.email;
  invoice.customer_name = customer.name ?? null;
  invoice.customer_phone = customer.phone ?? null;
  invoice.customer_address = customer.address ?? null;
  // Customer balance: a credit (negative) lowers what is due, a debit raises it.
  const balanced = invoice.total + customer.balance;
  invoice.starting_balance = customer.balance;
  invoice.ending_balance = Math.min(0, balanced);
  customer.balance = invoice.ending_balance;
  invoice.amount_due = Math.max(0, balanced);
  invoice.amount_remaining = invoice.amount_due;
  invoice.number = ctx.state.nextInvoiceNumber(customer.id, customer.invoice_prefix ?? 'INV');
  customer.next_invoice_sequence = (customer.next_invoice_sequence ?? 1) + 1;
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  if (invoice.due_date !== null) invoice.due_date = now + (invoice.due_date - invoice.created);
  invoice.hosted_invoice_url = `${ctx.state.baseUrl}/invoice/${invoice.id}`;
  invoice.invoice_pdf = null;
  // Stripe: an amount due below the currency's minimum charge is not collected. The invoice is
  // marked paid with nothing paid and the amount moves to the customer's balance as a debit
  // (`invoice_too_small`), added to the next invoice (docs.stripe.com/api/invoices; /billing/customer/balance).
  if (invoice.amount_due > 0 && invoice.amount_due < minimumChargeOf(invoice.currency)) {
    customer.balance += invoice.amount_due;
    invoice.ending_balance = customer.balance;
    invoice.amount_due = 0;
    invoice.amount_remaining = 0;
  }
  ctx.state.emit(ctx, 'invoice.finalized', invoice);
  if (invoice.amount_due === 0) markPaid(ctx, invoice, 0);
};

/**
 * `days_until_due` (docs.stripe.com/api/invoices/create and /update; stripe/openapi spec3.json:
 * `"type": "integer"`, no minimum or maximum published): "The number of days from which the invoice
 * is created until it is due. Only valid for invoices where `collection_method=send_invoice`. This
 * field can only be updated on `draft` invoices." Stripe publishes no upper limit, so the emulator
 * sets none (it used to refuse past 3650, a limit of its own). It refuses a negative count: that is a
 * due date in the past, which Stripe refuses for `due_date` ("must be an integer Unix timestamp in
 * the future"); the negative case itself is not documented (docs/local.md lists it as inferred).
 */
const DAYS_UNTIL_DUE = int({ min: 0 });

const createFields = paramsFor<Stripe.InvoiceCreateParams>()({
  ...common,
  customer: required(str()),
  auto_advance: bool(),
  collection_method: str({ values: ['charge_automatically', 'send_invoice'] }),
  days_until_due: DAYS_UNTIL_DUE,
  due_date: int(),
  description: str({ maxLength: 1500 }),
  metadata: metadata(),
  currency: str(),
  footer: str({ maxLength: 5000 }),
  custom_fields: emptyable(arr(obj({ name: required(str({ maxLength: 40 })), value: required(str({ maxLength: 140 })) }), 4)),
  pending_invoice_items_behavior: str({ values: ['exclude', 'include'] }),
  statement_descriptor: str({ maxLength: 22 }),
  application_fee_amount: int({ min: 0 }),
});
const updateFields = paramsFor<Stripe.InvoiceUpdateParams>()({
  ...common,
  auto_advance: bool(),
  collection_method: str({ values: ['charge_automatically', 'send_invoice'] }),
  days_until_due: DAYS_UNTIL_DUE,
  due_date: int(),
  description: emptyable(str({ maxLength: 1500 })),
  metadata: metadata(),
  footer: emptyable(str({ maxLength: 5000 })),
  custom_fields: emptyable(arr(obj({ name: required(str({ maxLength: 40 })), value: required(str({ maxLength: 140 })) }), 4)),
  statement_descriptor: emptyable(str({ maxLength: 22 })),
});
const listFields = paramsFor<Stripe.InvoiceListParams>()({
  ...listing,
  customer: str(),
  status: str({ values: ['draft', 'open', 'paid', 'uncollectible', 'void'] }),
  collection_method: str({ values: ['charge_automatically', 'send_invoice'] }),
  due_date: int(),
});
const finalizeFields = paramsFor<Stripe.InvoiceFinalizeInvoiceParams>()({ ...common, auto_advance: bool() });
const payFields = paramsFor<Stripe.InvoicePayParams>()({ ...common, paid_out_of_band: bool(), payment_method: str() });
const attachPaymentFields = paramsFor<Stripe.InvoiceAttachPaymentParams>()({ ...common, payment_intent: required(str()) });
const addLinesFields = paramsFor<Stripe.InvoiceAddLinesParams>()({
  ...common,
  lines: required(
    arr(
      obj({
        amount: int(),
        description: str(),
        discountable: bool(),
        invoice_item: str(),
        metadata: metadata(),
        period: obj({ start: required(int()), end: required(int()) }),
        price_data: itemFields.price_data,
        pricing: itemFields.pricing,
        quantity: int({ min: 0 }),
      }),
      250,
    ),
  ),
  invoice_metadata: metadata(),
});
const linesListFields = paramsFor<Stripe.InvoiceListLineItemsParams>()({
  expand: common.expand,
  limit: listing.limit,
  starting_after: listing.starting_after,
  ending_before: listing.ending_before,
});

const itemCreateFields = paramsFor<Stripe.InvoiceItemCreateParams>()({ ...common, ...itemFields, customer: str(), invoice: str() });
const itemUpdateFields = paramsFor<Stripe.InvoiceItemUpdateParams>()({
  ...common,
  amount: int(),
  description: str(),
  discountable: bool(),
  metadata: metadata(),
  period: itemFields.period,
  quantity: int({ min: 0 }),
});
const itemListFields = paramsFor<Stripe.InvoiceItemListParams>()({ ...listing, customer: str(), invoice: str(), pending: bool() });

const paymentListFields = paramsFor<Stripe.InvoicePaymentListParams>()({
  ...listing,
  invoice: str(),
  // Stripe's API reference (List all payments for an invoice): `payment` filters by the payment
  // behind it, `type` required (payment_intent or payment_record); how a charge leads to its invoice.
  payment: obj({ type: required(str({ values: ['payment_intent', 'payment_record'] })), payment_intent: str(), payment_record: str() }),
  status: str({ values: ['canceled', 'open', 'paid'] }),
});

const customerOf = (invoice: Stripe.Invoice): string => (typeof invoice.customer === 'string' ? invoice.customer : (invoice.customer?.id ?? ''));

export const invoiceRoutes = [
  route('POST', '/v1/invoiceitems', itemCreateFields, (ctx, p) => {
    const invoice = p.invoice ? need(ctx, 'invoice', p.invoice, 'invoice') : null;
    if (invoice) editableDraft(invoice, 'add an invoice item to');
    if (!p.customer && !invoice) throw paramError('Missing required param: customer.', 'customer', 'parameter_missing');
    const customer = p.customer ? need(ctx, 'customer', p.customer, 'customer').id : customerOf(invoice as Stripe.Invoice);
    if (invoice && customer !== customerOf(invoice)) throw invalidRequest(`Invoice ${invoice.id} belongs to a different customer.`, { param: 'invoice' });
    const { customer: _c, invoice: _i, expand: _e, ...input } = p;
    return createItem(ctx, input, customer, invoice);
  }),
  route('GET', '/v1/invoiceitems/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'invoiceitem', id)),
  route('POST', '/v1/invoiceitems/:id', itemUpdateFields, (ctx, p, { id = '' }) => {
    const item = need(ctx, 'invoiceitem', id);
    const invoice = typeof item.invoice === 'string' ? ctx.state.store.get('invoice', item.invoice, ctx.account) : undefined;
    if (invoice) editableDraft(invoice, 'update an invoice item on');
    if (p.amount !== undefined) item.amount = p.amount;
    if (p.quantity !== undefined) {
      const unit = Number(item.pricing?.unit_amount_decimal ?? 0);
      item.quantity = p.quantity;
      item.quantity_decimal = decimalString(p.quantity);
      if (p.amount === undefined) item.amount = Math.round(unit * p.quantity);
    }
    if (p.description !== undefined) item.description = p.description;
    if (p.discountable !== undefined) item.discountable = p.discountable;
    if (p.period !== undefined) item.period = { ...p.period };
    if (p.metadata !== undefined) item.metadata = mergeMetadata(item.metadata, p.metadata);
    if (invoice) recompute(ctx, invoice);
    return item;
  }),
  route('DELETE', '/v1/invoiceitems/:id', {}, (ctx, _p, { id = '' }) => {
    const item = need(ctx, 'invoiceitem', id);
    const invoice = typeof item.invoice === 'string' ? ctx.state.store.get('invoice', item.invoice, ctx.account) : undefined;
    if (invoice) editableDraft(invoice, 'delete an invoice item from');
    ctx.state.store.markDeleted(id);
    ctx.state.emit(ctx, 'invoiceitem.deleted', item);
    if (invoice) recompute(ctx, invoice);
    const deleted: Stripe.DeletedInvoiceItem = { id, object: 'invoiceitem', deleted: true };
    return deleted;
  }),
  route('GET', '/v1/invoiceitems', itemListFields, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'invoiceitem',
        ctx.account,
        (x) =>
          (p.customer === undefined || x.customer === p.customer) &&
          (p.invoice === undefined || x.invoice === p.invoice) &&
          (p.pending === undefined || (x.invoice === null) === p.pending) &&
          inRange(x.date, p.created),
      ),
      p,
      '/v1/invoiceitems',
      'invoiceitem',
    ),
  ),

  route('POST', '/v1/invoices', createFields, (ctx, p) => {
    const customer = need(ctx, 'customer', p.customer, 'customer');
    const method = p.collection_method ?? 'charge_automatically';
    if (method === 'send_invoice' && p.days_until_due === undefined && p.due_date === undefined)
      throw paramError('Missing required param: days_until_due (or due_date) when collection_method is send_invoice.', 'days_until_due', 'parameter_missing');
    if (method !== 'send_invoice' && (p.days_until_due !== undefined || p.due_date !== undefined))
      throw invalidRequest('You can only set `days_until_due` or `due_date` if `collection_method` is `send_invoice`.', {
        param: p.days_until_due !== undefined ? 'days_until_due' : 'due_date',
      });
    // Stripe emails a send_invoice invoice to the Customer, so it refuses one for a customer without an email.
    if (method === 'send_invoice' && !customer.email)
      throw invalidRequest('Missing email. In order to create invoices that are sent to the customer, the customer must have a valid email.', { param: 'customer' });
    const now = ctx.state.now();
    if (p.due_date !== undefined && p.due_date < now) throw invalidRequest('The `due_date` must be in the future.', { param: 'due_date' });
    // The fee is checked against the total when the invoice is finalized; here only who may take one.
    if (p.application_fee_amount !== undefined) checkApplicationFee(ctx, p.application_fee_amount, Number.MAX_SAFE_INTEGER, 'application_fee_amount');
    const currency = p.currency ? currencyOf(p.currency) : (customer.currency ?? 'usd');
    const id = newId('in', 24);
    const invoice: Stripe.Invoice = {
      id,
      object: 'invoice',
      account_country: 'US',
      account_name: null,
      account_tax_ids: null,
      amount_due: 0,
      amount_overpaid: 0,
      amount_paid: 0,
      amount_remaining: 0,
      amount_shipping: 0,
      application: null,
      attempt_count: 0,
      attempted: false,
      auto_advance: p.auto_advance ?? false,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: null,
      billing_reason: 'manual',
      collection_method: method,
      created: now,
      currency,
      custom_fields: p.custom_fields ?? null,
      customer: customer.id,
      customer_account: null,
      customer_address: customer.address ?? null,
      customer_email: customer.email,
      customer_name: customer.name ?? null,
      customer_phone: customer.phone ?? null,
      customer_shipping: null,
      customer_tax_exempt: 'none',
      customer_tax_ids: [],
      default_payment_method: null,
      default_source: null,
      default_tax_rates: [],
      description: p.description ?? null,
      discounts: [],
      due_date: p.due_date ?? (p.days_until_due !== undefined ? now + p.days_until_due * DAY : null),
      effective_at: null,
      ending_balance: null,
      footer: p.footer ?? null,
      from_invoice: null,
      hosted_invoice_url: null,
      invoice_pdf: null,
      issuer: { type: 'self' },
      last_finalization_error: null,
      latest_revision: null,
      lines: embeddedList([], `/v1/invoices/${id}/lines`),
      livemode: false,
      metadata: mergeMetadata({}, p.metadata),
      next_payment_attempt: null,
      number: null,
      on_behalf_of: null,
      parent: null,
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      period_end: now,
      period_start: now,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      rendering: null,
      shipping_cost: null,
      shipping_details: null,
      starting_balance: 0,
      statement_descriptor: p.statement_descriptor ?? null,
      status: 'draft',
      status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
      subtotal: 0,
      subtotal_excluding_tax: 0,
      test_clock: null,
      total: 0,
      total_discount_amounts: [],
      total_excluding_tax: 0,
      total_pretax_credit_amounts: [],
      total_taxes: [],
      webhooks_delivered_at: null,
    };
    ctx.state.store.insert('invoice', ctx.account, invoice);
    if (p.pending_invoice_items_behavior === 'include') {
      for (const item of ctx.state.store.list('invoiceitem', ctx.account, (x) => x.customer === customer.id && x.invoice === null && x.currency === currency)) item.invoice = id;
    }
    recompute(ctx, invoice);
    ctx.state.emit(ctx, 'invoice.created', invoice);
    return invoice;
  }),
  route('GET', '/v1/invoices/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'invoice', id)),
  route('POST', '/v1/invoices/:id', updateFields, (ctx, p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    const before = structuredClone(invoice);
    const draftOnly = (['collection_method', 'days_until_due', 'due_date', 'statement_descriptor'] as const).filter((k) => p[k] !== undefined);
    if (draftOnly.length && invoice.status !== 'draft') throw invalidRequest(`You can only update ${draftOnly.join(', ')} on a draft invoice.`, { code: 'invoice_not_editable', param: draftOnly[0] });
    // Only valid for send_invoice invoices (the same rule as on create, against the method the invoice will have).
    const method = p.collection_method ?? invoice.collection_method;
    if (method !== 'send_invoice' && (p.days_until_due !== undefined || p.due_date !== undefined))
      throw invalidRequest('You can only set `days_until_due` or `due_date` if `collection_method` is `send_invoice`.', {
        param: p.days_until_due !== undefined ? 'days_until_due' : 'due_date',
      });
    if (p.collection_method !== undefined) invoice.collection_method = p.collection_method;
    if (p.days_until_due !== undefined) invoice.due_date = invoice.created + p.days_until_due * DAY;
    if (p.due_date !== undefined) invoice.due_date = p.due_date;
    if (p.statement_descriptor !== undefined) invoice.statement_descriptor = p.statement_descriptor;
    if (p.auto_advance !== undefined) invoice.auto_advance = p.auto_advance;
    if (p.description !== undefined) invoice.description = p.description;
    if (p.footer !== undefined) invoice.footer = p.footer;
    if (p.custom_fields !== undefined) invoice.custom_fields = p.custom_fields;
    if (p.metadata !== undefined) invoice.metadata = mergeMetadata(invoice.metadata, p.metadata);
    const previous = previousAttributes(before, invoice);
    if (Object.keys(previous).length) ctx.state.emit(ctx, 'invoice.updated', invoice, previous);
    return invoice;
  }),
  route('DELETE', '/v1/invoices/:id', {}, (ctx, _p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    if (invoice.status !== 'draft') throw invalidRequest('You can only delete draft invoices. Void finalized invoices instead.', { code: 'invoice_not_editable' });
    for (const item of itemsOf(ctx, id)) ctx.state.store.markDeleted(item.id);
    ctx.state.store.markDeleted(id);
    ctx.state.emit(ctx, 'invoice.deleted', invoice);
    const deleted: Stripe.DeletedInvoice = { id, object: 'invoice', deleted: true };
    return deleted;
  }),
  route('GET', '/v1/invoices', listFields, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'invoice',
        ctx.account,
        (x) =>
          (p.customer === undefined || x.customer === p.customer) &&
          (p.status === undefined || x.status === p.status) &&
          (p.collection_method === undefined || x.collection_method === p.collection_method) &&
          (p.due_date === undefined || x.due_date === p.due_date) &&
          inRange(x.created, p.created),
      ),
      p,
      '/v1/invoices',
      'invoice',
    ),
  ),
  route('GET', '/v1/invoices/:id/lines', linesListFields, (ctx, p, { id = '' }) => {
    // Lines come from the invoice's items, which cannot change once the invoice is finalized.
    return paginate(invoiceLines(ctx, need(ctx, 'invoice', id)), p, `/v1/invoices/${id}/lines`, 'line item');
  }),
  route('POST', '/v1/invoices/:id/add_lines', addLinesFields, (ctx, p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    editableDraft(invoice, 'add lines to');
    const before = structuredClone(invoice);
    const customer = customerOf(invoice);
    p.lines.forEach((line, index) => {
      const at = `lines[${index}]`;
      if (line.invoice_item) {
        const item = need(ctx, 'invoiceitem', line.invoice_item, `${at}[invoice_item]`);
        if (item.invoice !== null || item.customer !== customer || item.currency !== invoice.currency)
          throw invalidRequest(`Invoice item ${item.id} is not a pending ${invoice.currency} item of this invoice's customer.`, { param: `${at}[invoice_item]` });
        item.invoice = id;
        return;
      }
      const { invoice_item: _ii, ...input } = line;
      createItem(ctx, input, customer, invoice, at);
    });
    if (p.invoice_metadata !== undefined) invoice.metadata = mergeMetadata(invoice.metadata, p.invoice_metadata);
    recompute(ctx, invoice);
    ctx.state.emit(ctx, 'invoice.updated', invoice, previousAttributes(before, invoice));
    return invoice;
  }),
  route('POST', '/v1/invoices/:id/finalize', finalizeFields, (ctx, p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    if (p.auto_advance !== undefined) invoice.auto_advance = p.auto_advance;
    finalize(ctx, invoice);
    return invoice;
  }),
  route('POST', '/v1/invoices/:id/send', common, (ctx, _p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    if (invoice.collection_method !== 'send_invoice') throw invalidRequest("You can only manually send an invoice if its collection method is 'send_invoice'.");
    if (invoice.status === 'draft') finalize(ctx, invoice);
    if (invoice.status !== 'open') throw invalidRequest(`You can only send an open invoice; this one is ${invoice.status}.`, { code: 'status_transition_invalid' });
    invoice.webhooks_delivered_at = ctx.state.now();
    ctx.state.emit(ctx, 'invoice.sent', invoice);
    return invoice;
  }),
  route('POST', '/v1/invoices/:id/pay', payFields, (ctx, p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    if (invoice.status === 'draft') finalize(ctx, invoice);
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') throw invalidRequest(`Invoice is already ${invoice.status}.`, { code: 'status_transition_invalid' });
    if (p.paid_out_of_band) {
      if (p.payment_method) throw paramError('You may only specify one of these parameters: paid_out_of_band, payment_method.', 'paid_out_of_band', 'parameters_exclusive');
      markPaid(ctx, invoice, invoice.amount_remaining, undefined, true);
      return invoice;
    }
    if (!p.payment_method)
      throw cardDeclined('Cannot charge a customer that has no active card or default payment method. Pass `payment_method` (e.g. pm_card_visa) or `paid_out_of_band=true`.', 'generic_decline', {
        code: 'missing',
      });
    const result = payInvoice(ctx, invoice, instrument(p.payment_method));
    if (result.status === 'declined') throw cardDeclined(result.message, result.charge?.outcome?.reason ?? 'generic_decline', { ...(result.charge ? { charge: result.charge.id } : {}) });
    return invoice;
  }),
  /**
   * Partial payments (docs.stripe.com/api/invoices/attach_payment; /invoicing/partial-payments):
   * attaches a PaymentIntent to an open invoice (the Dashboard's "Charge customer" is offered on
   * open invoices), adding it to the invoice's payments; one already `succeeded` is credited at once
   * (`amount_paid` grows; the invoice is `paid` when nothing remains, its default payment then
   * canceled), at most what the invoice still asks. Not emulated: a PaymentIntent that succeeds
   * after it was attached is not credited (kneadpay attaches none; tests attach succeeded ones);
   * an overpaid invoice (`amount_overpaid`); `payment_record`.
   */
  route('POST', '/v1/invoices/:id/attach_payment', attachPaymentFields, (ctx, p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    if (invoice.status !== 'open') throw invalidRequest(`You can only attach a payment to an open invoice; this one is ${invoice.status}.`, { code: 'invoice_not_editable' });
    const intent = need(ctx, 'payment_intent', p.payment_intent, 'payment_intent');
    const succeeded = intent.status === 'succeeded';
    // One PaymentIntent may be attached to several invoices; each is paid what its amount_received
    // still covers (InvoicePayment.amount_paid: "can be less than the amount_requested if the
    // PaymentIntent's amount_received is not sufficient to pay all of the invoices that it is attached to").
    const used = ctx.state.store.list('invoice_payment', ctx.account, (x) => x.payment.payment_intent === intent.id).reduce((sum, x) => sum + (x.amount_paid ?? 0), 0);
    const credited = succeeded ? Math.max(0, Math.min(invoice.amount_remaining, intent.amount_received - used)) : 0;
    const payment: Stripe.InvoicePayment = {
      id: newId('inpay', 24),
      object: 'invoice_payment',
      amount_paid: succeeded ? credited : null,
      amount_requested: intent.amount,
      created: ctx.state.now(),
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: false,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: intent.id },
      status: succeeded ? 'paid' : 'open',
      status_transitions: { canceled_at: null, paid_at: succeeded ? ctx.state.now() : null },
    };
    ctx.state.store.insert('invoice_payment', ctx.account, payment);
    if (!succeeded) return invoice;
    invoice.amount_paid += credited;
    recompute(ctx, invoice);
    ctx.state.emit(ctx, 'invoice_payment.paid', payment);
    if (invoice.amount_remaining > 0) {
      ctx.state.emit(ctx, 'invoice.updated', invoice);
      return invoice;
    }
    const unused = openPaymentOf(ctx, invoice);
    if (unused) {
      unused.status = 'canceled';
      unused.status_transitions.canceled_at = ctx.state.now();
    }
    invoice.status = 'paid';
    invoice.status_transitions.paid_at = ctx.state.now();
    ctx.state.emit(ctx, 'invoice.paid', invoice);
    ctx.state.emit(ctx, 'invoice.payment_succeeded', invoice);
    return invoice;
  }),
  route('POST', '/v1/invoices/:id/void', common, (ctx, _p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible')
      throw invalidRequest(invoice.status === 'draft' ? 'You can only void a finalized invoice; delete a draft instead.' : `You cannot void an invoice that is ${invoice.status}.`, {
        code: 'status_transition_invalid',
      });
    const payment = openPaymentOf(ctx, invoice);
    const intent = payment ? intentOf(ctx, payment) : undefined;
    if (intent?.status === 'processing') throw invalidRequest('This invoice has a payment processing; it cannot be voided now.', { code: 'status_transition_invalid' });
    if (payment && intent) {
      payment.status = 'canceled';
      payment.status_transitions.canceled_at = ctx.state.now();
      if (intent.status === 'requires_payment_method') {
        intent.status = 'canceled';
        intent.canceled_at = ctx.state.now();
        intent.cancellation_reason = 'void_invoice';
        ctx.state.emit(ctx, 'payment_intent.canceled', intent);
      }
    }
    invoice.status = 'void';
    invoice.status_transitions.voided_at = ctx.state.now();
    ctx.state.emit(ctx, 'invoice.voided', invoice);
    return invoice;
  }),
  route('POST', '/v1/invoices/:id/mark_uncollectible', common, (ctx, _p, { id = '' }) => {
    const invoice = need(ctx, 'invoice', id);
    if (invoice.status !== 'open') throw invalidRequest(`You can only mark an open invoice uncollectible; this one is ${invoice.status}.`, { code: 'status_transition_invalid' });
    invoice.status = 'uncollectible';
    invoice.status_transitions.marked_uncollectible_at = ctx.state.now();
    ctx.state.emit(ctx, 'invoice.marked_uncollectible', invoice);
    return invoice;
  }),

  route('GET', '/v1/invoice_payments/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'invoice_payment', id)),
  route('GET', '/v1/invoice_payments', paymentListFields, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'invoice_payment',
        ctx.account,
        (x) =>
          (p.invoice === undefined || x.invoice === p.invoice) &&
          (p.status === undefined || x.status === p.status) &&
          (p.payment === undefined || (x.payment.type === p.payment.type && (p.payment.payment_intent === undefined || x.payment.payment_intent === p.payment.payment_intent))) &&
          inRange(x.created, p.created),
      ),
      p,
      '/v1/invoice_payments',
      'invoice_payment',
    ),
  ),
];

// ---- credit notes -----------------------------------------------------------------------------

const creditNoteCreate = paramsFor<Stripe.CreditNoteCreateParams>()({
  ...common,
  invoice: required(str()),
  amount: int({ min: 1 }),
  credit_amount: int({ min: 0 }),
  refund_amount: int({ min: 0 }),
  out_of_band_amount: int({ min: 0 }),
  // Stripe: "Type of email to send to the customer, one of `credit_note` or `none`" (default
  // `credit_note`). The emulator sends no email either way; it takes only what Stripe takes.
  email_type: str({ values: ['credit_note', 'none'] }),
  memo: str(),
  metadata: metadata(),
  reason: str({ values: ['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory'] }),
  lines: arr(
    obj({
      type: required(str({ values: ['invoice_line_item', 'custom_line_item'] })),
      invoice_line_item: str(),
      amount: int({ min: 0 }),
      quantity: int({ min: 1 }),
      unit_amount: int({ min: 0 }),
      description: str(),
      metadata: metadata(),
    }),
  ),
});
const creditNoteUpdate = paramsFor<Stripe.CreditNoteUpdateParams>()({ ...common, memo: str(), metadata: metadata() });
const creditNoteList = paramsFor<Stripe.CreditNoteListParams>()({ ...listing, invoice: str(), customer: str() });

const creditedSoFar = (ctx: Ctx, invoiceId: string): number =>
  ctx.state.store.list('credit_note', ctx.account, (cn) => cn.invoice === invoiceId && cn.status === 'issued').reduce((sum, cn) => sum + cn.amount, 0);

const paidChargeOf = (ctx: Ctx, invoice: Stripe.Invoice): Stripe.Charge | undefined => {
  const payment = ctx.state.store.list('invoice_payment', ctx.account, (p) => p.invoice === invoice.id && p.status === 'paid')[0];
  const intent = payment ? intentOf(ctx, payment) : undefined;
  const chargeId = typeof intent?.latest_charge === 'string' ? intent.latest_charge : intent?.latest_charge?.id;
  return chargeId ? ctx.state.store.get('charge', chargeId, ctx.account) : undefined;
};

export const creditNoteRoutes = [
  route('POST', '/v1/credit_notes', creditNoteCreate, (ctx, p) => {
    const invoice = need(ctx, 'invoice', p.invoice, 'invoice');
    if (!['open', 'paid', 'uncollectible'].includes(invoice.status ?? ''))
      throw invalidRequest(`You can only create a credit note for an open, paid or uncollectible invoice; ${invoice.id} is ${invoice.status}.`, {
        param: 'invoice',
        code: 'status_transition_invalid',
      });
    if (p.amount === undefined && !p.lines?.length) throw paramError('You must pass either `amount` or `lines`.', 'amount', 'parameter_missing');
    const allLines = invoice.lines.data;
    const lines: Stripe.CreditNoteLineItem[] = (p.lines ?? []).map((line, index) => {
      const at = `lines[${index}]`;
      let amount: number;
      let unitAmount: number | null = null;
      let description = line.description ?? null;
      if (line.type === 'invoice_line_item') {
        if (!line.invoice_line_item) throw paramError(`Missing required param: ${at}[invoice_line_item].`, `${at}[invoice_line_item]`, 'parameter_missing');
        const source = allLines.find((l) => l.id === line.invoice_line_item);
        if (!source) throw invalidRequest(`No such invoice line item: '${line.invoice_line_item}'`, { param: `${at}[invoice_line_item]`, code: 'resource_missing' });
        description = description ?? source.description;
        unitAmount = source.quantity ? Math.round(source.amount / source.quantity) : source.amount;
        amount = line.amount ?? (line.quantity !== undefined ? unitAmount * line.quantity : source.amount);
        if (amount > source.amount) throw invalidRequest(`The credit for ${at} exceeds the invoice line amount (${source.amount}).`, { param: `${at}[amount]` });
      } else {
        if (line.unit_amount === undefined) throw paramError(`Missing required param: ${at}[unit_amount].`, `${at}[unit_amount]`, 'parameter_missing');
        unitAmount = line.unit_amount;
        amount = line.unit_amount * (line.quantity ?? 1);
      }
      return {
        id: newId('cnli', 24),
        object: 'credit_note_line_item',
        amount,
        description,
        discount_amount: 0,
        discount_amounts: [],
        ...(line.invoice_line_item ? { invoice_line_item: line.invoice_line_item } : {}),
        livemode: false,
        metadata: mergeMetadata({}, line.metadata),
        pretax_credit_amounts: [],
        quantity: line.quantity ?? 1,
        tax_rates: [],
        taxes: [],
        type: line.type,
        unit_amount: unitAmount,
        unit_amount_decimal: unitAmount === null ? null : decimalString(unitAmount),
      };
    });
    const amount = p.lines?.length ? lines.reduce((sum, l) => sum + l.amount, 0) : (p.amount ?? 0);
    if (p.amount !== undefined && p.lines?.length && p.amount !== amount)
      throw invalidRequest(`The credit note amount (${p.amount}) must equal the sum of its lines (${amount}).`, { param: 'amount' });
    const creditable = invoice.total - creditedSoFar(ctx, invoice.id);
    if (amount > creditable)
      throw invalidRequest(`The credit note amount (${amount}) exceeds the amount that can still be credited on invoice ${invoice.id} (${creditable}).`, {
        param: 'amount',
      });
    const postPayment = invoice.status === 'paid';
    const creditCustomer = postPayment ? (p.credit_amount ?? (p.refund_amount === undefined && p.out_of_band_amount === undefined ? amount : 0)) : 0;
    const refundAmount = postPayment ? (p.refund_amount ?? 0) : 0;
    const outOfBand = postPayment ? (p.out_of_band_amount ?? 0) : 0;
    if (!postPayment && (p.refund_amount || p.credit_amount || p.out_of_band_amount))
      throw invalidRequest('refund_amount, credit_amount and out_of_band_amount apply to credit notes on paid invoices only.', { param: 'refund_amount' });
    if (postPayment && creditCustomer + refundAmount + outOfBand !== amount)
      throw invalidRequest(`The sum of credit amount, refund amount and out of band amount (${creditCustomer + refundAmount + outOfBand}) must equal the credit note amount (${amount}).`, {
        param: 'amount',
      });
    if (!postPayment && amount > invoice.amount_remaining)
      throw invalidRequest(`The credit note amount (${amount}) exceeds the invoice's remaining amount (${invoice.amount_remaining}).`, { param: 'amount' });
    const id = newId('cn', 24);
    const refunds: Stripe.CreditNote.Refund[] = [];
    if (refundAmount > 0) {
      const charge = paidChargeOf(ctx, invoice);
      if (!charge) throw invalidRequest(`Invoice ${invoice.id} was not paid with a charge; use credit_amount or out_of_band_amount.`, { param: 'refund_amount' });
      const refund = createRefund(ctx, charge, { amount: refundAmount, metadata: { credit_note: id } });
      refunds.push({ amount_refunded: refundAmount, payment_record_refund: null, refund: refund.id, type: 'refund' });
    }
    let balanceTransaction: string | null = null;
    if (creditCustomer > 0) {
      const customer = need(ctx, 'customer', customerOf(invoice));
      customer.balance -= creditCustomer;
      balanceTransaction = newId('cbtxn', 24);
    }
    const count = ctx.state.store.list('credit_note', ctx.account, (cn) => cn.invoice === invoice.id).length + 1;
    const creditNote: Stripe.CreditNote = {
      id,
      object: 'credit_note',
      amount,
      amount_shipping: 0,
      created: ctx.state.now(),
      currency: invoice.currency,
      customer: customerOf(invoice),
      customer_account: null,
      customer_balance_transaction: balanceTransaction,
      discount_amount: 0,
      discount_amounts: [],
      effective_at: ctx.state.now(),
      invoice: invoice.id,
      lines: embeddedList(lines, `/v1/credit_notes/${id}/lines`),
      livemode: false,
      memo: p.memo ?? null,
      metadata: mergeMetadata({}, p.metadata),
      number: `${invoice.number ?? invoice.id}-CN-${String(count).padStart(2, '0')}`,
      out_of_band_amount: postPayment ? outOfBand : null,
      pdf: `${ctx.state.baseUrl}/credit_note/${id}`,
      post_payment_amount: postPayment ? amount : 0,
      pre_payment_amount: postPayment ? 0 : amount,
      pretax_credit_amounts: [],
      reason: p.reason ?? null,
      refunds,
      shipping_cost: null,
      status: 'issued',
      subtotal: amount,
      subtotal_excluding_tax: amount,
      total: amount,
      total_excluding_tax: amount,
      total_taxes: [],
      type: postPayment ? 'post_payment' : 'pre_payment',
      voided_at: null,
    };
    ctx.state.store.insert('credit_note', ctx.account, creditNote);
    ctx.state.creditNoteLines.set(id, lines);
    if (postPayment) {
      invoice.post_payment_credit_notes_amount += amount;
    } else {
      invoice.pre_payment_credit_notes_amount += amount;
      invoice.amount_due -= amount;
      recompute(ctx, invoice);
    }
    ctx.state.emit(ctx, 'credit_note.created', creditNote);
    if (!postPayment && invoice.amount_remaining === 0) {
      invoice.status = 'paid';
      invoice.status_transitions.paid_at = ctx.state.now();
      ctx.state.emit(ctx, 'invoice.paid', invoice);
    }
    return creditNote;
  }),
  route('GET', '/v1/credit_notes/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'credit_note', id)),
  route('POST', '/v1/credit_notes/:id', creditNoteUpdate, (ctx, p, { id = '' }) => {
    const note = need(ctx, 'credit_note', id);
    const before = structuredClone(note);
    if (p.memo !== undefined) note.memo = p.memo;
    if (p.metadata !== undefined) note.metadata = mergeMetadata(note.metadata, p.metadata);
    const previous = previousAttributes(before, note);
    if (Object.keys(previous).length) ctx.state.emit(ctx, 'credit_note.updated', note, previous);
    return note;
  }),
  route('POST', '/v1/credit_notes/:id/void', common, (ctx, _p, { id = '' }) => {
    const note = need(ctx, 'credit_note', id);
    if (note.status !== 'issued') throw invalidRequest('This credit note is already void.', { code: 'status_transition_invalid' });
    if (note.refunds.length > 0) throw invalidRequest('A credit note that refunded a payment cannot be voided.', { code: 'status_transition_invalid' });
    const invoice = need(ctx, 'invoice', String(note.invoice));
    if (note.type === 'pre_payment') {
      // Stripe's reference ("Void a credit note"): a credit note can only be voided while its invoice is open.
      if (invoice.status !== 'open') throw invalidRequest(`The invoice is ${invoice.status}; this credit note can no longer be voided.`, { code: 'status_transition_invalid' });
      invoice.pre_payment_credit_notes_amount -= note.amount;
      invoice.amount_due += note.amount;
      recompute(ctx, invoice);
    } else {
      invoice.post_payment_credit_notes_amount -= note.amount;
      if (note.customer_balance_transaction) {
        const customer = ctx.state.store.get('customer', String(note.customer), ctx.account);
        if (customer) customer.balance += note.amount - (note.out_of_band_amount ?? 0);
      }
    }
    note.status = 'void';
    note.voided_at = ctx.state.now();
    ctx.state.emit(ctx, 'credit_note.voided', note);
    return note;
  }),
  route('GET', '/v1/credit_notes/:id/lines', linesListFields, (ctx, p, { id = '' }) => {
    need(ctx, 'credit_note', id);
    return paginate(ctx.state.creditNoteLines.get(id) ?? [], p, `/v1/credit_notes/${id}/lines`, 'credit note line item');
  }),
  route('GET', '/v1/credit_notes', creditNoteList, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'credit_note',
        ctx.account,
        (x) => (p.invoice === undefined || x.invoice === p.invoice) && (p.customer === undefined || x.customer === p.customer) && inRange(x.created, p.created),
      ),
      p,
      '/v1/credit_notes',
      'credit_note',
    ),
  ),
];
