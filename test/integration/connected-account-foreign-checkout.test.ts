/**
 * A Standard connected account is the practice's whole Stripe account (docs/decisions/006): the
 * Connect endpoint receives the events of everything on it, not only of what kneadpay made
 * (docs.stripe.com/connect/webhooks: "Connect webhooks are for activity on any connected account").
 * A Checkout Session the practice makes itself (a Payment Link, another tool) has no kneadpay
 * metadata. kneadpay answered its `checkout.session.*` events 503 ("retry later"), so Stripe retried
 * each one for three days, on the endpoint all practices share. Such a session is not kneadpay's:
 * it is recorded as ignored (200). The same for another tool's metadata that happens to use
 * kneadpay's names (`clientId`, `purchaseId`, `invoiceId`) without naming the practice: only metadata
 * kneadpay wrote (it names the practice) is worth the 503 of our own race.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile } from '../support/api';
import { connectTestAccount } from '../support/connect';
import { emulator, store, stripe } from '../support/invoicing';
import { eventually } from '../support/eventually';
import { newPracticeId } from '../support/store';

type Delivery = { eventId: string; eventType: string; attempts: { status: number | null }[] };

describe("a connected account's own Checkout Sessions (no kneadpay metadata)", () => {
  it('checkout.session.completed and checkout.session.expired of such a session are answered 200 (ignored), never retried', async () => {
    // Prepare: a practice on its own connected account.
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const stripeAccount = await connectTestAccount(
      store,
      practiceId,
      `acct_${newId('own')
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 16)}`,
    );
    const product = await stripe.products.create({ name: 'Gift card' }, { stripeAccount });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 5000, currency: 'usd' }, { stripeAccount });
    const session = () =>
      stripe.checkout.sessions.create(
        { mode: 'payment', line_items: [{ price: price.id, quantity: 1 }], success_url: 'http://127.0.0.1:1/ok', cancel_url: 'http://127.0.0.1:1/no' },
        { stripeAccount },
      );
    const paid = await session();
    const expired = await session();

    // Act: the practice's client pays one on Stripe's page; the practice expires the other.
    const answer = await fetch(`${paid.url!}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ outcome: 'succeeded', email: 'gift-buyer@elsewhere.example', name: 'Gift Buyer' }).toString(),
    });
    expect(answer.status).toBe(200);
    await stripe.checkout.sessions.expire(expired.id, {}, { stripeAccount });

    // Assess: each event's first delivery to kneadpay answered 200.
    const events = (await stripe.events.list({ types: ['checkout.session.completed', 'checkout.session.expired'], limit: 10 }, { stripeAccount })).data;
    const ours = events.filter((event) => [paid.id, expired.id].includes((event.data.object as { id: string }).id));
    expect(ours.map((event) => event.type).sort()).toEqual(['checkout.session.completed', 'checkout.session.expired']);
    for (const event of ours) {
      const deliveries = await eventually(`the delivery of ${event.type}`, async () => {
        const list = (await emulator(`/_deliveries?event=${event.id}`)).body.deliveries as Delivery[];
        return list.length > 0 && list.every((delivery) => delivery.attempts.length > 0) ? list : undefined;
      });
      expect(deliveries.map((delivery) => delivery.attempts[0]!.status)).toEqual(deliveries.map(() => 200));
    }
  });

  it("another tool's metadata with the same names (clientId, purchaseId, invoiceId) on the practice's own session and invoice: 200 (ignored), not retried", async () => {
    // Prepare
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const stripeAccount = await connectTestAccount(
      store,
      practiceId,
      `acct_${newId('tool')
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 16)}`,
    );
    const product = await stripe.products.create({ name: 'Class pass' }, { stripeAccount });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 2500, currency: 'usd' }, { stripeAccount });
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [{ price: price.id, quantity: 1 }],
        success_url: 'http://127.0.0.1:1/ok',
        metadata: { clientId: 'C-1001', purchaseId: 'P-2002' },
      },
      { stripeAccount },
    );
    const customer = await stripe.customers.create({ email: 'member@elsewhere.example' }, { stripeAccount });
    const invoice = await stripe.invoices.create(
      { customer: customer.id, collection_method: 'send_invoice', days_until_due: 7, auto_advance: false, metadata: { invoiceId: 'INV-2026-001' } },
      { stripeAccount },
    );
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 2500, currency: 'usd' }, { stripeAccount });
    await stripe.invoices.finalizeInvoice(invoice.id, { auto_advance: false }, { stripeAccount });

    // Act
    const answer = await fetch(`${session.url!}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ outcome: 'succeeded', email: 'member@elsewhere.example', name: 'Member' }).toString(),
    });
    expect(answer.status).toBe(200);
    await stripe.invoices.pay(invoice.id, { paid_out_of_band: true }, { stripeAccount });

    // Assess
    const events = (await stripe.events.list({ types: ['checkout.session.completed', 'invoice.finalized', 'invoice.paid'], limit: 10 }, { stripeAccount })).data;
    expect(events.map((event) => event.type).sort()).toEqual(['checkout.session.completed', 'invoice.finalized', 'invoice.paid']);
    for (const event of events) {
      const deliveries = await eventually(`the delivery of ${event.type}`, async () => {
        const list = (await emulator(`/_deliveries?event=${event.id}`)).body.deliveries as Delivery[];
        return list.length > 0 && list.every((delivery) => delivery.attempts.length > 0) ? list : undefined;
      });
      expect(deliveries.map((delivery) => [event.type, delivery.attempts[0]!.status])).toEqual(deliveries.map(() => [event.type, 200]));
    }
  });
});
