/**
 * `days_until_due` as Stripe documents it, and kneadpay's `billing.invoiceDueDays` inside it.
 *
 * The facts (Stripe API reference, docs.stripe.com/api/invoices/create and /invoices/update, and the
 * same text in Stripe's OpenAPI spec, stripe/openapi and stripe/stripe-mock `openapi/spec3.json`,
 * PostInvoices / PostInvoicesInvoice):
 * - "The number of days from which the invoice is created until it is due. Only valid for invoices
 *   where `collection_method=send_invoice`. This field can only be updated on `draft` invoices."
 * - its schema is `"type": "integer"`: Stripe publishes NO minimum and NO maximum. The emulator
 *   therefore sets no upper limit; a negative count (a due date in the past) is refused by inference
 *   from Stripe refusing a past `due_date` ("must be an integer Unix timestamp in the future"), not
 *   from a published limit. Run `npm run test:stripe` with a test key to check a case against Stripe.
 * - `send_invoice` needs a due date: `days_until_due` or `due_date` (Stripe refuses the invoice
 *   otherwise, param `days_until_due`).
 */
import { describe, expect, it } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { claimReady, stripe, stripeInvoicesFor } from '../support/invoicing';
import { newPracticeId } from '../support/store';
import { readFileSync } from 'node:fs';
import { stripeRefusal as refusal } from '../support/stripe-refusal';

const DAY = 86_400;
const customer = () => stripe.customers.create({ email: 'due-days@client.example', name: 'Due Days' });

describe('Stripe emulator: days_until_due as Stripe documents it (through the stripe SDK)', () => {
  it('"Only valid for invoices where collection_method=send_invoice" — refused with charge_automatically (explicit or the default), on create and on update', async () => {
    // Prepare
    const { id } = await customer();

    // Act
    const explicit = await refusal(stripe.invoices.create({ customer: id, collection_method: 'charge_automatically', days_until_due: 14 }));
    const byDefault = await refusal(stripe.invoices.create({ customer: id, days_until_due: 14 }));
    const draft = await stripe.invoices.create({ customer: id, collection_method: 'charge_automatically', auto_advance: false });
    const onUpdate = await refusal(stripe.invoices.update(draft.id, { days_until_due: 14 }));
    const switched = await stripe.invoices.update(draft.id, { collection_method: 'send_invoice', days_until_due: 14 });

    // Assess
    for (const error of [explicit, byDefault, onUpdate]) expect(error).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'days_until_due' });
    expect(explicit.raw).toMatchObject({ type: 'invalid_request_error', param: 'days_until_due' });
    expect(switched).toMatchObject({ collection_method: 'send_invoice', due_date: switched.created + 14 * DAY });
  });

  it('send_invoice needs days_until_due or due_date — refused without either (param days_until_due); either one alone is accepted', async () => {
    const { id } = await customer();

    const missing = await refusal(stripe.invoices.create({ customer: id, collection_method: 'send_invoice' }));
    const byDays = await stripe.invoices.create({ customer: id, collection_method: 'send_invoice', days_until_due: 30 });
    const dueDate = Math.floor(Date.now() / 1000) + 10 * DAY;
    const byDate = await stripe.invoices.create({ customer: id, collection_method: 'send_invoice', due_date: dueDate });

    expect(missing).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'days_until_due' });
    expect(missing.raw).toMatchObject({ type: 'invalid_request_error', param: 'days_until_due' });
    expect(byDays.due_date).toBe(byDays.created + 30 * DAY);
    expect(byDate.due_date).toBe(dueDate);
  });

  it('"type": "integer" — a fraction or a word is refused; a negative count (a past due date) is refused; no upper limit is published, so a long one is accepted', async () => {
    const { id } = await customer();
    const create = (days: number | string) => stripe.invoices.create({ customer: id, collection_method: 'send_invoice', days_until_due: days as number });

    const fraction = await refusal(create(1.5));
    const word = await refusal(create('soon'));
    const negative = await refusal(create(-1));
    const zero = await create(0);
    const long = await create(3651); // refused by the emulator before (a 10-year limit it had made up)

    for (const error of [fraction, word, negative]) {
      expect(error).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'days_until_due' });
      expect(error.raw).toMatchObject({ type: 'invalid_request_error', param: 'days_until_due' });
    }
    expect(zero.due_date).toBe(zero.created);
    expect(long.due_date).toBe(long.created + 3651 * DAY);
  });

  it('"can only be updated on draft invoices" — refused once the invoice is finalized', async () => {
    const { id } = await customer();
    const invoice = await stripe.invoices.create({ customer: id, collection_method: 'send_invoice', days_until_due: 7, auto_advance: false });
    await stripe.invoiceItems.create({ customer: id, invoice: invoice.id, amount: 1500, currency: 'usd', description: 'Balance after insurance' });
    await stripe.invoices.finalizeInvoice(invoice.id);

    const late = await refusal(stripe.invoices.update(invoice.id, { days_until_due: 30 }));

    expect(late).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'days_until_due' });
  });
});

describe("kneadpay's billing.invoiceDueDays stays inside what Stripe accepts", () => {
  it.each([[-1], [366], [1.5], ['14']])('the practice profile refuses invoiceDueDays %j (400 naming the field)', async (days) => {
    const practiceId = newPracticeId();
    const answer = await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ billing: { invoiceDueDays: days } }) });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('invoiceDueDays');
  });

  it.each([[0], [365]])('invoiceDueDays %i (a bound kneadpay allows): the balance invoice is accepted by Stripe, due that many days after it is finalized', async (days) => {
    // Prepare: the DOMAIN.md worked example (34.00 USD patient share) at a practice with that due setting.
    const { practiceId, clientId } = await claimReady({ practice: { billing: { invoiceDueDays: days } } });
    const era = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8');

    // Act: the ERA import; the stack's bus runs the invoicer, which sends days_until_due to Stripe.
    const posted = await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: era, headers: { 'content-type': 'application/edi-x12' } });
    let invoices = await stripeInvoicesFor(practiceId, clientId);
    for (let i = 0; i < 80 && invoices.every((invoice) => invoice.status !== 'open'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      invoices = await stripeInvoicesFor(practiceId, clientId);
    }

    // Assess
    expect(posted.body).toMatchObject({ matched: 1 });
    expect(invoices.map((invoice) => [invoice.status, invoice.collection_method, invoice.amount_due])).toEqual([['open', 'send_invoice', 3400]]);
    const [invoice] = invoices;
    expect(invoice!.due_date! - invoice!.status_transitions.finalized_at!).toBe(days * DAY);
  });
});
