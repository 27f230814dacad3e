import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/stripe-emulator/testing';
import { stripeRefusal as rejection } from '../support/stripe-refusal';

const SECRET = 'whsec_kneadpay_test';

const hosted = async (url: string, body: Record<string, string>, accept = 'application/json') =>
  fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
    body: new URLSearchParams(body).toString(),
  });

describe('Stripe emulator: checkout, invoices, refunds, credit notes and disputes', () => {
  let emulator: StripeEmulator;
  let receiver: WebhookReceiver;
  let stripe: Stripe;

  const typesOf = async (filter: Stripe.EventListParams = {}) => (await stripe.events.list({ limit: 100, ...filter })).data.map((e) => e.type).reverse();

  const packagePrice = async (amount = 50000) => {
    const product = await stripe.products.create({ name: 'Bodywork session package (5)', metadata: { packageId: 'pkg-1' } });
    return stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: amount });
  };

  const session = async (price: Stripe.Price, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      customer_email: 'client@example.test',
      client_reference_id: 'purchase-1',
      metadata: { practiceId: 'p-1', packageId: 'pkg-1' },
      payment_intent_data: { metadata: { practiceId: 'p-1' } },
      success_url: 'http://127.0.0.1:1/thanks?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://127.0.0.1:1/cancelled',
      ...extra,
    });

  const openInvoice = async (amounts: number[]) => {
    const customer = await stripe.customers.create({ email: 'client@example.test', metadata: { clientId: 'c-1' } });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 30,
      auto_advance: false,
      description: 'Balance after insurance',
      metadata: { practiceId: 'p-1', invoiceId: 'inv-1' },
    });
    for (const amount of amounts) await stripe.invoiceItems.create({ invoice: invoice.id, amount, currency: 'usd', description: 'Balance after insurance' });
    return { customer, invoice: await stripe.invoices.finalizeInvoice(invoice.id) };
  };

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    emulator = await startStripeEmulator({ port: 0, webhookUrls: [receiver.url], webhookSecret: SECRET, webhookRetryDelaysMs: [20, 40] });
    stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.close();
  });

  it('a Checkout payment redirects to success_url and emits signed webhooks the SDK verifies', async () => {
    // Prepare
    const price = await packagePrice();
    const created = await session(price);

    // Act
    const pay = await hosted(`${emulator.url}/checkout/${created.id}/pay`, { outcome: 'succeeded', email: 'client@example.test' }, 'text/html');
    const completed = await receiver.waitFor((hook) => hook.event.type === 'checkout.session.completed');
    const event = stripe.webhooks.constructEvent(completed.rawBody, completed.signature, SECRET);
    const retrieved = await stripe.checkout.sessions.retrieve(created.id, { expand: ['payment_intent.latest_charge', 'line_items'] });
    await emulator.waitForWebhooks();

    // Assess
    expect(created.url).toBe(`${emulator.url}/checkout/${created.id}`);
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe(`http://127.0.0.1:1/thanks?session_id=${created.id}`);
    expect(event.type).toBe('checkout.session.completed');
    expect(event.data.object).toMatchObject({
      id: created.id,
      payment_status: 'paid',
      status: 'complete',
      client_reference_id: 'purchase-1',
      metadata: { practiceId: 'p-1', packageId: 'pkg-1' },
      amount_total: 50000,
    });
    const intent = retrieved.payment_intent as Stripe.PaymentIntent;
    const charge = intent.latest_charge as Stripe.Charge;
    expect(intent).toMatchObject({ status: 'succeeded', amount_received: 50000, metadata: { practiceId: 'p-1' } });
    expect(charge.payment_method_details?.card).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(retrieved.line_items?.data[0]).toMatchObject({ amount_total: 50000, quantity: 1, description: 'Bodywork session package (5)' });
    expect(receiver.received.map((hook) => hook.event.type)).toEqual(expect.arrayContaining(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']));
    expect(emulator.deliveries().every((d) => d.state === 'succeeded' && d.attempts.length === 1)).toBe(true);
  });

  it('a declined card leaves the session open; a later bank debit completes unpaid and settles', async () => {
    // Prepare
    const price = await packagePrice();
    const first = await session(price);
    const second = await session(price);

    // Act
    const declined = await hosted(`${emulator.url}/checkout/${first.id}/pay`, { outcome: 'failed' });
    const afterDecline = await stripe.checkout.sessions.retrieve(first.id);
    const asyncPay = await hosted(`${emulator.url}/checkout/${first.id}/pay`, { outcome: 'async' });
    const unpaid = await stripe.checkout.sessions.retrieve(first.id);
    const settled = await hosted(`${emulator.url}/checkout/${first.id}/settle`, { outcome: 'succeeded' });
    await hosted(`${emulator.url}/checkout/${second.id}/pay`, { outcome: 'async' });
    await hosted(`${emulator.url}/checkout/${second.id}/settle`, { outcome: 'failed' });
    const failedSecond = await stripe.checkout.sessions.retrieve(second.id, { expand: ['payment_intent'] });
    const completions = await stripe.events.list({ type: 'checkout.session.completed' });

    // Assess
    expect(declined.status).toBe(402);
    expect(afterDecline).toMatchObject({ status: 'open', payment_status: 'unpaid' });
    expect(asyncPay.status).toBe(200);
    expect(unpaid).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    expect(settled.status).toBe(200);
    expect((await stripe.checkout.sessions.retrieve(first.id)).payment_status).toBe('paid');
    expect(completions.data.map((e) => (e.data.object as Stripe.Checkout.Session).payment_status)).toEqual(['unpaid', 'unpaid']);
    expect(failedSecond.payment_status).toBe('unpaid');
    expect((failedSecond.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');
    const types = await typesOf();
    expect(types).toContain('payment_intent.payment_failed');
    expect(types).toContain('checkout.session.async_payment_succeeded');
    expect(types).toContain('checkout.session.async_payment_failed');
  });

  it('expires sessions through the API and after 24 hours on the emulator clock', async () => {
    // Prepare
    const price = await packagePrice();
    const viaApi = await session(price);
    const viaClock = await session(price);

    // Act
    const expired = await stripe.checkout.sessions.expire(viaApi.id);
    emulator.advanceClock(24 * 3600 + 1);
    const lateSession = await stripe.checkout.sessions.retrieve(viaClock.id);
    const payLate = await hosted(`${emulator.url}/checkout/${viaClock.id}/pay`, { outcome: 'succeeded' });
    const expiredEvents = await stripe.events.list({ type: 'checkout.session.expired' });

    // Assess
    expect(expired).toMatchObject({ status: 'expired', url: null });
    expect(lateSession.status).toBe('expired');
    expect(payLate.status).toBe(409);
    expect(expiredEvents.data.map((e) => (e.data.object as Stripe.Checkout.Session).id).sort()).toEqual([viaApi.id, viaClock.id].sort());
  });

  it('walks an invoice from draft to paid on the hosted invoice page', async () => {
    // Prepare
    const customer = await stripe.customers.create({ email: 'client@example.test' });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 14,
      metadata: { invoiceId: 'inv-7' },
      description: 'Balance after insurance',
    });

    // Act
    await stripe.invoiceItems.create({ invoice: draft.id, amount: 3400, currency: 'usd', description: 'Balance after insurance' });
    const withLines = await stripe.invoices.addLines(draft.id, { lines: [{ amount: 600, description: 'Late cancellation fee' }] });
    const finalized = await stripe.invoices.finalizeInvoice(draft.id);
    const sent = await stripe.invoices.sendInvoice(draft.id);
    const page = await fetch(sent.hosted_invoice_url ?? '');
    const html = await page.text();
    const pay = await hosted(`${sent.hosted_invoice_url}/pay`, { outcome: 'succeeded' });
    const paid = await stripe.invoices.retrieve(draft.id, { expand: ['payments.data.payment.payment_intent'] });
    const lines = await stripe.invoices.listLineItems(draft.id);

    // Assess
    expect(draft).toMatchObject({ status: 'draft', number: null, hosted_invoice_url: null, amount_due: 0 });
    expect(withLines).toMatchObject({ status: 'draft', total: 4000, amount_due: 4000 });
    expect(finalized).toMatchObject({ status: 'open', amount_due: 4000, amount_paid: 0, amount_remaining: 4000 });
    expect(finalized.number).toMatch(/^[A-Z0-9]{8}-0001$/);
    expect(finalized.hosted_invoice_url).toBe(`${emulator.url}/invoice/${draft.id}`);
    expect(finalized.due_date).toBe((finalized.status_transitions.finalized_at ?? 0) + 14 * 86400);
    expect(page.status).toBe(200);
    expect(html).toContain('$40.00');
    expect(html).toMatch(/<button type="submit">Pay \$40\.00<\/button>/);
    expect(pay.status).toBe(200);
    expect(paid).toMatchObject({ status: 'paid', amount_due: 4000, amount_paid: 4000, amount_remaining: 0, metadata: { invoiceId: 'inv-7' } });
    const payment = paid.payments?.data[0];
    expect(payment).toMatchObject({ status: 'paid', amount_paid: 4000 });
    expect((payment?.payment.payment_intent as Stripe.PaymentIntent).status).toBe('succeeded');
    expect(lines.data.map((l) => [l.description, l.amount])).toEqual([
      ['Balance after insurance', 3400],
      ['Late cancellation fee', 600],
    ]);
    expect(await typesOf({ type: 'invoice.*' })).toEqual(['invoice.created', 'invoice.updated', 'invoice.finalized', 'invoice.sent', 'invoice.paid', 'invoice.payment_succeeded']);
  });

  it('records failed invoice payments, voids and marks invoices uncollectible', async () => {
    // Prepare
    const { invoice: toFail } = await openInvoice([2500]);
    const { invoice: toVoid } = await openInvoice([1500]);
    const { invoice: toWriteOff } = await openInvoice([900]);

    // Act
    const declinedOnPage = await hosted(`${emulator.url}/invoice/${toFail.id}/pay`, { outcome: 'failed' });
    const declinedByApi = await rejection(stripe.invoices.pay(toFail.id, { payment_method: 'pm_card_chargeDeclined' }));
    const stillOpen = await stripe.invoices.retrieve(toFail.id);
    const voided = await stripe.invoices.voidInvoice(toVoid.id);
    const voidPage = await fetch(`${emulator.url}/invoice/${toVoid.id}`);
    const uncollectible = await stripe.invoices.markUncollectible(toWriteOff.id);
    const paidOutOfBand = await stripe.invoices.pay(toWriteOff.id, { paid_out_of_band: true });

    // Assess
    expect(declinedOnPage.status).toBe(402);
    expect(declinedByApi).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declinedByApi).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(stillOpen).toMatchObject({ status: 'open', attempted: true, attempt_count: 2, amount_remaining: 2500 });
    expect(voided).toMatchObject({ status: 'void' });
    expect(voided.status_transitions.voided_at).toEqual(expect.any(Number));
    expect(await voidPage.text()).toContain('voided');
    expect(uncollectible.status).toBe('uncollectible');
    expect(paidOutOfBand).toMatchObject({ status: 'paid', amount_paid: 900, amount_remaining: 0 });
    const types = await typesOf();
    expect(types.filter((t) => t === 'invoice.payment_failed')).toHaveLength(2);
    expect(types).toContain('invoice.voided');
    expect(types).toContain('invoice.marked_uncollectible');
  });

  it('refunds part then the rest of a payment; charge.refunded carries no refunds list at current API versions (Stripe 2022-11-15: list the refunds)', async () => {
    // Prepare
    const price = await packagePrice(50000);
    const created = await session(price);
    await hosted(`${emulator.url}/checkout/${created.id}/pay`, { outcome: 'succeeded' });
    const intentId = String((await stripe.checkout.sessions.retrieve(created.id)).payment_intent);
    const chargeId = String((await stripe.paymentIntents.retrieve(intentId)).latest_charge);

    // Act
    const partial = await stripe.refunds.create({ payment_intent: intentId, amount: 10000, reason: 'requested_by_customer', metadata: { refundId: 'r-1' } });
    const afterPartial = await stripe.charges.retrieve(chargeId);
    const tooMuch = await rejection(stripe.refunds.create({ charge: chargeId, amount: 40001 }));
    const rest = await stripe.refunds.create({ charge: chargeId });
    const afterFull = await stripe.charges.retrieve(chargeId, { expand: ['refunds'] });
    const again = await rejection(stripe.refunds.create({ charge: chargeId }));
    const refundedEvents = await stripe.events.list({ type: 'charge.refunded' });

    // Assess
    expect(partial).toMatchObject({ object: 'refund', amount: 10000, status: 'succeeded', charge: chargeId, payment_intent: intentId, metadata: { refundId: 'r-1' } });
    expect(afterPartial).toMatchObject({ amount_refunded: 10000, refunded: false });
    expect(tooMuch).toMatchObject({ statusCode: 400, code: 'amount_too_large' });
    expect(rest.amount).toBe(40000);
    expect(afterFull).toMatchObject({ amount_refunded: 50000, refunded: true });
    expect(afterFull.refunds?.data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    expect(again).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    const latest = refundedEvents.data[0]?.data.object as Stripe.Charge;
    expect(latest).toMatchObject({ id: chargeId, amount_refunded: 50000 });
    expect(latest.refunds).toBeUndefined();
    expect((await stripe.refunds.list({ charge: chargeId })).data.map((r) => r.amount)).toEqual([40000, 10000]);
    expect(refundedEvents.data).toHaveLength(2);
  });

  it("renders events at the endpoint's configured API version: an endpoint on 2022-08-01 gets the Charge with its refunds", async () => {
    // Prepare: Stripe renders each endpoint's events at that endpoint's version (DOMAIN.md §7).
    const price = await packagePrice(50000);
    const created = await session(price);
    await hosted(`${emulator.url}/checkout/${created.id}/pay`, { outcome: 'succeeded' });
    const intentId = String((await stripe.checkout.sessions.retrieve(created.id)).payment_intent);
    const set = await fetch(`${emulator.url}/_config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhookApiVersion: '2022-08-01' }) });
    const refused = await fetch(`${emulator.url}/_config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhookApiVersion: 'yesterday' }) });

    // Act
    await stripe.refunds.create({ payment_intent: intentId, amount: 10000 });
    const old = await receiver.waitFor((hook) => hook.event.type === 'charge.refunded');
    await fetch(`${emulator.url}/_config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhookApiVersion: null }) });
    await stripe.refunds.create({ payment_intent: intentId, amount: 5000 });
    const current = await receiver.waitFor((hook) => hook.event.type === 'charge.refunded' && hook.event.id !== old.event.id);

    // Assess
    expect(set.status).toBe(200);
    expect(refused.status).toBe(400);
    const oldEvent = old.event as unknown as Stripe.Event;
    const currentEvent = current.event as unknown as Stripe.Event;
    expect(oldEvent.api_version).toBe('2022-08-01');
    expect((oldEvent.data.object as Stripe.Charge).refunds?.data.map((r) => r.amount)).toEqual([10000]);
    expect(currentEvent.api_version).toBe(Stripe.API_VERSION);
    expect((currentEvent.data.object as Stripe.Charge).refunds).toBeUndefined();
  });

  it('credit notes lower what an open invoice owes and refund a paid one', async () => {
    // Prepare
    const { invoice: open } = await openInvoice([3000, 1000]);
    const { invoice: toPay } = await openInvoice([5000]);
    await hosted(`${emulator.url}/invoice/${toPay.id}/pay`, { outcome: 'succeeded' });

    // Act
    const prePayment = await stripe.creditNotes.create({ invoice: open.id, amount: 1000, reason: 'order_change', memo: 'Adjusted' });
    const lowered = await stripe.invoices.retrieve(open.id);
    const byLine = await stripe.creditNotes.create({
      invoice: open.id,
      lines: [{ type: 'invoice_line_item', invoice_line_item: open.lines.data[0]!.id, amount: 3000 }],
    });
    const creditedInFull = await stripe.invoices.retrieve(open.id);
    const postPayment = await stripe.creditNotes.create({ invoice: toPay.id, amount: 2000, refund_amount: 2000 });
    const refunds = await stripe.refunds.list();

    // Assess
    expect(prePayment).toMatchObject({ object: 'credit_note', type: 'pre_payment', amount: 1000, status: 'issued', memo: 'Adjusted' });
    expect(prePayment.number).toBe(`${open.number}-CN-01`);
    expect(lowered).toMatchObject({ status: 'open', amount_due: 3000, amount_remaining: 3000, pre_payment_credit_notes_amount: 1000 });
    expect(byLine.amount).toBe(3000);
    expect(creditedInFull).toMatchObject({ status: 'paid', amount_remaining: 0 });
    expect(postPayment).toMatchObject({ type: 'post_payment', amount: 2000, post_payment_amount: 2000 });
    expect(postPayment.refunds).toEqual([expect.objectContaining({ amount_refunded: 2000, refund: refunds.data[0]?.id })]);
    expect(refunds.data[0]).toMatchObject({ amount: 2000, status: 'succeeded' });
    expect(await typesOf({ type: 'credit_note.created' })).toHaveLength(3);
  });

  it('simulates a dispute through the admin endpoint', async () => {
    // Prepare
    const price = await packagePrice(50000);
    const created = await session(price);
    await hosted(`${emulator.url}/checkout/${created.id}/pay`, { outcome: 'succeeded' });
    const chargeId = String((await stripe.paymentIntents.retrieve(String((await stripe.checkout.sessions.retrieve(created.id)).payment_intent))).latest_charge);

    // Act
    const response = await fetch(`${emulator.url}/_disputes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ charge: chargeId, status: 'lost' }),
    });
    const dispute = (await response.json()) as Stripe.Dispute;
    const charge = await stripe.charges.retrieve(chargeId);
    const refundDisputed = await rejection(stripe.refunds.create({ charge: chargeId }));
    const closed = await receiver.waitFor((hook) => hook.event.type === 'charge.dispute.closed');

    // Assess
    expect(response.status).toBe(200);
    expect(dispute).toMatchObject({ object: 'dispute', status: 'lost', charge: chargeId, amount: 50000 });
    expect(charge.disputed).toBe(true);
    expect(refundDisputed).toMatchObject({ code: 'charge_disputed' });
    expect(stripe.webhooks.constructEvent(closed.rawBody, closed.signature, SECRET).data.object).toMatchObject({ id: dispute.id, status: 'lost' });
    expect(await typesOf({ type: 'charge.dispute.*' })).toEqual(['charge.dispute.created', 'charge.dispute.closed']);
  });
});
