/**
 * Stripe's "includable" and expandable fields: an event's `data.object` is the object as the API
 * returns it when nothing is asked for — no includable field (Stripe leaves it out unless a request
 * asks with `expand[]`), every expandable field an id. kneadpay reads nothing from an event that real
 * Stripe does not send there; what it needs of such a field it asks Stripe for where it uses it.
 *
 * On the real parts: the Stripe emulator through the `stripe` SDK, the balance invoicer and the
 * webhook's effects on DynamoDB Local.
 *
 * - Invoice.payments: "When retrieving an invoice, there is an includable payments property
 *   containing the first handful of those items" (docs.stripe.com/api/invoice-payment/list).
 * - Checkout Session line_items: "there is an includable line_items property"
 *   (docs.stripe.com/api/checkout/sessions/line_items).
 * - Charge.refunds: not included since API 2022-11-15 (Stripe changelog, "Charge.refunds is no longer
 *   expanded by default"); PaymentIntent.charges: removed the same day (`latest_charge`, an id).
 * - Expandable fields (Dispute.charge, CreditNote.invoice, Charge.payment_intent, …): an id unless a
 *   request expands them (docs.stripe.com/api/expanding_objects).
 */
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { INVOICE_EFFECTS } from '../../functions/core/invoice-effects';
import type { Decision } from '../../functions/core/stripe-events';
import { getStripe } from '../../functions/stripe/client';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { balanceInvoiceOnStripe } from '../support/emulator-invoices';
import { eventually } from '../support/eventually';
import { outboxOf } from '../support/fixtures';
import { adjudicated, claimReady, emulator, payClaimInvoice, store, stripe } from '../support/invoicing';
import { stripeEvent } from '../support/stripe-events';
import { deps } from '../support/write-offs';

/** Fields Stripe sends only when a request asks for them, by object type (see the header). */
const ONLY_WHEN_ASKED: Record<string, readonly string[]> = {
  invoice: ['payments'],
  'checkout.session': ['line_items'],
  charge: ['refunds'],
  payment_intent: ['charges'],
};

/** Top-level API resources: one nested in an event's object is an expansion (an id expanded). */
const RESOURCES = new Set([
  'account',
  'application_fee',
  'balance_transaction',
  'charge',
  'checkout.session',
  'credit_note',
  'customer',
  'dispute',
  'invoice',
  'invoice_payment',
  'invoiceitem',
  'payment_intent',
  'payment_method',
  'price',
  'product',
  'refund',
  'review',
  'transfer',
]);

/** Objects Stripe embeds whole (not expandable ids): a Dispute's `balance_transactions` (API reference, The Dispute object). */
const EMBEDDED = new Set(['dispute.balance_transactions']);

/** Where an event's object breaks the rule: an includable field present, or an expanded object. */
const notAsStripeSends = (event: Stripe.Event): string[] => {
  const object = JSON.parse(JSON.stringify(event.data.object)) as Record<string, unknown>;
  const type = String(object.object);
  const found = (ONLY_WHEN_ASKED[type] ?? []).filter((field) => field in object).map((field) => `${event.type}: ${type}.${field} is sent`);
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (value && typeof value === 'object') {
      const named = (value as { object?: unknown }).object;
      if (path && typeof named === 'string' && RESOURCES.has(named)) found.push(`${event.type}: ${type}${path} is an expanded ${named}`);
      for (const [key, inner] of Object.entries(value)) if (!(path === '' && EMBEDDED.has(`${type}.${key}`))) walk(inner, `${path}.${key}`);
    }
  };
  walk(object, '');
  return found;
};

const post = (url: string, body: Record<string, unknown>) => fetch(url, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The newest event the emulator holds (other test files share it): where a later listing may stop. */
const newestEvent = async (): Promise<string | undefined> => (await stripe.events.list({ limit: 1 })).data[0]?.id;

/** The emulator's events since `since` about any of `ids` (their object's id, or the invoice, payment intent or charge they name). */
const eventsAbout = async (ids: Set<string>, since: string | undefined): Promise<Stripe.Event[]> => {
  const events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) {
    if (event.id === since) break;
    const object = event.data.object as { id?: string; invoice?: unknown; payment_intent?: unknown; charge?: unknown };
    if ([object.id, object.invoice, object.payment_intent, object.charge].some((id) => typeof id === 'string' && ids.has(id))) events.push(event);
  }
  return events;
};

describe('the emulator sends what Stripe sends: no includable field in an event, every expandable field an id', () => {
  it('Invoice.payments is includable: a paid invoice’s invoice.paid and a plain retrieve carry none; expand[]=payments lists them, each payment intent an id', async () => {
    // Prepare: a balance invoice as kneadpay makes one, paid on its hosted page
    const since = await newestEvent();
    const invoice = await balanceInvoiceOnStripe(stripe, 3400);
    expect((await post(`${invoice.hosted_invoice_url}/pay`, { outcome: 'succeeded' })).status).toBe(200);

    // Act
    const paidEvent = await eventually('the invoice.paid event', async () => (await eventsAbout(new Set([invoice.id]), since)).find((event) => event.type === 'invoice.paid'));
    const plain = await stripe.invoices.retrieve(invoice.id);
    const included = await stripe.invoices.retrieve(invoice.id, { expand: ['payments'] });

    // Assess
    expect(['payments' in paidEvent.data.object, 'payments' in plain]).toEqual([false, false]);
    expect(included.payments?.data.map((payment) => [payment.status, typeof payment.payment.payment_intent, payment.amount_paid])).toEqual([['paid', 'string', 3400]]);
  });

  it('a package checkout paid, part refunded and disputed, and a balance invoice credited then paid: no event carries an includable field or an expanded object', async () => {
    // Prepare
    const since = await newestEvent();
    const product = await stripe.products.create({ name: 'Bodywork session package (5)' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 42500 });
    const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: price.id, quantity: 1 }], success_url: 'http://127.0.0.1:1/ok' });
    expect((await post(`${session.url}/pay`, { outcome: 'succeeded', email: 'buyer@client.example' })).status).toBe(200);
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    const paymentIntent = paid.payment_intent as string;
    const charge = (await stripe.paymentIntents.retrieve(paymentIntent)).latest_charge as string;
    await stripe.refunds.create({ payment_intent: paymentIntent, amount: 1000 });
    expect((await emulator('/_disputes', { method: 'POST', body: { payment_intent: paymentIntent, status: 'needs_response' } })).status).toBe(200);
    const invoice = await balanceInvoiceOnStripe(stripe, 3400);
    await stripe.creditNotes.create({ invoice: invoice.id, amount: 500 });
    expect((await post(`${invoice.hosted_invoice_url}/pay`, { outcome: 'succeeded' })).status).toBe(200);

    // Act
    const events = await eventsAbout(new Set([session.id, paymentIntent, charge, invoice.id]), since);

    // Assess: the journey's events are all there, and none breaks the rule
    const types = new Set<string>(events.map((event) => event.type));
    expect(['checkout.session.completed', 'payment_intent.succeeded', 'charge.refunded', 'charge.dispute.created', 'credit_note.created', 'invoice.paid'].filter((type) => !types.has(type))).toEqual(
      [],
    );
    expect(events.flatMap(notAsStripeSends)).toEqual([]);
  });
});

/** The invoice update's fields and the outbox events of a decision (its `updatedAt` stamps left out). */
const recorded = (decision: Decision) => {
  if (decision.kind !== 'apply') return decision;
  const update = decision.writes[0]!.Update!;
  const set = Object.fromEntries(Object.entries(update.ExpressionAttributeNames!).map(([alias, name]) => [name, update.ExpressionAttributeValues![`:v${alias.slice(2)}`]]));
  delete set.updatedAt;
  return { set, events: decision.events };
};

describe('kneadpay reads no includable field from an event', () => {
  it('invoice.paid: the payment is recorded the same whether or not the payload carries the invoice’s payments (Stripe never sends them in an event): named by the Stripe invoice, no payment intent stored', async () => {
    // Prepare: the worked example's $34.00 balance, open on Stripe; the invoice.paid Stripe sends for
    // it, and the same invoice as only a request that asks (expand[]=payments) would see it
    const ready = await claimReady();
    await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);
    const [invoice] = await listClaimInvoices(store, ready.practiceId, 'CLM-1001');
    const paidObject = { ...(await stripe.invoices.retrieve(invoice!.stripeInvoiceId!)), status: 'paid', amount_paid: 3400, amount_remaining: 0 };
    const withPayments = {
      ...paidObject,
      payments: {
        object: 'list',
        has_more: false,
        url: `/v1/invoice_payments?invoice=${paidObject.id}`,
        data: [{ id: 'inpay_1', object: 'invoice_payment', amount_paid: 3400, status: 'paid', payment: { type: 'payment_intent', payment_intent: 'pi_3MtwBwLkdIwHu7ix28a3tqPa' } }],
      },
    };
    const now = new Date();
    const decide = (object: Record<string, unknown>) =>
      INVOICE_EFFECTS['invoice.paid']!({ store, stripe: getStripe, practiceId: ready.practiceId, event: stripeEvent('invoice.paid', object), now, attempt: 1 });

    // Act
    const [asSent, asIncluded] = [recorded(await decide(paidObject)), recorded(await decide(withPayments))];

    // Assess
    expect(asIncluded).toEqual(asSent);
    expect(asSent).toMatchObject({ events: [{ detailType: 'PaymentSucceeded', detail: { paymentId: invoice!.stripeInvoiceId, amountCents: 3400 } }] });
    expect(Object.keys((asSent as { set: Record<string, unknown> }).set)).not.toContain('paymentIntentId');
  });

  it('paid on its hosted page: PaymentSucceeded names the Stripe invoice, and the record holds no payment intent (the receipt and a refund ask Stripe for it)', async () => {
    // Prepare
    const ready = await claimReady();
    await invoiceClaimBalance(deps, adjudicated(ready.practiceId).original);

    // Act
    const invoice = await payClaimInvoice(ready.practiceId);

    // Assess
    const record = await getInvoice(store, ready.practiceId, invoice.invoiceId);
    const succeeded = await eventually('the PaymentSucceeded', async () => (await outboxOf(store, ready.practiceId)).find((item) => item.detailType === 'PaymentSucceeded'));
    expect(succeeded.detail).toMatchObject({ kind: 'invoice', invoiceId: invoice.invoiceId, paymentId: record!.stripeInvoiceId });
    expect(record).not.toHaveProperty('paymentIntentId');
  });
});
