/**
 * Every dispute status real Stripe has (Stripe API reference, Dispute.status: `warning_needs_response`,
 * `warning_under_review`, `warning_closed`, `needs_response`, `under_review`, `won`, `lost`,
 * `prevented`; DOMAIN.md §7), produced by the emulator's admin endpoint on a real purchase and
 * delivered as signed webhooks to the local API.
 */
import { describe, expect, it } from 'vitest';
import { emulator } from '../support/invoicing';
import { ledgerKinds, paidPurchase, purchasesOf, settleWebhooks } from '../support/purchase-flow';

const dispute = async (paymentIntent: string, status: string) => {
  const made = await emulator('/_disputes', { method: 'POST', body: { payment_intent: paymentIntent, status } });
  expect(made.status).toBe(200);
  await settleWebhooks();
  return made.body as { id: string; status: string };
};

const close = async (id: string, status: string) => {
  const closed = await emulator(`/_disputes/${id}/close`, { method: 'POST', body: { status } });
  await settleWebhooks();
  return closed;
};

describe('disputes in every Stripe status', () => {
  it.each([
    ['warning_needs_response', 'an inquiry asking for a response'],
    ['warning_under_review', 'an inquiry under review'],
    ['needs_response', 'a chargeback asking for evidence'],
    ['under_review', 'a chargeback under review'],
  ])('%s (%s) freezes the credits', async (status) => {
    const { practiceId, clientId, paymentIntent } = await paidPurchase();
    const made = await dispute(paymentIntent, status);
    expect(made.status).toBe(status);
    expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'disputed', sessionsRemaining: 5 })]);
  });

  it('warning_closed: an inquiry that closed with no chargeback restores the credits (never frozen for good)', async () => {
    const { practiceId, clientId, paymentIntent } = await paidPurchase();
    const inquiry = await dispute(paymentIntent, 'warning_needs_response');
    expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'disputed' })]);
    const closed = await close(inquiry.id, 'warning_closed');
    expect(closed.body).toMatchObject({ status: 'warning_closed' });
    expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'active', sessionsRemaining: 5 })]);
    expect(await ledgerKinds(practiceId, clientId)).toEqual(['credits_frozen', 'credits_restored', 'package_sale', 'payment']);
  });

  it('POST /_disputes with status warning_closed creates the inquiry and closes it: the credits end as they started', async () => {
    const { practiceId, clientId, paymentIntent } = await paidPurchase();
    expect((await dispute(paymentIntent, 'warning_closed')).status).toBe('warning_closed');
    expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'active', sessionsRemaining: 5 })]);
  });

  it('an inquiry escalated to a chargeback (warning_under_review → needs_response → won) stays frozen, then is restored', async () => {
    const { practiceId, clientId, paymentIntent } = await paidPurchase();
    const inquiry = await dispute(paymentIntent, 'warning_under_review');
    expect((await close(inquiry.id, 'needs_response')).body).toMatchObject({ status: 'needs_response' });
    expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'disputed' })]);
    await close(inquiry.id, 'won');
    expect(await purchasesOf(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'active', sessionsRemaining: 5 })]);
  });

  it('lost voids the credits and books the chargeback; prevented voids them as a return to the cardholder, with no chargeback', async () => {
    const lost = await paidPurchase();
    await dispute(lost.paymentIntent, 'lost');
    expect(await purchasesOf(lost.practiceId, lost.clientId)).toEqual([expect.objectContaining({ status: 'refunded', sessionsRemaining: 0 })]); // the API shows a voided purchase as refunded
    // created and closed are delivered in any order: `credits_frozen` only when created came first.
    const lostKinds = await ledgerKinds(lost.practiceId, lost.clientId);
    expect(lostKinds.filter((kind) => kind !== 'credits_frozen')).toEqual(['chargeback', 'credits_voided', 'package_sale', 'payment', 'sale_adjustment']);

    const prevented = await paidPurchase();
    const made = await dispute(prevented.paymentIntent, 'prevented');
    expect(made.status).toBe('prevented');
    expect(await purchasesOf(prevented.practiceId, prevented.clientId)).toEqual([expect.objectContaining({ status: 'refunded', sessionsRemaining: 0 })]);
    const preventedKinds = await ledgerKinds(prevented.practiceId, prevented.clientId);
    expect(preventedKinds.filter((kind) => kind !== 'credits_frozen')).toEqual(['credits_voided', 'package_sale', 'payment', 'refund', 'sale_adjustment']);
  });

  it('the emulator refuses moves Stripe does not make: closing twice, warning_closed on a chargeback, an unknown status', async () => {
    const { paymentIntent } = await paidPurchase();
    const chargeback = await dispute(paymentIntent, 'needs_response');
    expect((await close(chargeback.id, 'warning_closed')).status).toBe(400);
    expect((await close(chargeback.id, 'lost')).status).toBe(200);
    expect((await close(chargeback.id, 'won')).status).toBe(400);
    expect((await emulator('/_disputes', { method: 'POST', body: { payment_intent: paymentIntent, status: 'charge_refunded' } })).status).toBe(400);
  });
});
