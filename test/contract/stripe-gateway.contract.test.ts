/**
 * The Stripe contract suite (`npm run test:stripe`; docs/local.md): every call the gateway
 * (functions/stripe/) makes, and every field kneadpay reads back, against real Stripe test mode
 * when STRIPE_SECRET_KEY is a test key, else against the emulator. Green on both means the emulator
 * and Stripe agree on everything kneadpay relies on. It prints the calls and fields it covered.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archivePrice, createPrice, createProduct, findPriceByLookupKey, retrieveProduct } from '../../functions/stripe/catalog';
import { connectedAccountIfVisible, createConnectedAccount, createOnboardingLink, findAccountOfPractice, openPaymentsOnAccount, retrieveConnectedAccount } from '../../functions/stripe/accounts';
import { createCheckoutSession } from '../../functions/stripe/checkout';
import { createCustomer, findCustomer, retrieveCustomer, updateCustomer } from '../../functions/stripe/customers';
import { constructSignedEvent, listEventsPage } from '../../functions/stripe/events';
import { StripeRefusedError, type StripeScope } from '../../functions/stripe/gateway';
import {
  createCreditNote,
  createInvoice,
  createInvoiceItem,
  deleteDraftInvoice,
  findCreditNoteByMetadata,
  finalizeInvoice,
  findInvoiceByMetadata,
  findInvoiceItemByMetadata,
  listInvoicePayments,
  findInvoiceOfPaymentIntent,
  retrieveInvoice,
  voidInvoice,
} from '../../functions/stripe/invoices';
import { findPaymentIntent } from '../../functions/stripe/payments';
import { createRefund, listRefunds } from '../../functions/stripe/refunds';
import { contractTarget, coverage, covered, type ContractTarget } from './target';

let target: ContractTarget;
let scope: StripeScope;
/** Unique per run, so keys and ids never collide with an earlier run on the same Stripe account. */
const run = `ct${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const key = (what: string) => `contract:${run}:${what}`;
const since = Math.floor(Date.now() / 1000) - 60;

beforeAll(async () => {
  target = await contractTarget();
  scope = { stripe: target.stripe };
});
afterAll(async () => {
  const lines = [...coverage].map(([call, fields]) => `  ${call.padEnd(34)} ${[...fields].join(', ')}`);
  process.stdout.write(`\nStripe contract suite against ${target?.kind}: ${coverage.size} gateway calls covered\n${lines.join('\n')}\n`);
  await target?.stop();
});

const refusal = async (promise: Promise<unknown>): Promise<StripeRefusedError> => {
  try {
    await promise;
  } catch (error) {
    return error as StripeRefusedError;
  }
  throw new Error('expected Stripe to refuse');
};

describe('the target', () => {
  it('refuses a live key before any request', async () => {
    const saved = { key: process.env.STRIPE_SECRET_KEY, base: process.env.STRIPE_API_BASE };
    process.env.STRIPE_SECRET_KEY = 'sk_live_not_a_real_key';
    try {
      await expect(contractTarget()).rejects.toThrow(/live key/);
    } finally {
      if (saved.key === undefined) delete process.env.STRIPE_SECRET_KEY;
      else process.env.STRIPE_SECRET_KEY = saved.key;
      if (saved.base !== undefined) process.env.STRIPE_API_BASE = saved.base;
    }
  });
});

describe('customers', () => {
  it('create with name, email and metadata; update the email; find by created and metadata; retrieve', async () => {
    const made = await createCustomer(scope, { name: 'Contract Client', email: `${run}@example.com`, metadata: { practiceId: `prac_${run}`, clientId: `cli_${run}` } }, key('customer'));
    expect(made).toMatchObject({ id: expect.stringMatching(/^cus_/), email: `${run}@example.com`, metadata: { clientId: `cli_${run}` } });
    covered('customers.create', 'id', 'email', 'metadata.clientId', 'metadata.practiceId');
    const again = await createCustomer(scope, { name: 'Contract Client', email: `${run}@example.com`, metadata: { practiceId: `prac_${run}`, clientId: `cli_${run}` } }, key('customer'));
    expect(again.id).toBe(made.id);
    covered('customers.create', 'idempotent replay (same key → same id)');
    const updated = await updateCustomer(scope, made.id, { email: `${run}.new@example.com`, name: 'Contract Client' }, key('customer-contact'));
    expect(updated.email).toBe(`${run}.new@example.com`);
    covered('customers.update', 'email');
    const found = await findCustomer(scope, since, (customer) => customer.metadata?.clientId === `cli_${run}`);
    expect(found?.id).toBe(made.id);
    covered('customers.list', 'created[gte]', 'metadata.clientId');
    expect(await retrieveCustomer(scope, made.id)).toMatchObject({ id: made.id, email: `${run}.new@example.com` });
    covered('customers.retrieve', 'email');
  });
});

describe('catalog', () => {
  it('product with our id (a second create → resource_already_exists); price with a lookup key (a second → param lookup_key); find; archive', async () => {
    const productId = `kneadpay_${run}`;
    const product = await createProduct(scope, { id: productId, name: 'Session package (5 × 60 min)', metadata: { packageId: `pkg_${run}` } }, key('product'));
    expect(product).toMatchObject({ id: productId, metadata: { packageId: `pkg_${run}` } });
    covered('products.create', 'id', 'metadata.packageId');
    const duplicate = await refusal(createProduct(scope, { id: productId, name: 'Session package (5 × 60 min)' }, key('product-2')));
    expect(duplicate).toBeInstanceOf(StripeRefusedError);
    expect(duplicate.stripeCode).toBe('resource_already_exists');
    covered('products.create', 'error code resource_already_exists');
    expect((await retrieveProduct(scope, productId)).metadata?.packageId).toBe(`pkg_${run}`);
    covered('products.retrieve', 'metadata.packageId');

    const lookupKey = `kneadpay_${run}_v0_42500`;
    const price = await createPrice(scope, { product: productId, unit_amount: 42500, currency: 'usd', lookup_key: lookupKey, metadata: { packageId: `pkg_${run}` } }, key('price'));
    expect(price).toMatchObject({ id: expect.stringMatching(/^price_/), product: productId, unit_amount: 42500, active: true });
    covered('prices.create', 'id', 'product', 'unit_amount');
    const taken = await refusal(createPrice(scope, { product: productId, unit_amount: 42500, currency: 'usd', lookup_key: lookupKey }, key('price-2')));
    expect(taken.param).toBe('lookup_key');
    covered('prices.create', 'error param lookup_key');
    expect((await findPriceByLookupKey(scope, lookupKey))?.id).toBe(price.id);
    covered('prices.list', 'lookup_keys[]', 'product', 'unit_amount');
    expect((await archivePrice(scope, price.id, key('archive'))).active).toBe(false);
    covered('prices.update', 'active');
  });
});

describe('checkout', () => {
  it('a payment session for a customer: id, hosted url, metadata', async () => {
    const customer = await createCustomer(scope, { email: `${run}.co@example.com`, metadata: { clientId: `cli_${run}_co` } }, key('co-customer'));
    const product = await createProduct(scope, { name: 'Session package (1 × 60 min)' }, key('co-product'));
    const price = await createPrice(scope, { product: product.id, unit_amount: 9000, currency: 'usd' }, key('co-price'));
    const session = await createCheckoutSession(
      scope,
      {
        mode: 'payment',
        customer: customer.id,
        client_reference_id: `pur_${run}`,
        line_items: [{ price: price.id, quantity: 1 }],
        metadata: { purchaseId: `pur_${run}` },
        payment_intent_data: { metadata: { purchaseId: `pur_${run}` } },
        success_url: 'https://example.com/success?session_id={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://example.com/cancel',
      },
      key('session'),
    );
    expect(session).toMatchObject({ id: expect.stringMatching(/^cs_/), url: expect.stringMatching(/^https?:\/\//), metadata: { purchaseId: `pur_${run}` }, customer: customer.id });
    covered('checkout.sessions.create', 'id', 'url', 'metadata');
  });
});

describe('invoices', () => {
  it('send_invoice refuses a customer without an email ("Missing email…")', async () => {
    const bare = await createCustomer(scope, { metadata: { clientId: `cli_${run}_bare` } }, key('bare'));
    const refused = await refusal(createInvoice(scope, { customer: bare.id, collection_method: 'send_invoice', days_until_due: 14 }, key('bare-invoice')));
    expect(refused.message).toContain('Missing email. In order to create invoices that are sent to the customer, the customer must have a valid email.');
    covered('invoices.create', 'refusal without customer email');
  });

  it('create → line → find by metadata → finalize (hosted url, due date) → payments → void; a draft is deleted', async () => {
    const customer = await createCustomer(scope, { email: `${run}.inv@example.com`, name: 'Contract Client' }, key('inv-customer'));
    const metadata = { invoiceId: `inv_${run}` };
    const invoice = await createInvoice(
      scope,
      { customer: customer.id, collection_method: 'send_invoice', days_until_due: 14, auto_advance: false, currency: 'usd', description: 'Balance after insurance', metadata },
      key('invoice'),
    );
    expect(invoice).toMatchObject({ id: expect.stringMatching(/^in_/), status: 'draft', collection_method: 'send_invoice' });
    covered('invoices.create', 'id', 'status');
    const item = await createInvoiceItem(scope, { customer: customer.id, invoice: invoice.id, amount: 3400, currency: 'usd', description: 'Balance after insurance', metadata }, key('item'));
    expect(item.id).toMatch(/^ii_/);
    covered('invoiceItems.create', 'id');
    expect((await findInvoiceByMetadata(scope, customer.id, `inv_${run}`))?.id).toBe(invoice.id);
    covered('invoices.list', 'customer', 'metadata.invoiceId');
    expect((await findInvoiceItemByMetadata(scope, invoice.id, `inv_${run}`))?.id).toBe(item.id);
    covered('invoiceItems.list', 'invoice', 'metadata.invoiceId');
    expect((await retrieveInvoice(scope, invoice.id)).status).toBe('draft');
    covered('invoices.retrieve', 'status');
    const finalized = await finalizeInvoice(scope, invoice.id, { auto_advance: false }, key('finalize'));
    expect(finalized).toMatchObject({ status: 'open', amount_due: 3400, hosted_invoice_url: expect.stringMatching(/^https?:\/\//), due_date: expect.any(Number) });
    covered('invoices.finalizeInvoice', 'status', 'amount_due', 'hosted_invoice_url', 'due_date');
    expect(await listInvoicePayments(scope, invoice.id)).toEqual(expect.any(Array));
    covered('invoicePayments.list', 'empty list before payment');
    expect((await voidInvoice(scope, invoice.id, key('void'))).status).toBe('void');
    covered('invoices.voidInvoice', 'status');

    // A paid invoice: its payment names the payment intent (what an overpayment refund is made on).
    const toPay = await createInvoice(
      scope,
      { customer: customer.id, collection_method: 'send_invoice', days_until_due: 14, auto_advance: false, currency: 'usd', metadata: { invoiceId: `inv_${run}_paid` } },
      key('to-pay'),
    );
    await createInvoiceItem(scope, { customer: customer.id, invoice: toPay.id, amount: 1200, currency: 'usd' }, key('to-pay-item'));
    await finalizeInvoice(scope, toPay.id, { auto_advance: false }, key('to-pay-finalize'));
    await target.stripe.invoices.pay(toPay.id, { payment_method: 'pm_card_visa' });
    const [payment] = await listInvoicePayments(scope, toPay.id);
    expect(payment).toMatchObject({ status: 'paid', payment: { type: 'payment_intent', payment_intent: expect.stringMatching(/^pi_/) } });
    covered('invoicePayments.list', 'status', 'payment.payment_intent');
    // Invoice.payments is includable (docs.stripe.com/api/invoice-payment/list): a plain retrieve and
    // the invoice.paid event carry none, so kneadpay never reads it from an event (bug 123).
    expect('payments' in (await retrieveInvoice(scope, toPay.id))).toBe(false);
    const paidEvents = await listEventsPage(scope, { createdGte: since, types: ['invoice.paid'] });
    const paidEvent = paidEvents.events.find((event) => (event.data.object as { id?: string }).id === toPay.id);
    expect(paidEvent).toMatchObject({ type: 'invoice.paid' });
    expect('payments' in paidEvent!.data.object).toBe(false);
    covered('invoices.retrieve', 'no payments unless asked');
    covered('events.list', 'invoice.paid without payments');
    // A charge names only its payment intent: the invoice it paid is found by the payment filter.
    expect((await findInvoiceOfPaymentIntent(scope, payment!.payment.payment_intent as string))?.metadata).toMatchObject({ invoiceId: `inv_${run}_paid` });
    expect(await findInvoiceOfPaymentIntent(scope, 'pi_not_an_invoice_payment')).toBeUndefined();
    // Stripe's API reference marks `payment.type` required when `payment` is given.
    const withoutType = await target.stripe.invoicePayments.list({ payment: { payment_intent: payment!.payment.payment_intent as string } as never }).catch((error: unknown) => error);
    expect(withoutType).toMatchObject({ type: 'StripeInvalidRequestError', param: 'payment[type]' });
    covered('invoicePayments.list', 'payment[type]', 'payment[payment_intent]', 'invoice', 'refusal without payment[type]');

    // Part of a balance written off (decisions/014): a pre-payment credit note lowers what the open invoice asks for.
    const toCredit = await createInvoice(
      scope,
      { customer: customer.id, collection_method: 'send_invoice', days_until_due: 14, auto_advance: false, currency: 'usd', metadata: { invoiceId: `inv_${run}_credited` } },
      key('to-credit'),
    );
    await createInvoiceItem(scope, { customer: customer.id, invoice: toCredit.id, amount: 3400, currency: 'usd' }, key('to-credit-item'));
    await finalizeInvoice(scope, toCredit.id, { auto_advance: false }, key('to-credit-finalize'));
    const creditNote = await createCreditNote(scope, { invoice: toCredit.id, amount: 1000, email_type: 'none', metadata: { writeOffId: `wo_${run}` } }, key('credit-note'));
    expect(creditNote).toMatchObject({ id: expect.stringMatching(/^cn_/), type: 'pre_payment', amount: 1000, status: 'issued' });
    covered('creditNotes.create', 'id', 'type', 'amount', 'status', 'email_type');
    expect((await createCreditNote(scope, { invoice: toCredit.id, amount: 1000, email_type: 'none', metadata: { writeOffId: `wo_${run}` } }, key('credit-note'))).id).toBe(creditNote.id);
    covered('creditNotes.create', 'idempotent replay');
    expect(await retrieveInvoice(scope, toCredit.id)).toMatchObject({ status: 'open', amount_due: 2400, amount_remaining: 2400 });
    covered('invoices.retrieve', 'amount_remaining after a credit note');
    expect((await findCreditNoteByMetadata(scope, toCredit.id, `wo_${run}`))?.id).toBe(creditNote.id);
    expect(await findCreditNoteByMetadata(scope, toCredit.id, 'wo_other')).toBeUndefined();
    covered('creditNotes.list', 'invoice', 'metadata.writeOffId');
    expect(await refusal(createCreditNote(scope, { invoice: toCredit.id, amount: 5000, email_type: 'none' }, key('credit-note-over')))).toMatchObject({ status: 502, param: 'amount' });
    covered('creditNotes.create', 'refusal over what remains');

    const draft = await createInvoice(scope, { customer: customer.id, collection_method: 'send_invoice', days_until_due: 14, auto_advance: false, currency: 'usd' }, key('draft'));
    expect((await deleteDraftInvoice(scope, draft.id)).deleted).toBe(true);
    covered('invoices.del', 'deleted');
  });
});

describe('the minimum charge amount (docs.stripe.com/currencies; docs.stripe.com/api/invoices)', () => {
  it('an invoice below $0.50 is marked paid at finalization with nothing paid and its amount moves to the customer balance; a Checkout Session below it is refused', async () => {
    const customer = await createCustomer(scope, { email: `${run}.min@example.com`, name: 'Minimum Charge' }, key('min-customer'));
    const invoice = await createInvoice(
      scope,
      { customer: customer.id, collection_method: 'send_invoice', days_until_due: 14, auto_advance: false, currency: 'usd', metadata: { invoiceId: `inv_${run}_min` } },
      key('min-invoice'),
    );
    await createInvoiceItem(scope, { customer: customer.id, invoice: invoice.id, amount: 30, currency: 'usd' }, key('min-item'));
    const finalized = await finalizeInvoice(scope, invoice.id, { auto_advance: false }, key('min-finalize'));
    expect(finalized).toMatchObject({ status: 'paid', total: 30, amount_paid: 0, amount_remaining: 0 });
    expect(await retrieveCustomer(scope, customer.id)).toMatchObject({ balance: 30 });
    covered('invoices.finalizeInvoice', 'below the minimum: status paid, amount_paid 0, customer balance +amount');

    const product = await createProduct(scope, { name: 'Session package (1 × 60 min)' }, key('min-product'));
    const price = await createPrice(scope, { product: product.id, unit_amount: 49, currency: 'usd' }, key('min-price'));
    const refused = await refusal(
      createCheckoutSession(
        scope,
        { mode: 'payment', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://example.com/ok', cancel_url: 'https://example.com/no' },
        key('min-session'),
      ),
    );
    expect(refused).toMatchObject({ name: 'StripeRefusedError', type: 'StripeInvalidRequestError' });
    covered('checkout.sessions.create', 'refusal below the minimum charge');
  });
});

describe('days_until_due (Stripe publishes only "type": "integer", send_invoice only)', () => {
  it('refused with charge_automatically and without a due date on send_invoice; a negative count refused (inferred, checked here); no upper limit (3651 accepted)', async () => {
    const customer = await createCustomer(scope, { name: 'Due Days', email: `${run}.due@example.com` }, key('due-customer'));
    // Cast: the gateway's type admits only the collection_method kneadpay sends; the refusal of the other is the point here.
    const create = (params: Partial<Stripe.InvoiceCreateParams>, what: string) =>
      createInvoice(scope, { customer: customer.id, auto_advance: false, currency: 'usd', ...params } as Stripe.InvoiceCreateParams & { collection_method: 'send_invoice' }, key(what));
    for (const [params, what] of [
      [{ collection_method: 'charge_automatically', days_until_due: 14 }, 'due-charge'],
      [{ collection_method: 'send_invoice' }, 'due-missing'],
      [{ collection_method: 'send_invoice', days_until_due: -1 }, 'due-negative'],
    ] as const) {
      const refused = await refusal(create(params, what));
      expect(refused).toMatchObject({ name: 'StripeRefusedError', param: 'days_until_due' });
    }
    const long = await create({ collection_method: 'send_invoice', days_until_due: 3651 }, 'due-long');
    expect(long.due_date).toBe(long.created + 3651 * 86_400);
    covered('invoices.create', 'days_until_due refusals (charge_automatically, missing, negative) → param days_until_due', 'due_date = created + days_until_due');
  });
});

describe('payments, refunds and events', () => {
  it('a card payment: the payment intent by id (unknown → undefined); refunds created and listed by payment intent and by charge; events since a time; a signed event verified', async () => {
    const intent = await target.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { purchaseId: `pur_${run}_pi` },
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(intent.status).toBe('succeeded');
    expect((await findPaymentIntent(scope, intent.id))?.metadata).toMatchObject({ purchaseId: `pur_${run}_pi` });
    expect(await findPaymentIntent(scope, 'pi_doesnotexist000000000000')).toBeUndefined();
    covered('paymentIntents.retrieve', 'metadata', 'unknown id → undefined');

    const refund = await createRefund(scope, { payment_intent: intent.id, amount: 2000, metadata: { refundId: `rfd_${run}` } }, key('refund'));
    expect(refund).toMatchObject({ id: expect.stringMatching(/^re_/), amount: 2000, metadata: { refundId: `rfd_${run}` } });
    covered('refunds.create', 'id', 'amount', 'status', 'metadata.refundId');
    const byIntent = await listRefunds(scope, { payment_intent: intent.id });
    expect(byIntent.map((r) => r.id)).toEqual([refund.id]);
    const charge = String(intent.latest_charge);
    expect((await listRefunds(scope, { charge })).map((r) => [r.id, r.amount, r.created > 0])).toEqual([[refund.id, 2000, true]]);
    covered('refunds.list', 'payment_intent', 'charge', 'id', 'amount', 'created', 'status');

    const page = await listEventsPage(scope, { createdGte: since, types: ['charge.refunded'] });
    const refundedEvent = page.events.find((event) => (event.data.object as { id?: string }).id === charge);
    expect(refundedEvent).toMatchObject({ type: 'charge.refunded', created: expect.any(Number) });
    // Since API 2022-11-15 the Charge in the event has no refunds list (kneadpay lists them, above).
    expect((refundedEvent!.data.object as { refunds?: unknown }).refunds ?? undefined).toBeUndefined();
    covered('events.list', 'created[gte]', 'types[]', 'data.object', 'has_more');

    const payload = JSON.stringify(refundedEvent);
    const secret = 'whsec_contract';
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    expect(constructSignedEvent(Buffer.from(payload), header, secret, 300).id).toBe(refundedEvent!.id);
    covered('webhooks.constructEvent', 'signature (HMAC-SHA256 over t.body)');
  });
});

describe('Connect (functions/stripe/accounts.ts)', () => {
  it('a Standard connected account: created once per key, retrieved, found by practice id, an unknown id reads as not visible; an onboarding link; open payments on the account listed with its Stripe-Account', async () => {
    const practiceId = `prac_${run}_connect`;
    const requestedAt = new Date().toISOString();
    const account = await createConnectedAccount(target.stripe, practiceId, requestedAt);
    expect(account).toMatchObject({ id: expect.stringMatching(/^acct_/), type: 'standard', metadata: { practiceId } });
    expect(account).toMatchObject({ charges_enabled: expect.any(Boolean), payouts_enabled: expect.any(Boolean), details_submitted: expect.any(Boolean) });
    expect(Array.isArray(account.requirements?.currently_due)).toBe(true);
    expect((await createConnectedAccount(target.stripe, practiceId, requestedAt)).id).toBe(account.id);
    covered('accounts.create', 'id', 'type', 'metadata.practiceId', 'charges_enabled', 'payouts_enabled', 'details_submitted', 'requirements.currently_due', 'idempotent replay (same key → same id)');

    expect(await retrieveConnectedAccount(target.stripe, account.id)).toMatchObject({ id: account.id, metadata: { practiceId }, charges_enabled: account.charges_enabled });
    covered('accounts.retrieve', 'id', 'metadata.practiceId', 'charges_enabled', 'payouts_enabled', 'details_submitted', 'requirements.currently_due');
    expect((await connectedAccountIfVisible(target.stripe, account.id))?.id).toBe(account.id);
    expect(await connectedAccountIfVisible(target.stripe, 'acct_1NotConnectedToUs00')).toBeUndefined();
    covered('accounts.retrieve', 'an account not connected to the platform → undefined (invalid_request or permission error)');

    expect((await findAccountOfPractice(target.stripe, practiceId, since))?.id).toBe(account.id);
    expect(await findAccountOfPractice(target.stripe, `prac_${run}_nobody`, since)).toBeUndefined();
    covered('accounts.list', 'created[gte]', 'metadata.practiceId', 'auto-pagination');

    const link = await createOnboardingLink(target.stripe, account.id, { returnUrl: 'https://kneadpay.example/return', refreshUrl: 'https://kneadpay.example/refresh' }, `${run}-1`);
    expect(link).toMatchObject({ object: 'account_link', url: expect.stringMatching(/^https?:\/\//), expires_at: expect.any(Number) });
    covered('accountLinks.create', 'url', 'expires_at');

    // Nothing payable yet on the fresh account; then an open send_invoice invoice on it (as the account).
    expect(await openPaymentsOnAccount(target.stripe, account.id)).toEqual([]);
    const onAccount: StripeScope = { stripe: target.stripe, account: account.id };
    const customer = await createCustomer(onAccount, { name: 'Connect Client', email: `${run}.connect@example.com`, metadata: { clientId: `cli_${run}_c` } }, key('connect-customer'));
    const invoice = await createInvoice(onAccount, { customer: customer.id, collection_method: 'send_invoice', days_until_due: 14, auto_advance: false, currency: 'usd' }, key('connect-invoice'));
    await createInvoiceItem(onAccount, { customer: customer.id, invoice: invoice.id, amount: 2500, currency: 'usd', description: 'Balance after insurance' }, key('connect-item'));
    expect((await finalizeInvoice(onAccount, invoice.id, { auto_advance: false }, key('connect-finalize'))).status).toBe('open');
    expect(await openPaymentsOnAccount(target.stripe, account.id)).toEqual(['open Stripe invoices']);
    covered('checkout.sessions.list', 'Stripe-Account', 'status=open', 'data.length');
    covered('invoices.list', 'Stripe-Account', 'status=open', 'data.length');
  });
});
