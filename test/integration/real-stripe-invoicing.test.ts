/**
 * Balance invoices behave on the emulator as on real Stripe (DOMAIN.md §6-7): the Customer carries
 * the client's email before a `send_invoice` invoice is made, and a client with no email waits as
 * `needs_email` (no Stripe call, no failure) until staff add one.
 */
import { inject, describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile } from '../support/api';
import { adjudicated, emailsTo, emulator, store, stripe, stripeInvoicesFor } from '../support/invoicing';
import { newPracticeId } from '../support/store';

const deps = () => ({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' });

const claimFor = async (practiceId: string, clientId: string) => {
  const claim = await api('POST', `/practices/${practiceId}/claims`, {
    practiceId,
    body: {
      claimId: 'CLM-1001',
      clientId,
      payerName: 'ACME HEALTH',
      dateOfService: '2026-10-02',
      diagnosisCodes: ['M54.2'],
      lines: [
        { procedureCode: '97124', units: 2, chargeCents: 6000 },
        { procedureCode: '97140', units: 2, chargeCents: 7000 },
      ],
    },
  });
  expect(claim.status).toBe(201);
};

const MISSING_EMAIL = 'Missing email. In order to create invoices that are sent to the customer, the customer must have a valid email.';

describe('Stripe facts the emulator now enforces', () => {
  it('send_invoice refuses a customer without an email (Stripe: "Missing email…"); with an email it is accepted', async () => {
    const bare = await stripe.customers.create({ metadata: { test: 'no-email' } });
    const refused = await stripe.invoices.create({ customer: bare.id, collection_method: 'send_invoice', days_until_due: 30 }).catch((error: { type?: string; message?: string }) => error);
    expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', message: MISSING_EMAIL });
    // charge_automatically needs no email: the refusal is about sending, as on Stripe.
    await expect(stripe.invoices.create({ customer: bare.id, collection_method: 'charge_automatically' })).resolves.toMatchObject({ object: 'invoice' });
    const withEmail = await stripe.customers.create({ email: 'payer@elsewhere.example' });
    await expect(stripe.invoices.create({ customer: withEmail.id, collection_method: 'send_invoice', days_until_due: 30 })).resolves.toMatchObject({ collection_method: 'send_invoice' });
  });

  it('Checkout, given a customer without an email, writes the email the client types onto that Customer (Stripe Checkout docs)', async () => {
    const product = await stripe.products.create({ name: 'Bodywork session package (1)' });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 9000, currency: 'usd' });
    const bare = await stripe.customers.create({ metadata: { test: 'checkout-email' } });
    const session = await stripe.checkout.sessions.create({ mode: 'payment', customer: bare.id, line_items: [{ price: price.id, quantity: 1 }], success_url: 'http://127.0.0.1:1/ok' });
    const paid = await fetch(`${inject('stripeUrl')}/checkout/${session.id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ outcome: 'succeeded', email: 'typed@elsewhere.example', name: 'Typed Name' }).toString(),
    });
    expect(paid.status).toBe(200);
    expect(await stripe.customers.retrieve(bare.id)).toMatchObject({ email: 'typed@elsewhere.example' });
  });
});

describe('balance invoices on real Stripe', () => {
  it("the Customer carries the client's email before the send_invoice invoice is created", async () => {
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    const email = `${newId('pt')}@client.example`;
    const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email, name: 'Jane Doe' } });
    await claimFor(practiceId, client.body.clientId);
    const since = new Date().toISOString(); // the shared emulator's log from now on (it is not ours to clear)

    await invoiceClaimBalance(deps(), adjudicated(practiceId).original);

    const [invoice] = await stripeInvoicesFor(practiceId, client.body.clientId);
    expect(invoice).toMatchObject({ status: 'open', collection_method: 'send_invoice', amount_due: 3400 });
    const customer = await stripe.customers.retrieve(invoice!.customer as string);
    expect(customer).toMatchObject({ email, name: 'Jane Doe', metadata: { practiceId, clientId: client.body.clientId } });
    // The email reached Stripe on the Customer only: no other request carries it.
    const requests = (await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as { method: string; path: string; params: unknown }[];
    const others = requests.filter((request) => request.method === 'POST' && !/^\/v1\/customers(\/[^/]+)?$/.test(request.path));
    expect(others.length).toBeGreaterThan(0);
    expect(JSON.stringify(others)).not.toContain(email);
  });

  it('a client without an email: the invoice waits as needs_email (no Stripe call, no failure); adding the email resumes it', async () => {
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    const made = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { name: 'Sam Roe' }, headers: { 'idempotency-key': newId('k') } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ email: null, name: 'Sam Roe' });
    const clientId = made.body.clientId as string;
    await claimFor(practiceId, clientId);
    const since = new Date().toISOString(); // the shared emulator's log from now on (it is not ours to clear)

    // Twice, as a retried delivery would: no throw (no dead letter), no Stripe request at all.
    for (let i = 0; i < 2; i += 1) await invoiceClaimBalance(deps(), adjudicated(practiceId).original);

    // (Other test files share the emulator: this practice's requests would carry its id in metadata.)
    const ours = ((await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as unknown[]).filter((request) => JSON.stringify(request).includes(practiceId));
    expect(ours).toEqual([]);
    const claim = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    expect(claim.body.invoice).toMatchObject({ status: 'needs_email', amountDueCents: 3400, hostedInvoiceUrl: null });
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ claimId: 'CLM-1001', status: 'needs_email', amountDueCents: 3400 })]);

    const email = `${newId('pt')}@client.example`;
    const added = await api('PATCH', `/practices/${practiceId}/clients/${clientId}`, { practiceId, body: { email } });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ clientId, email, resumedInvoices: [expect.any(String)] });

    const [invoice] = await stripeInvoicesFor(practiceId, clientId);
    expect(invoice).toMatchObject({ status: 'open', amount_due: 3400, collection_method: 'send_invoice' });
    expect(await stripe.customers.retrieve(invoice!.customer as string)).toMatchObject({ email });
    const after = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    expect(after.body.invoice).toMatchObject({ status: 'open', amountDueCents: 3400, hostedInvoiceUrl: expect.stringContaining('/invoice/') });
    expect(await emailsTo(email)).toHaveLength(1);
    // The same PATCH again (a retry) changes nothing: one invoice, one email.
    expect((await api('PATCH', `/practices/${practiceId}/clients/${clientId}`, { practiceId, body: { email } })).body.resumedInvoices).toEqual([]);
    expect(await stripeInvoicesFor(practiceId, clientId)).toHaveLength(1);
    expect(await listClaimInvoices(store, practiceId, 'CLM-1001')).toEqual([expect.objectContaining({ status: 'open', needsEmail: false })]);
  });

  it('a client registered without an email twice with one Idempotency-Key is one client; another email holder → 409', async () => {
    const practiceId = newPracticeId();
    await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    const key = newId('k');
    const first = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { name: 'Sam Other' }, headers: { 'idempotency-key': key } });
    const again = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { name: 'Sam Other' }, headers: { 'idempotency-key': key } });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.clientId).toBe(first.body.clientId);
    const email = `${newId('pt')}@client.example`;
    await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email, name: 'Jane Client' } });
    const taken = await api('PATCH', `/practices/${practiceId}/clients/${first.body.clientId}`, { practiceId, body: { email } });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'email_taken' });
  });
});
