/**
 * Payment intents, the charges payments create, refunds and disputes. Test payment methods follow
 * Stripe's: `pm_card_visa` (visa/4242), `pm_card_mastercard`, `pm_card_amex`,
 * `pm_card_chargeDeclined`, `pm_card_chargeDeclinedInsufficientFunds`, and `pm_usBankAccount`
 * (a delayed method: the payment stays `processing` until settled).
 */
import type Stripe from 'stripe';
import { cardDeclined, invalidRequest } from '../errors';
import { fingerprint, newId } from '../ids';
import { paginate } from '../list';
import { arr, bool, common, emptyable, inRange, int, listing, mergeMetadata, metadata, obj, paramsFor, required, str } from '../params';
import { route } from '../route';
import type { Ctx } from '../state';
import { checkAmount, currencyOf, need, previousAttributes } from './common';

interface CardInstrument {
  kind: 'card';
  id: string;
  brand: string;
  last4: string;
  funding: string;
  decline?: { code: string; declineCode: string; message: string };
}
interface BankInstrument {
  kind: 'us_bank_account';
  id: string;
}
export type Instrument = CardInstrument | BankInstrument;

const DECLINED = { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' };
const CARDS: Record<string, Omit<CardInstrument, 'id' | 'kind'>> = {
  pm_card_visa: { brand: 'visa', last4: '4242', funding: 'credit' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit' },
  pm_card_amex: { brand: 'amex', last4: '8431', funding: 'credit' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', funding: 'credit', decline: DECLINED },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    decline: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
};

export const instrument = (paymentMethod: string, param = 'payment_method'): Instrument => {
  if (paymentMethod === 'pm_usBankAccount') return { kind: 'us_bank_account', id: newId('pm', 24) };
  const card = CARDS[paymentMethod];
  if (!card) throw invalidRequest(`No such PaymentMethod: '${paymentMethod}' (the emulator knows ${[...Object.keys(CARDS), 'pm_usBankAccount'].join(', ')})`, { param, code: 'resource_missing' });
  return { kind: 'card', id: newId('pm', 24), ...card };
};

export const visa = (): Instrument => instrument('pm_card_visa');
export const declinedCard = (): Instrument => instrument('pm_card_chargeDeclined');
export const bankAccount = (): Instrument => instrument('pm_usBankAccount');

export interface PaymentIntentInput {
  amount: number;
  currency: string;
  customer?: string | null;
  description?: string | null;
  metadata?: Record<string, string> | null;
  receipt_email?: string | null;
  payment_method_types?: string[];
  statement_descriptor_suffix?: string | null;
}

export const createPaymentIntent = (ctx: Ctx, p: PaymentIntentInput): Stripe.PaymentIntent => {
  const id = newId('pi', 24);
  const intent: Stripe.PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: p.payment_method_types ?? null,
    amount: p.amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${fingerprint()}`,
    confirmation_method: 'automatic',
    created: ctx.state.now(),
    currency: currencyOf(p.currency),
    customer: p.customer ?? null,
    customer_account: null,
    description: p.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: mergeMetadata({}, p.metadata),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: p.payment_method_types ?? ['card'],
    payment_record: null,
    processing: null,
    receipt_email: p.receipt_email ?? null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: p.statement_descriptor_suffix ?? null,
    status: 'requires_payment_method',
    transfer_group: null,
  };
  ctx.state.store.insert('payment_intent', ctx.account, intent);
  ctx.state.emit(ctx, 'payment_intent.created', intent);
  return intent;
};

const paymentMethodDetails = (ctx: Ctx, instrument: Instrument, amount: number): Stripe.Charge.PaymentMethodDetails => {
  if (instrument.kind === 'us_bank_account')
    return {
      type: 'us_bank_account',
      us_bank_account: {
        account_holder_type: 'individual',
        account_type: 'checking',
        bank_name: 'STRIPE TEST BANK',
        fingerprint: fingerprint(),
        last4: '6789',
        payment_reference: null,
        routing_number: '110000000',
      },
    };
  return {
    type: 'card',
    card: {
      amount_authorized: instrument.decline ? null : amount,
      authorization_code: instrument.decline ? null : String(100000 + Math.floor(Math.random() * 899999)),
      brand: instrument.brand,
      checks: { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: 'pass' },
      country: 'US',
      exp_month: 12,
      exp_year: new Date(ctx.state.nowMs()).getUTCFullYear() + 3,
      fingerprint: fingerprint(),
      funding: instrument.funding,
      installments: null,
      last4: instrument.last4,
      mandate: null,
      network: instrument.brand,
      network_transaction_id: String(Date.now()),
      regulated_status: 'unregulated',
      three_d_secure: null,
      wallet: null,
      electronic_commerce_indicator: null,
      transaction_link_id: null,
    },
  };
};

export interface Billing {
  email?: string | null;
  name?: string | null;
}

export type PaymentOutcome = 'succeeded' | 'failed' | 'processing';

/**
 * Confirms `intent` with `instrument`: creates the charge and emits what Stripe would —
 * `charge.succeeded` + `payment_intent.succeeded`; `charge.failed` + `payment_intent.payment_failed`;
 * or, for a delayed method, `charge.pending` + `payment_intent.processing`.
 */
export const attemptPayment = (ctx: Ctx, intent: Stripe.PaymentIntent, instrument: Instrument, billing: Billing = {}): { outcome: PaymentOutcome; charge: Stripe.Charge } => {
  const decline = instrument.kind === 'card' ? instrument.decline : undefined;
  const outcome: PaymentOutcome = decline ? 'failed' : instrument.kind === 'us_bank_account' ? 'processing' : 'succeeded';
  const charge: Stripe.Charge = {
    id: newId('ch', 24),
    object: 'charge',
    amount: intent.amount,
    amount_captured: outcome === 'succeeded' ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: outcome === 'succeeded' ? newId('txn', 24) : null,
    billing_details: {
      address: null,
      email: billing.email ?? intent.receipt_email ?? null,
      name: billing.name ?? null,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'KNEADPAY EMULATOR',
    captured: outcome !== 'failed',
    created: ctx.state.now(),
    currency: intent.currency,
    customer: intent.customer,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: decline?.code ?? null,
    failure_message: decline?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...intent.metadata },
    on_behalf_of: null,
    outcome: decline
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'declined_by_network',
          reason: decline.declineCode,
          risk_level: 'normal',
          risk_score: 20,
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          risk_score: 20,
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: outcome === 'succeeded',
    payment_intent: intent.id,
    payment_method: instrument.id,
    payment_method_details: paymentMethodDetails(ctx, instrument, intent.amount),
    receipt_email: intent.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: intent.statement_descriptor_suffix,
    status: outcome === 'succeeded' ? 'succeeded' : outcome === 'failed' ? 'failed' : 'pending',
    transfer_data: null,
    transfer_group: null,
  };
  ctx.state.store.insert('charge', ctx.account, charge);
  intent.latest_charge = charge.id;
  intent.payment_method = instrument.id;
  intent.payment_method_types = [instrument.kind];
  if (outcome === 'succeeded') {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.last_payment_error = null;
    ctx.state.emit(ctx, 'charge.succeeded', charge);
    ctx.state.emit(ctx, 'payment_intent.succeeded', intent);
  } else if (outcome === 'processing') {
    intent.status = 'processing';
    intent.last_payment_error = null;
    ctx.state.emit(ctx, 'charge.pending', charge);
    ctx.state.emit(ctx, 'payment_intent.processing', intent);
  } else {
    failIntent(ctx, intent, charge, decline ?? DECLINED);
  }
  return { outcome, charge };
};

const failIntent = (ctx: Ctx, intent: Stripe.PaymentIntent, charge: Stripe.Charge, decline: { code: string; declineCode: string; message: string }) => {
  intent.status = 'requires_payment_method';
  intent.last_payment_error = {
    type: 'card_error',
    code: decline.code,
    decline_code: decline.declineCode,
    message: decline.message,
    charge: charge.id,
    payment_method_type: charge.payment_method_details?.type ?? 'card',
  };
  ctx.state.emit(ctx, 'charge.failed', charge);
  ctx.state.emit(ctx, 'payment_intent.payment_failed', intent);
};

/** Settles a delayed (`processing`) payment. */
export const settlePayment = (ctx: Ctx, intent: Stripe.PaymentIntent, succeeded: boolean): Stripe.Charge => {
  if (intent.status !== 'processing') throw invalidRequest(`PaymentIntent ${intent.id} is not processing (status ${intent.status}); only a delayed payment can be settled.`);
  const charge = need(ctx, 'charge', typeof intent.latest_charge === 'string' ? intent.latest_charge : (intent.latest_charge?.id ?? ''));
  if (succeeded) {
    charge.status = 'succeeded';
    charge.paid = true;
    charge.amount_captured = charge.amount;
    charge.balance_transaction = newId('txn', 24);
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    ctx.state.emit(ctx, 'charge.succeeded', charge);
    ctx.state.emit(ctx, 'payment_intent.succeeded', intent);
  } else {
    charge.status = 'failed';
    charge.captured = false;
    charge.failure_code = 'insufficient_funds';
    charge.failure_message = "The customer's account has insufficient funds to cover this payment.";
    failIntent(ctx, intent, charge, { code: 'payment_intent_payment_attempt_failed', declineCode: 'insufficient_funds', message: charge.failure_message });
  }
  return charge;
};

export const createRefund = (
  ctx: Ctx,
  charge: Stripe.Charge,
  p: { amount?: number; reason?: Stripe.RefundCreateParams.Reason; metadata?: Record<string, string> | null; description?: string },
): Stripe.Refund => {
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} cannot be refunded because its status is ${charge.status}.`, { param: 'charge' });
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} has been charged back; it cannot be refunded.`, { code: 'charge_disputed', param: 'charge' });
  const refundable = charge.amount - charge.amount_refunded;
  if (refundable <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded', param: 'charge' });
  const amount = p.amount ?? refundable;
  checkAmount(amount, 'amount');
  if (amount > refundable) throw invalidRequest(`Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`, { code: 'amount_too_large', param: 'amount' });
  const refund: Stripe.Refund = {
    id: newId('re', 24),
    object: 'refund',
    amount,
    balance_transaction: newId('txn', 24),
    charge: charge.id,
    created: ctx.state.now(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    ...(p.description ? { description: p.description } : {}),
    metadata: mergeMetadata({}, p.metadata),
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: p.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  ctx.state.store.insert('refund', ctx.account, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  ctx.state.emit(ctx, 'refund.created', refund);
  // At current API versions the Charge in `charge.refunded` carries no `refunds` list (the endpoint's version decides: state.emit).
  ctx.state.emit(ctx, 'charge.refunded', charge);
  return refund;
};

/** Stripe's dispute statuses (API reference, Dispute.status): inquiries first, then chargebacks, then closed ones. */
export const INQUIRY_OPEN = ['warning_needs_response', 'warning_under_review'] as const;
export const CHARGEBACK_OPEN = ['needs_response', 'under_review'] as const;
export const CLOSED = ['warning_closed', 'won', 'lost', 'prevented'] as const;
export const DISPUTE_STATUSES = [...INQUIRY_OPEN, ...CHARGEBACK_OPEN, ...CLOSED] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];
const isClosed = (status: string) => (CLOSED as readonly string[]).includes(status);
const isInquiry = (status: string) => status.startsWith('warning_');

export const createDispute = (
  ctx: Ctx,
  charge: Stripe.Charge,
  p: { reason?: string; amount?: number; status?: (typeof INQUIRY_OPEN)[number] | (typeof CHARGEBACK_OPEN)[number] } = {},
): Stripe.Dispute => {
  const status = p.status ?? 'needs_response';
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} did not succeed; it cannot be disputed.`);
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} is already disputed.`);
  const card = charge.payment_method_details?.card;
  const dispute: Stripe.Dispute = {
    id: newId('dp', 24),
    object: 'dispute',
    amount: p.amount ?? charge.amount,
    balance_transactions: [],
    charge: charge.id,
    created: ctx.state.now(),
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: {
      access_activity_log: null,
      billing_address: null,
      cancellation_policy: null,
      cancellation_policy_disclosure: null,
      cancellation_rebuttal: null,
      customer_communication: null,
      customer_email_address: null,
      customer_name: null,
      customer_purchase_ip: null,
      customer_signature: null,
      duplicate_charge_documentation: null,
      duplicate_charge_explanation: null,
      duplicate_charge_id: null,
      enhanced_evidence: {},
      product_description: null,
      receipt: null,
      refund_policy: null,
      refund_policy_disclosure: null,
      refund_refusal_explanation: null,
      service_date: null,
      service_documentation: null,
      shipping_address: null,
      shipping_carrier: null,
      shipping_date: null,
      shipping_documentation: null,
      shipping_tracking_number: null,
      uncategorized_file: null,
      uncategorized_text: null,
    },
    evidence_details: {
      due_by: ctx.state.now() + 7 * 86_400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    ...(card
      ? {
          payment_method_details: {
            type: 'card',
            card: { brand: card.brand ?? 'visa', case_type: isInquiry(status) ? 'inquiry' : 'chargeback', network: card.network ?? 'visa', network_reason_code: '10.4' },
          },
        }
      : {}),
    reason: p.reason ?? 'fraudulent',
    status,
  };
  ctx.state.store.insert('dispute', ctx.account, dispute);
  charge.disputed = true;
  ctx.state.emit(ctx, 'charge.dispute.created', dispute);
  return dispute;
};

/**
 * Moves a dispute as Stripe does: to another open status (an inquiry escalating to a chargeback,
 * evidence submitted: `charge.dispute.updated`) or to a closed one (`charge.dispute.closed`).
 * `warning_closed` closes inquiries only; `won`, `lost` and `prevented` close chargebacks (an
 * inquiry that ends `won`/`lost` escalated first). A closed dispute does not move again.
 */
export const closeDispute = (ctx: Ctx, dispute: Stripe.Dispute, status: DisputeStatus): Stripe.Dispute => {
  if (isClosed(dispute.status)) throw invalidRequest(`Dispute ${dispute.id} is already closed (${dispute.status}).`);
  if (status === dispute.status) throw invalidRequest(`Dispute ${dispute.id} is already ${status}.`);
  if (status === 'warning_closed' && !isInquiry(dispute.status)) throw invalidRequest(`Dispute ${dispute.id} is a chargeback, not an inquiry: it cannot close as warning_closed.`);
  if (isInquiry(status) && !isInquiry(dispute.status)) throw invalidRequest(`Dispute ${dispute.id} is a chargeback: it cannot become an inquiry again.`);
  if (!isClosed(status)) {
    dispute.status = status;
    ctx.state.emit(ctx, 'charge.dispute.updated', dispute);
    return dispute;
  }
  if (isInquiry(dispute.status) && status !== 'warning_closed') {
    // An inquiry escalates to a chargeback before it can be won, lost or prevented.
    dispute.status = 'needs_response';
    ctx.state.emit(ctx, 'charge.dispute.updated', dispute);
  }
  dispute.status = status;
  dispute.is_charge_refundable = false;
  ctx.state.emit(ctx, 'charge.dispute.closed', dispute);
  return dispute;
};

// ---- API --------------------------------------------------------------------------------------

const piCreate = paramsFor<Stripe.PaymentIntentCreateParams>()({
  ...common,
  amount: required(int()),
  currency: required(str()),
  customer: str(),
  description: str(),
  metadata: metadata(),
  receipt_email: str(),
  payment_method: str(),
  allowed_payment_method_types: arr(str()),
  confirm: bool(),
  return_url: str(),
  statement_descriptor_suffix: str({ maxLength: 22 }),
  automatic_payment_methods: obj({ enabled: required(bool()), allow_redirects: str({ values: ['always', 'never'] }) }),
});
const piUpdate = paramsFor<Stripe.PaymentIntentUpdateParams>()({
  ...common,
  amount: int(),
  description: emptyable(str()),
  metadata: metadata(),
  receipt_email: emptyable(str()),
  customer: str(),
});
const piConfirm = paramsFor<Stripe.PaymentIntentConfirmParams>()({
  ...common,
  payment_method: str(),
  return_url: str(),
  receipt_email: emptyable(str()),
});
const piCancel = paramsFor<Stripe.PaymentIntentCancelParams>()({
  ...common,
  cancellation_reason: str({ values: ['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer'] }),
});
const piList = paramsFor<Stripe.PaymentIntentListParams>()({ ...listing, customer: str() });
const chargeUpdate = paramsFor<Stripe.ChargeUpdateParams>()({ ...common, description: str(), metadata: metadata(), receipt_email: str() });
const chargeList = paramsFor<Stripe.ChargeListParams>()({ ...listing, customer: str(), payment_intent: str() });
const refundCreate = paramsFor<Stripe.RefundCreateParams>()({
  ...common,
  charge: str(),
  payment_intent: str(),
  amount: int(),
  reason: str({ values: ['duplicate', 'fraudulent', 'requested_by_customer'] }),
  metadata: metadata(),
});
const refundUpdate = paramsFor<Stripe.RefundUpdateParams>()({ ...common, metadata: metadata() });
const refundList = paramsFor<Stripe.RefundListParams>()({ ...listing, charge: str(), payment_intent: str() });
const disputeUpdate = paramsFor<Stripe.DisputeUpdateParams>()({ ...common, metadata: metadata() });
const disputeList = paramsFor<Stripe.DisputeListParams>()({ ...listing, charge: str(), payment_intent: str() });

const confirmIntent = (ctx: Ctx, intent: Stripe.PaymentIntent, paymentMethod: string | undefined) => {
  if (!['requires_payment_method', 'requires_confirmation'].includes(intent.status))
    throw invalidRequest(`You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`, {
      code: 'payment_intent_unexpected_state',
    });
  if (!paymentMethod)
    throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", {
      code: 'payment_intent_unexpected_state',
      param: 'payment_method',
    });
  const { outcome, charge } = attemptPayment(ctx, intent, instrument(paymentMethod));
  if (outcome === 'failed')
    throw cardDeclined(charge.failure_message ?? 'Your card was declined.', charge.outcome?.reason ?? 'generic_decline', {
      charge: charge.id,
      payment_intent: structuredClone(intent),
    });
  return intent;
};

const latestChargeOf = (ctx: Ctx, intent: Stripe.PaymentIntent, param: string): Stripe.Charge => {
  const id = typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge?.id;
  if (!id || intent.status !== 'succeeded') throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { param });
  return need(ctx, 'charge', id, param);
};

export const paymentRoutes = [
  route('POST', '/v1/payment_intents', piCreate, (ctx, p) => {
    checkAmount(p.amount, 'amount');
    if (p.customer) need(ctx, 'customer', p.customer, 'customer');
    const intent = createPaymentIntent(ctx, {
      amount: p.amount,
      currency: p.currency,
      ...(p.customer !== undefined ? { customer: p.customer } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
      ...(p.receipt_email !== undefined ? { receipt_email: p.receipt_email } : {}),
      ...(p.allowed_payment_method_types !== undefined ? { payment_method_types: p.allowed_payment_method_types } : {}),
      ...(p.statement_descriptor_suffix !== undefined ? { statement_descriptor_suffix: p.statement_descriptor_suffix } : {}),
    });
    if (p.payment_method) {
      instrument(p.payment_method);
      // Test aliases (`pm_card_visa`) stand in for the PaymentMethod until confirmation.
      intent.payment_method = p.payment_method;
      intent.status = 'requires_confirmation';
    }
    return p.confirm ? confirmIntent(ctx, intent, p.payment_method) : intent;
  }),
  route('GET', '/v1/payment_intents/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'payment_intent', id)),
  route('POST', '/v1/payment_intents/:id', piUpdate, (ctx, p, { id = '' }) => {
    const intent = need(ctx, 'payment_intent', id);
    if (p.amount !== undefined) {
      if (!['requires_payment_method', 'requires_confirmation'].includes(intent.status))
        throw invalidRequest(`You cannot update the amount of a PaymentIntent with status ${intent.status}.`, { param: 'amount' });
      checkAmount(p.amount, 'amount');
      intent.amount = p.amount;
    }
    if (p.customer !== undefined) intent.customer = need(ctx, 'customer', p.customer, 'customer').id;
    if (p.description !== undefined) intent.description = p.description;
    if (p.receipt_email !== undefined) intent.receipt_email = p.receipt_email;
    if (p.metadata !== undefined) intent.metadata = mergeMetadata(intent.metadata, p.metadata);
    return intent;
  }),
  route('POST', '/v1/payment_intents/:id/confirm', piConfirm, (ctx, p, { id = '' }) => {
    const intent = need(ctx, 'payment_intent', id);
    if (p.receipt_email !== undefined) intent.receipt_email = p.receipt_email;
    const pending = typeof intent.payment_method === 'string' ? intent.payment_method : undefined;
    return confirmIntent(ctx, intent, p.payment_method ?? pending);
  }),
  route('POST', '/v1/payment_intents/:id/cancel', piCancel, (ctx, p, { id = '' }) => {
    const intent = need(ctx, 'payment_intent', id);
    if (['succeeded', 'canceled', 'processing'].includes(intent.status))
      throw invalidRequest(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action.`,
        { code: 'payment_intent_unexpected_state' },
      );
    intent.status = 'canceled';
    intent.canceled_at = ctx.state.now();
    intent.cancellation_reason = p.cancellation_reason ?? null;
    ctx.state.emit(ctx, 'payment_intent.canceled', intent);
    return intent;
  }),
  route('GET', '/v1/payment_intents', piList, (ctx, p) =>
    paginate(
      ctx.state.store.list('payment_intent', ctx.account, (x) => (p.customer === undefined || x.customer === p.customer) && inRange(x.created, p.created)),
      p,
      '/v1/payment_intents',
      'payment_intent',
    ),
  ),

  route('GET', '/v1/charges/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'charge', id)),
  route('POST', '/v1/charges/:id', chargeUpdate, (ctx, p, { id = '' }) => {
    const charge = need(ctx, 'charge', id);
    const before = structuredClone(charge);
    if (p.description !== undefined) charge.description = p.description;
    if (p.receipt_email !== undefined) charge.receipt_email = p.receipt_email;
    if (p.metadata !== undefined) charge.metadata = mergeMetadata(charge.metadata, p.metadata);
    const previous = previousAttributes(before, charge);
    if (Object.keys(previous).length) ctx.state.emit(ctx, 'charge.updated', charge, previous);
    return charge;
  }),
  route('GET', '/v1/charges', chargeList, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'charge',
        ctx.account,
        (x) => (p.customer === undefined || x.customer === p.customer) && (p.payment_intent === undefined || x.payment_intent === p.payment_intent) && inRange(x.created, p.created),
      ),
      p,
      '/v1/charges',
      'charge',
    ),
  ),
  route('GET', '/v1/charges/:id/refunds', listing, (ctx, p, { id = '' }) => {
    need(ctx, 'charge', id);
    return paginate(
      ctx.state.store.list('refund', ctx.account, (r) => r.charge === id),
      p,
      `/v1/charges/${id}/refunds`,
      'refund',
    );
  }),

  route('POST', '/v1/refunds', refundCreate, (ctx, p) => {
    if (!p.charge && !p.payment_intent)
      throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', {
        param: 'charge',
        code: 'parameter_missing',
        validation: true,
      });
    let charge: Stripe.Charge;
    if (p.payment_intent) {
      charge = latestChargeOf(ctx, need(ctx, 'payment_intent', p.payment_intent, 'payment_intent'), 'payment_intent');
      if (p.charge && p.charge !== charge.id) throw invalidRequest(`Charge ${p.charge} does not belong to PaymentIntent ${p.payment_intent}.`, { param: 'charge' });
    } else {
      charge = need(ctx, 'charge', p.charge ?? '', 'charge');
    }
    return createRefund(ctx, charge, {
      ...(p.amount !== undefined ? { amount: p.amount } : {}),
      ...(p.reason !== undefined ? { reason: p.reason } : {}),
      ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
    });
  }),
  route('GET', '/v1/refunds/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'refund', id)),
  route('POST', '/v1/refunds/:id', refundUpdate, (ctx, p, { id = '' }) => {
    const refund = need(ctx, 'refund', id);
    if (p.metadata !== undefined) refund.metadata = mergeMetadata(refund.metadata, p.metadata);
    return refund;
  }),
  route('GET', '/v1/refunds', refundList, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'refund',
        ctx.account,
        (x) => (p.charge === undefined || x.charge === p.charge) && (p.payment_intent === undefined || x.payment_intent === p.payment_intent) && inRange(x.created, p.created),
      ),
      p,
      '/v1/refunds',
      'refund',
    ),
  ),

  route('GET', '/v1/disputes/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'dispute', id)),
  route('POST', '/v1/disputes/:id', disputeUpdate, (ctx, p, { id = '' }) => {
    const dispute = need(ctx, 'dispute', id);
    if (p.metadata !== undefined) dispute.metadata = mergeMetadata(dispute.metadata, p.metadata);
    return dispute;
  }),
  // Accepting a dispute: a chargeback becomes lost; an inquiry closes (warning_closed).
  route('POST', '/v1/disputes/:id/close', common, (ctx, _p, { id = '' }) => {
    const dispute = need(ctx, 'dispute', id);
    return closeDispute(ctx, dispute, isInquiry(dispute.status) ? 'warning_closed' : 'lost');
  }),
  route('GET', '/v1/disputes', disputeList, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'dispute',
        ctx.account,
        (x) => (p.charge === undefined || x.charge === p.charge) && (p.payment_intent === undefined || x.payment_intent === p.payment_intent) && inRange(x.created, p.created),
      ),
      p,
      '/v1/disputes',
      'dispute',
    ),
  ),
];
