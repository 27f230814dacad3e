import { describe, expect, it } from 'vitest';
import { createStore } from '../../functions/store/table';
import { expirePurchases } from '../../functions/core/credit-expiry';
import { checkoutSession, ledgerState, outboxOf, reloadPurchase, seedOpenPurchase, seedPractice } from '../support/fixtures';
import { deliver, stripeEvent } from '../support/stripe-events';
import { api } from '../support/api';
import { newPracticeId } from '../support/store';

const store = createStore();

const clientWithCredits = async (sessions: number, opts: { expiresInDays?: number | null } = {}) => {
  const practiceId = newPracticeId();
  await seedPractice(store, practiceId);
  const purchase = await seedOpenPurchase(store, practiceId, { sessions, priceCents: sessions * 8500, ...opts });
  await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase)));
  return { practiceId, purchase, clientId: purchase.clientId };
};

describe('redemptions over the local API', () => {
  it('redeems until exhausted, then 409 no_credits; the same appointment again replays its answer', async () => {
    // Prepare
    const { practiceId, clientId, purchase } = await clientWithCredits(2);
    const redeem = (appointmentId: string) => api('POST', `/practices/${practiceId}/clients/${clientId}/redemptions`, { practiceId, body: { appointmentId } });

    // Act
    const first = await redeem('appt-1');
    const again = await redeem('appt-1');
    const second = await redeem('appt-2');
    const third = await redeem('appt-3');
    const purchases = await api('GET', `/practices/${practiceId}/clients/${clientId}/purchases`, { practiceId });

    // Assess
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ purchaseId: purchase.purchaseId, sessionsRemaining: 1 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(second.body.sessionsRemaining).toBe(0);
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('no_credits');
    expect(purchases.body.items).toEqual([expect.objectContaining({ purchaseId: purchase.purchaseId, sessionsTotal: 2, sessionsRemaining: 0, status: 'exhausted' })]);
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'CreditsRedeemed')).toHaveLength(2);
  });

  it('20 concurrent redemptions of 3 remaining credits → exactly 3 succeed, the rest 409', async () => {
    // Prepare
    const { practiceId, clientId, purchase } = await clientWithCredits(3);

    // Act
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api('POST', `/practices/${practiceId}/clients/${clientId}/redemptions`, { practiceId, body: { appointmentId: `appt-${i}` } })),
    );

    // Assess
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409 && a.body.error.code === 'no_credits')).toHaveLength(17);
    expect((await reloadPurchase(store, purchase)).sessionsRemaining).toBe(0);
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.entries.filter((e) => e.kind === 'redemption')).toHaveLength(3);
  });

  it('DELETE of a redemption gives the credit back once', async () => {
    // Prepare
    const { practiceId, clientId, purchase } = await clientWithCredits(1);
    await api('POST', `/practices/${practiceId}/clients/${clientId}/redemptions`, { practiceId, body: { appointmentId: 'appt-x' } });

    // Act
    const cancelled = await api('DELETE', `/practices/${practiceId}/clients/${clientId}/redemptions/appt-x`, { practiceId });
    const again = await api('DELETE', `/practices/${practiceId}/clients/${clientId}/redemptions/appt-x`, { practiceId });

    // Assess
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', creditRestored: true });
    expect(again.body.creditRestored).toBe(false);
    expect((await reloadPurchase(store, purchase)).sessionsRemaining).toBe(1);
  });

  it('expired credits are not redeemable, and the scheduled run marks them once with CreditsExpired', async () => {
    // Prepare: paid long ago with a 1-day expiry.
    const practiceId = newPracticeId();
    await seedPractice(store, practiceId);
    const purchase = await seedOpenPurchase(store, practiceId, { sessions: 2, priceCents: 17000, expiresInDays: 1 });
    await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase), { created: Math.floor(Date.now() / 1000) - 3 * 86_400 }));

    // Act
    const redeem = await api('POST', `/practices/${practiceId}/clients/${purchase.clientId}/redemptions`, { practiceId, body: { appointmentId: 'late' } });
    const firstRun = await expirePurchases(store, practiceId);
    const secondRun = await expirePurchases(store, practiceId);
    const purchases = await api('GET', `/practices/${practiceId}/clients/${purchase.clientId}/purchases`, { practiceId });

    // Assess
    expect(redeem.status).toBe(409);
    expect([firstRun, secondRun]).toEqual([1, 0]);
    expect(purchases.body.items[0].status).toBe('expired');
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'CreditsExpired')).toHaveLength(1);
  });

  it("another practice's token cannot read or redeem this practice's credits", async () => {
    // Prepare
    const { practiceId, clientId } = await clientWithCredits(1);
    const intruder = newPracticeId();

    // Act
    const read = await api('GET', `/practices/${practiceId}/clients/${clientId}/purchases`, { practiceId: intruder });
    const redeem = await api('POST', `/practices/${practiceId}/clients/${clientId}/redemptions`, { practiceId: intruder, body: { appointmentId: 'x' } });
    const anonymous = await api('GET', `/practices/${practiceId}/clients/${clientId}/ledger`);

    // Assess
    expect([read.status, redeem.status, anonymous.status]).toEqual([403, 403, 401]);
  });
});
