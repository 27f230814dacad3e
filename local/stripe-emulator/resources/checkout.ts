/**
 * Checkout Sessions (mode `payment`): creation from prices or `price_data`, the hosted page's
 * outcomes (paid, declined, delayed and later settled), expiry (API and 24 h clock) — with the
 * events Stripe emits for each.
 */
import type Stripe from 'stripe';
import { invalidRequest, paramError } from '../errors';
import { newId, newSessionId } from '../ids';
import { paginate } from '../list';
import { arr, common, decimal, inRange, int, listing, mergeMetadata, metadata, obj, paramsFor, required, str, type Shape } from '../params';
import { route } from '../route';
import { checkApplicationFee } from './fees';
import type { Ctx, EmulatorState } from '../state';
import { createPrice, createProduct } from './catalog';
import { minimumChargeOf, minimumChargeText, need } from './common';
import { createCustomer, customerEmail } from './customers';
import { attemptPayment, createPaymentIntent, settlePayment, type Instrument } from './payments';

const lineItemFields = obj({
  price: str(),
  price_data: obj({
    currency: required(str()),
    product: str(),
    product_data: obj({
      name: required(str({ maxLength: 250 })),
      description: str(),
      metadata: metadata(),
      images: arr(str(), 8),
      tax_code: str(),
      unit_label: str({ maxLength: 12 }),
    }),
    unit_amount: int(),
    unit_amount_decimal: decimal(),
    tax_behavior: str({ values: ['exclusive', 'inclusive', 'unspecified'] }),
  }),
  quantity: int({ min: 1 }),
});

const sessionCreate = paramsFor<Stripe.Checkout.SessionCreateParams>()({
  ...common,
  mode: required(str({ values: ['payment', 'setup', 'subscription'] })),
  line_items: arr(lineItemFields, 100),
  customer: str(),
  customer_email: str({ maxLength: 800 }),
  customer_creation: str({ values: ['always', 'if_required'] }),
  metadata: metadata(),
  payment_intent_data: obj({
    metadata: metadata(),
    description: str({ maxLength: 1000 }),
    receipt_email: str(),
    statement_descriptor_suffix: str({ maxLength: 22 }),
    application_fee_amount: int({ min: 0 }),
  }),
  success_url: str({ maxLength: 5000 }),
  cancel_url: str({ maxLength: 5000 }),
  client_reference_id: str({ maxLength: 200 }),
  expires_at: int(),
  allowed_payment_method_types: arr(str()),
  locale: str(),
  submit_type: str({ values: ['auto', 'book', 'donate', 'pay', 'subscribe'] }),
});
const sessionUpdate = paramsFor<Stripe.Checkout.SessionUpdateParams>()({ ...common, metadata: metadata() });
const sessionList = paramsFor<Stripe.Checkout.SessionListParams>()({
  ...listing,
  customer: str(),
  payment_intent: str(),
  status: str({ values: ['open', 'complete', 'expired'] }),
  customer_details: obj({ email: required(str()) }),
});
const sessionExpire = paramsFor<Stripe.Checkout.SessionExpireParams>()({ ...common });
const lineItemList = paramsFor<Stripe.Checkout.SessionListLineItemsParams>()({
  expand: common.expand,
  limit: listing.limit,
  starting_after: listing.starting_after,
  ending_before: listing.ending_before,
});

const checkUrl = (value: string | undefined, param: string) => {
  if (value === undefined) return;
  try {
    const url = new URL(value.replace('{CHECKOUT_SESSION_ID}', 'x'));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalidRequest('Not a valid URL', { param, code: 'url_invalid', validation: true });
  }
};

const buildLineItems = (ctx: Ctx, items: NonNullable<Shape<typeof sessionCreate>['line_items']>): Stripe.LineItem[] =>
  items.map((item, index) => {
    const at = `line_items[${index}]`;
    if (item.price && item.price_data) throw paramError(`You may only specify one of these parameters: ${at}[price], ${at}[price_data].`, `${at}[price]`, 'parameters_exclusive');
    if (item.quantity === undefined) throw paramError(`Quantity is required. Add \`quantity\` to \`${at}\``, `${at}[quantity]`, 'parameter_missing');
    let price: Stripe.Price;
    if (item.price) {
      price = need(ctx, 'price', item.price, `${at}[price]`);
      if (!price.active) throw invalidRequest('The price specified is inactive. This field only accepts active prices.', { param: `${at}[price]` });
    } else if (item.price_data) {
      const data = item.price_data;
      if (data.product && data.product_data)
        throw paramError(`You may only specify one of these parameters: ${at}[price_data][product], ${at}[price_data][product_data].`, `${at}[price_data][product]`, 'parameters_exclusive');
      const productId = data.product ?? (data.product_data ? createProduct(ctx, data.product_data, { unlisted: true }).id : undefined);
      if (!productId) throw paramError(`Missing required param: ${at}[price_data][product_data].`, `${at}[price_data][product_data]`, 'parameter_missing');
      price = createPrice(
        ctx,
        {
          currency: data.currency,
          product: productId,
          ...(data.unit_amount !== undefined ? { unit_amount: data.unit_amount } : {}),
          ...(data.unit_amount_decimal !== undefined ? { unit_amount_decimal: data.unit_amount_decimal } : {}),
          ...(data.tax_behavior !== undefined ? { tax_behavior: data.tax_behavior } : {}),
          active: false,
        },
        { unlisted: true, param: `${at}[price_data]` },
      );
    } else {
      throw paramError(`You must specify either \`price\` or \`price_data\` in \`${at}\`.`, `${at}[price]`, 'parameter_missing');
    }
    if (price.type === 'recurring')
      throw invalidRequest('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', { param: `${at}[price]` });
    const productId = typeof price.product === 'string' ? price.product : price.product.id;
    const product = ctx.state.store.get('product', productId, ctx.account);
    if (product && !product.active && item.price) throw invalidRequest(`The product \`${product.id}\` is inactive; its prices cannot be used.`, { param: `${at}[price]`, code: 'product_inactive' });
    const amount = (price.unit_amount ?? 0) * item.quantity;
    const lineItem: Stripe.LineItem = {
      id: newId('li', 24),
      object: 'item',
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: price.currency,
      description: product?.name ?? null,
      metadata: {},
      price: structuredClone(price),
      quantity: item.quantity,
    };
    return lineItem;
  });

/** Expires open sessions whose `expires_at` has passed on the emulator's clock. */
export const sweepExpiredSessions = (state: EmulatorState): void => {
  const now = state.now();
  for (const { object: session, account } of state.store.all('checkout.session')) {
    if (session.status === 'open' && session.expires_at <= now) expireSession({ state, account, request: { id: null, idempotency_key: null } }, session);
  }
};

export const expireSession = (ctx: Ctx, session: Stripe.Checkout.Session): Stripe.Checkout.Session => {
  if (session.status !== 'open')
    throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`, {
      code: 'status_transition_invalid',
    });
  session.status = 'expired';
  session.url = null;
  const intentId = typeof session.payment_intent === 'string' ? session.payment_intent : null;
  const intent = intentId ? ctx.state.store.get('payment_intent', intentId, ctx.account) : undefined;
  if (intent && intent.status === 'requires_payment_method') {
    intent.status = 'canceled';
    intent.canceled_at = ctx.state.now();
    intent.cancellation_reason = 'expired';
    ctx.state.emit(ctx, 'payment_intent.canceled', intent);
  }
  ctx.state.emit(ctx, 'checkout.session.expired', session);
  return session;
};

export type CheckoutOutcome = 'succeeded' | 'failed' | 'async';

export interface PayResult {
  status: 'paid' | 'declined' | 'processing';
  session: Stripe.Checkout.Session;
  redirectUrl: string | null;
  message: string;
}

export const successUrlOf = (session: Stripe.Checkout.Session): string | null => (session.success_url ? session.success_url.replace(/\{CHECKOUT_SESSION_ID\}/g, session.id) : null);

/** What the Pay button does: the payment attempt and the events Stripe emits for it. */
export const payCheckout = (ctx: Ctx, session: Stripe.Checkout.Session, instrument: Instrument, billing: { email?: string; name?: string }): PayResult => {
  if (session.status === 'open' && session.expires_at <= ctx.state.now()) expireSession(ctx, session);
  if (session.status !== 'open')
    throw invalidRequest(`This Checkout Session is ${session.status === 'expired' ? 'expired' : 'already complete'}.`, {
      code: 'status_transition_invalid',
      status: 409,
    });
  const email = billing.email?.trim() || session.customer_email || customerEmail(ctx, typeof session.customer === 'string' ? session.customer : null);
  if (!email) throw invalidRequest('An email address is required.', { param: 'email', code: 'email_invalid' });
  if (!session.customer && session.customer_creation === 'always') session.customer = createCustomer(ctx, { email, ...(billing.name?.trim() ? { name: billing.name.trim() } : {}) }).id;
  // Stripe: given a `customer` without an email, Checkout writes the email the client types onto it.
  const given = typeof session.customer === 'string' ? ctx.state.store.get('customer', session.customer, ctx.account) : undefined;
  if (given && !given.email) {
    given.email = email;
    ctx.state.emit(ctx, 'customer.updated', given);
  }
  const extra = ctx.state.sessionPaymentIntentData.get(session.id) ?? {};
  let intent = typeof session.payment_intent === 'string' ? ctx.state.store.get('payment_intent', session.payment_intent, ctx.account) : undefined;
  if (!intent) {
    intent = createPaymentIntent(ctx, {
      amount: session.amount_total ?? 0,
      currency: session.currency ?? 'usd',
      customer: typeof session.customer === 'string' ? session.customer : null,
      description: extra.description ?? null,
      metadata: extra.metadata ?? null,
      receipt_email: extra.receipt_email ?? null,
      statement_descriptor_suffix: extra.statement_descriptor_suffix ?? null,
      payment_method_types: session.payment_method_types,
    });
    if (extra.application_fee_amount !== undefined) intent.application_fee_amount = extra.application_fee_amount;
    session.payment_intent = intent.id;
  }
  const { outcome } = attemptPayment(ctx, intent, instrument, { email, name: billing.name ?? null });
  if (outcome === 'failed') return { status: 'declined', session, redirectUrl: null, message: intent.last_payment_error?.message ?? 'Your card was declined.' };
  session.status = 'complete';
  session.payment_status = outcome === 'succeeded' ? 'paid' : 'unpaid';
  session.customer_details = {
    address: null,
    business_name: null,
    email,
    individual_name: null,
    name: billing.name?.trim() || null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  session.url = null;
  ctx.state.emit(ctx, 'checkout.session.completed', session);
  return {
    status: outcome === 'succeeded' ? 'paid' : 'processing',
    session,
    redirectUrl: successUrlOf(session),
    message: outcome === 'succeeded' ? 'Payment complete.' : 'Payment submitted: your bank debit is processing.',
  };
};

/** Ends a delayed (async) payment: `checkout.session.async_payment_succeeded` or `…_failed`. */
export const settleCheckout = (ctx: Ctx, session: Stripe.Checkout.Session, succeeded: boolean): Stripe.Checkout.Session => {
  const intentId = typeof session.payment_intent === 'string' ? session.payment_intent : null;
  const intent = intentId ? ctx.state.store.get('payment_intent', intentId, ctx.account) : undefined;
  if (session.status !== 'complete' || session.payment_status !== 'unpaid' || !intent || intent.status !== 'processing')
    throw invalidRequest('Only a completed Checkout Session whose delayed payment is still processing can be settled.', {
      code: 'status_transition_invalid',
      status: 409,
    });
  settlePayment(ctx, intent, succeeded);
  if (succeeded) {
    session.payment_status = 'paid';
    ctx.state.emit(ctx, 'checkout.session.async_payment_succeeded', session);
  } else {
    ctx.state.emit(ctx, 'checkout.session.async_payment_failed', session);
  }
  return session;
};

export const checkoutRoutes = [
  route('POST', '/v1/checkout/sessions', sessionCreate, (ctx, p) => {
    if (p.mode !== 'payment') throw invalidRequest(`The Stripe emulator supports mode=payment only (got mode=${p.mode}).`, { param: 'mode' });
    if (p.customer && p.customer_email) throw paramError('You may only specify one of these parameters: customer, customer_email.', 'customer', 'parameters_exclusive');
    checkUrl(p.success_url, 'success_url');
    checkUrl(p.cancel_url, 'cancel_url');
    if (!p.line_items?.length) throw paramError('You must provide at least one line item in `payment` mode.', 'line_items', 'parameter_missing');
    const now = ctx.state.now();
    const expiresAt = p.expires_at ?? now + 24 * 3600;
    if (expiresAt < now + 30 * 60 || expiresAt > now + 24 * 3600)
      throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes and at most 24 hours after the Checkout Session is created.', {
        param: 'expires_at',
      });
    if (p.customer) need(ctx, 'customer', p.customer, 'customer');
    const lineItems = buildLineItems(ctx, p.line_items);
    const currency = lineItems[0]?.currency ?? 'usd';
    if (lineItems.some((item) => item.currency !== currency)) throw invalidRequest('All line items must use the same currency.', { param: 'line_items' });
    const total = lineItems.reduce((sum, item) => sum + item.amount_total, 0);
    // Stripe: a payment-mode session must total at least the currency's minimum charge (docs.stripe.com/currencies).
    if (total < minimumChargeOf(currency)) throw invalidRequest(`The Checkout Session's total amount due must add up to at least ${minimumChargeText(currency)}`, { param: 'line_items' });
    const id = newSessionId();
    const session: Stripe.Checkout.Session = {
      id,
      object: 'checkout.session',
      adaptive_pricing: null,
      after_expiration: null,
      allow_promotion_codes: null,
      allowed_payment_method_types: p.allowed_payment_method_types ?? null,
      amount_subtotal: total,
      amount_total: total,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: null,
      cancel_url: p.cancel_url ?? null,
      client_reference_id: p.client_reference_id ?? null,
      client_secret: null,
      collected_information: null,
      consent: null,
      consent_collection: null,
      created: now,
      currency,
      currency_conversion: null,
      custom_fields: [],
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer: p.customer ?? null,
      customer_account: null,
      customer_creation: p.customer ? null : (p.customer_creation ?? 'if_required'),
      customer_details: p.customer_email ? { address: null, business_name: null, email: p.customer_email, individual_name: null, name: null, phone: null, tax_exempt: 'none', tax_ids: null } : null,
      customer_email: p.customer_email ?? null,
      discounts: [],
      expires_at: expiresAt,
      integration_identifier: null,
      invoice: null,
      invoice_creation: null,
      livemode: false,
      locale: null,
      managed_payments: null,
      metadata: mergeMetadata({}, p.metadata),
      mode: 'payment',
      origin_context: null,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: 'if_required',
      payment_method_configuration_details: null,
      payment_method_options: null,
      payment_method_types: p.allowed_payment_method_types ?? ['card', 'us_bank_account'],
      payment_status: 'unpaid',
      permissions: null,
      recovered_from: null,
      saved_payment_method_options: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: 'open',
      submit_type: p.submit_type ?? null,
      subscription: null,
      success_url: p.success_url ?? null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted_page',
      url: `${ctx.state.baseUrl}/checkout/${id}`,
      wallet_options: null,
    };
    if (p.locale) session.locale = p.locale;
    if (p.payment_intent_data?.application_fee_amount !== undefined) {
      checkApplicationFee(ctx, p.payment_intent_data.application_fee_amount, session.amount_total ?? 0, 'payment_intent_data[application_fee_amount]');
    }
    ctx.state.store.insert('checkout.session', ctx.account, session);
    ctx.state.sessionLineItems.set(id, lineItems);
    const pid = p.payment_intent_data;
    ctx.state.sessionPaymentIntentData.set(id, {
      ...(pid?.application_fee_amount !== undefined ? { application_fee_amount: pid.application_fee_amount } : {}),
      ...(pid?.metadata ? { metadata: pid.metadata } : {}),
      ...(pid?.description ? { description: pid.description } : {}),
      ...(pid?.receipt_email ? { receipt_email: pid.receipt_email } : {}),
      ...(pid?.statement_descriptor_suffix ? { statement_descriptor_suffix: pid.statement_descriptor_suffix } : {}),
    });
    return session;
  }),
  route('GET', '/v1/checkout/sessions/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'checkout.session', id)),
  route('POST', '/v1/checkout/sessions/:id', sessionUpdate, (ctx, p, { id = '' }) => {
    const session = need(ctx, 'checkout.session', id);
    if (p.metadata !== undefined) session.metadata = mergeMetadata(session.metadata, p.metadata);
    return session;
  }),
  route('POST', '/v1/checkout/sessions/:id/expire', sessionExpire, (ctx, _p, { id = '' }) => expireSession(ctx, need(ctx, 'checkout.session', id))),
  route('GET', '/v1/checkout/sessions/:id/line_items', lineItemList, (ctx, p, { id = '' }) => {
    need(ctx, 'checkout.session', id);
    const items = [...(ctx.state.sessionLineItems.get(id) ?? [])];
    // Line items read in the order they were given; pagination walks them the same way.
    return paginate(items, p, `/v1/checkout/sessions/${id}/line_items`, 'line item');
  }),
  route('GET', '/v1/checkout/sessions', sessionList, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'checkout.session',
        ctx.account,
        (x) =>
          (p.customer === undefined || x.customer === p.customer) &&
          (p.payment_intent === undefined || x.payment_intent === p.payment_intent) &&
          (p.status === undefined || x.status === p.status) &&
          (p.customer_details === undefined || x.customer_details?.email === p.customer_details.email) &&
          inRange(x.created, p.created),
      ),
      p,
      '/v1/checkout/sessions',
      'checkout.session',
    ),
  ),
];
