/**
 * The webhook's shape check, per object type (functions/core/stripe-event-shapes.ts): each object
 * kneadpay applies events of, as Stripe's API reference shows it, passes; each field kneadpay reads
 * from it, broken in turn, is refused naming that field; a field name that means one thing on one
 * object and another elsewhere (bug 112) is checked only as its own object's; an object kneadpay
 * applies nothing for passes on its envelope. The payloads as the emulator sends them are checked by
 * test/integration/webhook-object-shapes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { APPLIED_EVENT_OBJECTS, assertEventShape, LATEST_STRIPE_TIMESTAMP, type AppliedObjectType } from '../../functions/core/stripe-event-shapes';
import { EFFECTS } from '../../functions/stripe-webhook';

const CREATED = 1_680_651_737;

/** An event envelope as Stripe sends it (API reference, "The Event object"). */
const event = (type: string, object: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  object: 'event',
  api_version: '2026-10-28.endive',
  created: CREATED,
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
  ...over,
});

/**
 * One object of each type kneadpay applies events of, shaped as the samples of Stripe's API reference
 * (docs.stripe.com/api/<object>/object; fields as the stripe-node 23 types, generated from Stripe's
 * OpenAPI spec, define them), with kneadpay's metadata where kneadpay makes the object.
 */
const REFERENCE: Record<AppliedObjectType, { type: string; object: Record<string, unknown> }> = {
  'checkout.session': {
    type: 'checkout.session.completed',
    object: {
      id: 'cs_test_a11YYufWQzNY63zpQ6QSNRQhkUpVph4WRmzW0zWJO2znZKdVujZ0N0S22u',
      object: 'checkout.session',
      after_expiration: null,
      allow_promotion_codes: null,
      amount_subtotal: 42500,
      amount_total: 42500,
      automatic_tax: { enabled: false, liability: null, status: null },
      billing_address_collection: null,
      cancel_url: null,
      client_reference_id: null,
      created: CREATED,
      currency: 'usd',
      customer: 'cus_NeZwdNtLEOXuvB',
      customer_details: { email: 'client@example.test', name: null, phone: null, tax_exempt: 'none', tax_ids: [] },
      customer_email: null,
      expires_at: CREATED + 86_400,
      invoice: null,
      livemode: false,
      locale: null,
      metadata: { practiceId: 'prc_1', clientId: 'cli_1', purchaseId: 'pur_1', packageId: 'pkg_1', sessionsTotal: '5' },
      mode: 'payment',
      payment_intent: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      payment_link: null,
      payment_method_types: ['card'],
      payment_status: 'paid',
      status: 'complete',
      subscription: null,
      success_url: 'https://example.com/success',
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      url: null,
    },
  },
  charge: {
    type: 'charge.refunded',
    object: {
      id: 'ch_3MmlLrLkdIwHu7ix0snN0B15',
      object: 'charge',
      amount: 42500,
      amount_captured: 42500,
      amount_refunded: 10000,
      balance_transaction: 'txn_3MmlLrLkdIwHu7ix0uke3Ezy',
      billing_details: { address: null, email: null, name: null, phone: null },
      captured: true,
      created: CREATED,
      currency: 'usd',
      customer: null,
      description: null,
      disputed: false,
      invoice: null,
      livemode: false,
      metadata: {},
      paid: true,
      payment_intent: 'pi_3MmlLrLkdIwHu7ix0Sb9Dlzi',
      payment_method: 'pm_1MmlLrLkdIwHu7ixIJwEWSNR',
      receipt_url: 'https://pay.stripe.com/receipts/x',
      refunded: false,
      // Before API 2022-11-15, or when expanded: the charge's list of refunds.
      refunds: {
        object: 'list',
        data: [
          {
            id: 're_1Nispe2eZvKYlo2Cd31jOCgZ',
            object: 'refund',
            amount: 10000,
            charge: 'ch_3MmlLrLkdIwHu7ix0snN0B15',
            created: CREATED,
            currency: 'usd',
            metadata: {},
            payment_intent: 'pi_3MmlLrLkdIwHu7ix0Sb9Dlzi',
            reason: null,
            status: 'succeeded',
          },
        ],
        has_more: false,
        total_count: 1,
        url: '/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15/refunds',
      },
      status: 'succeeded',
    },
  },
  dispute: {
    type: 'charge.dispute.closed',
    object: {
      id: 'du_1MtJUT2eZvKYlo2CNaw2HvEv',
      object: 'dispute',
      amount: 1000,
      balance_transactions: [],
      charge: 'ch_1AZtxr2eZvKYlo2CJDX8whov',
      created: CREATED,
      currency: 'usd',
      evidence: { customer_name: null, product_description: null, uncategorized_text: null },
      evidence_details: { due_by: 1_682_294_399, has_evidence: false, past_due: false, submission_count: 0 },
      is_charge_refundable: true,
      livemode: false,
      metadata: {},
      payment_intent: null,
      reason: 'general',
      status: 'lost',
    },
  },
  invoice: {
    type: 'invoice.paid',
    object: {
      id: 'in_1MtHbELkdIwHu7ixl4OzzPMv',
      object: 'invoice',
      account_country: 'US',
      amount_due: 3400,
      amount_overpaid: 0,
      amount_paid: 3400,
      amount_remaining: 0,
      attempt_count: 1,
      collection_method: 'send_invoice',
      created: CREATED,
      currency: 'usd',
      customer: 'cus_NeZwdNtLEOXuvB',
      due_date: CREATED + 30 * 86_400,
      hosted_invoice_url: 'https://invoice.stripe.com/i/acct_1M2JTkLkdIwHu7ix/test_YWNjdF8x',
      lines: { object: 'list', data: [], has_more: false, url: '/v1/invoices/in_1MtHbELkdIwHu7ixl4OzzPMv/lines' },
      livemode: false,
      metadata: { practiceId: 'prc_1', invoiceId: 'inv_1' },
      number: 'A1B2C3-0001',
      // No `payments`: includable (sent only to a request that asks, docs.stripe.com/api/invoice-payment/list), never in an event.
      status: 'paid',
      subtotal: 3400,
      total: 3400,
    },
  },
  credit_note: {
    type: 'credit_note.created',
    object: {
      id: 'cn_1MxvRqLkdIwHu7ixY0xbUcxk',
      object: 'credit_note',
      amount: 500,
      amount_shipping: 0,
      created: CREATED,
      currency: 'usd',
      customer: 'cus_NjLgPhUokHubJC',
      customer_balance_transaction: null,
      discount_amount: 0,
      discount_amounts: [],
      effective_at: CREATED,
      invoice: 'in_1MxvRkLkdIwHu7ixABNtI99m',
      lines: { object: 'list', data: [], has_more: false, url: '/v1/credit_notes/cn_1MxvRqLkdIwHu7ixY0xbUcxk/lines' },
      livemode: false,
      memo: null,
      metadata: {},
      number: 'C9E0C52C-0036-CN-01',
      out_of_band_amount: null,
      pdf: 'https://pay.stripe.com/credit_notes/acct_1M2JTkLkdIwHu7ix/test_YWNjdF8x/pdf',
      post_payment_amount: 0,
      pre_payment_amount: 500,
      pretax_credit_amounts: [],
      reason: null,
      // A credit note's refunds: {refund, amount_refunded} entries, not a charge's list (bug 112).
      refunds: [{ refund: 're_1Nispe2eZvKYlo2Cd31jOCgZ', amount_refunded: 500 }],
      status: 'issued',
      subtotal: 500,
      total: 500,
      type: 'pre_payment',
      voided_at: null,
    },
  },
  account: {
    type: 'account.updated',
    object: {
      id: 'acct_1Nv0FGQ9RKHgCVdK',
      object: 'account',
      business_profile: { mcc: null, name: null, url: null },
      charges_enabled: true,
      country: 'US',
      created: CREATED,
      default_currency: 'usd',
      details_submitted: true,
      email: null,
      metadata: { practiceId: 'prc_1' },
      payouts_enabled: true,
      requirements: { currently_due: [], disabled_reason: null, eventually_due: [], past_due: [] },
      type: 'standard',
    },
  },
  application: {
    type: 'account.application.deauthorized',
    object: { id: 'ca_kneadpay', object: 'application', name: 'kneadpay' },
  },
};

/** Throws → `details.field`; passes → 'passes'. */
const outcome = (payload: unknown): string => {
  try {
    assertEventShape(payload);
    return 'passes';
  } catch (error) {
    expect((error as Error).name).toBe('ValidationError');
    return (error as { details: { field: string } }).details.field;
  }
};

/** The object with `path` (`refunds.data[0].amount`) set to `value`, or left out when `value` is undefined. */
const set = (object: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> => {
  const copy = structuredClone(object);
  const keys = path.split(/\.|(?=\[)/).map((key) => (key.startsWith('[') ? Number(key.slice(1, -1)) : key));
  const parent = keys.slice(0, -1).reduce<any>((at, key) => at[key], copy);
  const last = keys.at(-1)!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
};

describe('the webhook shape check, per object type', () => {
  it('knows the object of every event type kneadpay applies, and of no other (the effect tables)', () => {
    expect(Object.keys(APPLIED_EVENT_OBJECTS).sort()).toEqual(Object.keys(EFFECTS).sort());
  });

  it.each(Object.entries(REFERENCE))('a %s as Stripe’s API reference shows it passes (and without its `object`, taken from the event type)', (_kind, { type, object }) => {
    const { object: _named, ...unnamed } = object;
    expect([outcome(event(type, object)), outcome(event(type, unnamed))]).toEqual(['passes', 'passes']);
  });

  // Each field kneadpay reads, broken in turn: [object type, path under data.object, broken value (undefined: left out)].
  const BROKEN: [AppliedObjectType, string, unknown][] = [
    ['checkout.session', 'id', undefined],
    ['checkout.session', 'id', 'cs_\ud83d'],
    ['checkout.session', 'payment_status', { paid: true }],
    ['checkout.session', 'payment_status', undefined],
    ['checkout.session', 'amount_total', 12.5],
    ['checkout.session', 'amount_total', -1],
    ['checkout.session', 'amount_total', 2 ** 53 + 2],
    ['checkout.session', 'currency', 'USD'],
    ['checkout.session', 'currency', 1e21],
    ['checkout.session', 'payment_intent', 'pi_1/../../v1/balance'],
    ['checkout.session', 'payment_intent', { object: 'payment_intent' }],
    ['checkout.session', 'metadata', ['practiceId']],
    ['checkout.session', 'metadata.purchaseId', 5],
    ['checkout.session', 'metadata.purchaseId', 'x'.repeat(501)],
    ['charge', 'id', undefined],
    ['charge', 'refunds', 5],
    ['charge', 'refunds.data', 'd'],
    ['charge', 'refunds.has_more', 'no'],
    ['charge', 'refunds.data[0].id', undefined],
    ['charge', 'refunds.data[0].amount', 'ten'],
    ['charge', 'refunds.data[0].created', 9_000_000_000_000_000],
    ['charge', 'refunds.data[0].status', ''],
    ['charge', 'payment_intent', '\ud800'],
    ['dispute', 'id', undefined],
    ['dispute', 'amount', undefined],
    ['dispute', 'amount', 2 ** 53 + 2],
    ['dispute', 'status', undefined],
    ['dispute', 'status', 'x'.repeat(65)],
    ['dispute', 'charge', 'ch 1'],
    ['dispute', 'charge', { object: 'charge' }],
    ['invoice', 'id', 'in/1'],
    ['invoice', 'status', { open: true }],
    ['invoice', 'hosted_invoice_url', 'javascript:alert(1)'],
    ['invoice', 'amount_paid', undefined],
    ['invoice', 'amount_paid', 3400.5],
    ['invoice', 'metadata.invoiceId', null],
    ['credit_note', 'id', undefined],
    ['credit_note', 'invoice', undefined],
    ['credit_note', 'invoice', 'in_1 2'],
    ['credit_note', 'pre_payment_amount', 12.5],
    ['credit_note', 'pre_payment_amount', '500'],
    ['credit_note', 'created', undefined],
    ['credit_note', 'created', LATEST_STRIPE_TIMESTAMP + 1],
    ['credit_note', 'metadata', 'x'],
    ['account', 'id', undefined],
    ['account', 'id', 'acct_\u00e9\r\nx-evil: 1'],
  ];
  it.each(BROKEN)('a %s whose %s is %j is refused, naming data.object.<that field>', (kind, path, value) => {
    const { type, object } = REFERENCE[kind];
    expect(outcome(event(type, set(object, path, value)))).toBe(`data.object.${path}`);
  });

  it('an applied event type whose object is another object type is refused naming data.object.object', () => {
    expect([
      outcome(event('charge.refunded', REFERENCE.invoice.object)),
      outcome(event('credit_note.created', REFERENCE.charge.object)),
      outcome(event('charge.dispute.created', REFERENCE.charge.object)),
      outcome(event('account.application.deauthorized', REFERENCE.account.object)),
      outcome(event('invoice.paid', { ...REFERENCE.invoice.object, object: 5 })),
    ]).toEqual(['data.object.object', 'data.object.object', 'data.object.object', 'data.object.object', 'data.object.object']);
  });

  describe('a field name that means one thing on one object and another elsewhere is checked as its own object’s only (bug 112)', () => {
    it('`refunds`: a credit note’s {refund, amount_refunded} entries pass; the same on a charge is refused', () => {
      const noteRefunds = REFERENCE.credit_note.object.refunds;
      expect([outcome(event('credit_note.created', REFERENCE.credit_note.object)), outcome(event('charge.refunded', { ...REFERENCE.charge.object, refunds: noteRefunds }))]).toEqual([
        'passes',
        'data.object.refunds',
      ]);
    });

    it('`amount`: a dispute must carry its amount (what a chargeback moves); a charge, a credit note or a session kneadpay does not read it from', () => {
      const { amount: _d, ...dispute } = REFERENCE.dispute.object;
      const { amount: _c, ...charge } = REFERENCE.charge.object;
      const { amount: _n, ...note } = REFERENCE.credit_note.object;
      expect([
        outcome(event('charge.dispute.created', dispute)),
        outcome(event('charge.refunded', charge)),
        outcome(event('credit_note.created', note)),
        // A charge's `amount` that is not money is not kneadpay's to judge: it reads the refunds, not it.
        outcome(event('charge.refunded', { ...REFERENCE.charge.object, amount: 'n/a' })),
      ]).toEqual(['data.object.amount', 'passes', 'passes', 'passes']);
    });

    it('`status`: an invoice’s is a short string (checked since bug 20); a checkout session’s is not read; a dispute’s (what happened to it) is required', () => {
      expect([
        outcome(event('invoice.paid', { ...REFERENCE.invoice.object, status: ['paid'] })),
        outcome(event('checkout.session.completed', { ...REFERENCE['checkout.session'].object, status: ['complete'] })),
        outcome(event('charge.dispute.closed', { ...REFERENCE.dispute.object, status: undefined })),
      ]).toEqual(['data.object.status', 'passes', 'data.object.status']);
    });

    it('`invoice`: a credit note’s (the invoice it credits, fetched) is a required id; a checkout session’s (not read) is not', () => {
      expect([
        outcome(event('credit_note.created', { ...REFERENCE.credit_note.object, invoice: 'in 1' })),
        outcome(event('credit_note.created', { ...REFERENCE.credit_note.object, invoice: { id: 'in_1', object: 'invoice' } })),
        outcome(event('checkout.session.completed', { ...REFERENCE['checkout.session'].object, invoice: 'in 1' })),
      ]).toEqual(['data.object.invoice', 'passes', 'passes']);
    });

    it('`created`: a credit note’s dates the write-off (required); a checkout session’s is not read', () => {
      const { created: _n, ...note } = REFERENCE.credit_note.object;
      expect([outcome(event('credit_note.created', note)), outcome(event('checkout.session.completed', { ...REFERENCE['checkout.session'].object, created: 'yesterday' }))]).toEqual([
        'data.object.created',
        'passes',
      ]);
    });
  });

  it('an invoice’s `payments` is not checked: includable (docs.stripe.com/api/invoice-payment/list: sent only to a request that asks), never in an event, and not read (bug 123)', () => {
    expect([
      outcome(event('invoice.paid', { ...REFERENCE.invoice.object, payments: { data: 'x' } })),
      outcome(event('invoice.paid', { ...REFERENCE.invoice.object, payments: { object: 'list', data: [{ payment: { payment_intent: 'pi\n1' } }] } })),
    ]).toEqual(['passes', 'passes']);
  });

  it('a charge as Stripe sends it at the pinned API version passes: no `refunds` (not included since 2022-11-15) and no `invoice` (removed in 2025-03-31.basil)', () => {
    const { refunds: _r, invoice: _i, ...charge } = REFERENCE.charge.object;
    expect(outcome(event('charge.refunded', charge))).toBe('passes');
  });

  it('an object kneadpay applies nothing for passes on its envelope, odd fields and all (recorded and ignored, not refused)', () => {
    const odd = { id: 'txn_1', object: 'customer_balance_transaction', amount: -1, refunds: 5, status: { x: 1 }, currency: 'USD', invoice: 'in 1', hosted_invoice_url: 'javascript:x' };
    expect([
      outcome(event('customer_balance_transaction.created', odd)),
      // An invoice item crediting a Dashboard invoice: a negative amount is Stripe's own.
      outcome(event('invoiceitem.created', { id: 'ii_1', object: 'invoiceitem', amount: -500, currency: 'usd' })),
      // An object type kneadpay applies, on an event type it applies nothing for: the envelope only.
      outcome(event('charge.succeeded', { ...REFERENCE.charge.object, refunds: 5 })),
      outcome(event('invoice.upcoming', { object: 'invoice', amount_paid: 0, id: undefined })),
      // A product whose custom id Stripe allowed: not an id kneadpay ever fetches.
      outcome(event('product.created', { id: 'gift card.50', object: 'product' })),
    ]).toEqual(['passes', 'passes', 'passes', 'passes', 'passes']);
  });

  it('the envelope and the routing fields are checked on every event, applied or not', () => {
    const other = { id: 'txn_1', object: 'customer_balance_transaction' };
    expect([
      outcome(event('customer_balance_transaction.created', other, { id: 'evt 1' })),
      outcome(event('customer_balance_transaction.created', other, { created: 9_000_000_000_000_000 })),
      outcome(event('customer_balance_transaction.created', other, { created: -1 })),
      outcome(event('customer_balance_transaction.created', other, { account: 'acct_\r\n' })),
      outcome(event('customer_balance_transaction.created', other, { type: 'x'.repeat(101) })),
      outcome(event('customer_balance_transaction.created', other, { data: {} })),
      // resolvePractice reads these on every event: metadata.practiceId names the partition, the payment intent is refetched…
      outcome(event('customer_balance_transaction.created', { ...other, metadata: { practiceId: 7 } })),
      outcome(event('payment_method.attached', { id: 'pm_1', object: 'payment_method', payment_intent: '\ud800' })),
      // … and a credit note's invoice (credit_note.voided is not applied, but its invoice is fetched to find the practice).
      outcome(event('credit_note.voided', { ...REFERENCE.credit_note.object, invoice: 'in_1/../x' })),
    ]).toEqual(['id', 'created', 'created', 'account', 'type', 'data.object', 'data.object.metadata.practiceId', 'data.object.payment_intent', 'data.object.invoice']);
  });

  it('a "__proto__" event type is no applied type (own keys only)', () => {
    expect(outcome(event('__proto__', { id: 'x_1', object: 'checkout.session' }))).toBe('passes');
  });
});
