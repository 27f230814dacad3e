/**
 * An onboarded account whose charges Stripe turns off later (audit c3, 2026-12-07), over the local
 * stack, the Stripe emulator (real `stripe` SDK, its signed `account.updated` webhooks) and
 * DynamoDB Local.
 *
 * Stripe's facts (docs.stripe.com/api/accounts/object, /connect/handling-api-verification): an
 * account's `charges_enabled` may turn false after onboarding; `requirements.disabled_reason` says
 * why (`requirements.past_due` with what is `currently_due`, or `under_review`, `rejected.*`,
 * `platform_paused`… with nothing the owner can send), and it is null while the account can charge.
 */
import { describe, expect, it } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { emulatorAdmin, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { newPracticeId } from '../support/store';

const PACKAGE = { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' };
const stripeCallsOn = async (account: string) =>
  ((await (await fetch(`${process.env.STRIPE_API_BASE}/_requests?path=/v1/`)).json()) as { requests: { headers: Record<string, string | null> }[] }).requests.filter(
    (request) => request.headers['stripe-account'] === account,
  ).length;

describe('charges turned off after onboarding', () => {
  it('checkout answers 409 payments_not_enabled saying Stripe turned charges off (not "onboarding"), with no Stripe call; GET …/stripe names Stripe’s reason; charges back on, it sells', async () => {
    // Prepare: an onboarded practice with a package.
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name: 'Harbor Bodywork' }) })).status).toBe(200);
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const made = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE });
    expect(made.status, made.text).toBe(201);
    const checkout = () => api('POST', `/p/${practiceId}/packages/${made.body.packageId}/checkout`, { body: { email: `${newPracticeId()}@client.example`, name: 'Jane Client' } });

    // Act: Stripe wants a bank account (past due), then reviews the account (nothing to send).
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    const pastDue = await waitForStripeStatus(practiceId, (s) => !s.chargesEnabled);
    const callsBefore = await stripeCallsOn(accountId);
    const refused = await checkout();
    const callsAfter = await stripeCallsOn(accountId);
    await emulatorAdmin(`/_accounts/${accountId}`, { currently_due: [], disabled_reason: 'under_review' });
    const review = await waitForStripeStatus(practiceId, (s) => s.disabledReason === 'under_review');
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: true, disabled_reason: null });
    const back = await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    const sold = await checkout();

    // Assess
    expect(pastDue).toMatchObject({ accountId, chargesEnabled: false, status: 'restricted', requirementsDue: ['external_account'], disabledReason: 'requirements.past_due' });
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'payments_not_enabled']);
    expect(refused.body.error.message).not.toContain('onboarding');
    expect(refused.body.error.message).toContain('Stripe has turned off charges');
    expect(callsAfter).toBe(callsBefore);
    expect(review).toMatchObject({ chargesEnabled: false, status: 'restricted', requirementsDue: [], disabledReason: 'under_review' });
    expect(back).toMatchObject({ chargesEnabled: true, status: 'enabled', disabledReason: null });
    expect(sold.status, sold.text).toBe(201);
  });

  it('an account still onboarding is refused with the onboarding message (unchanged)', async () => {
    // Prepare
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name: 'Harbor Bodywork' }) })).status).toBe(200);
    const made = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE });
    await onboardThroughStripe(practiceId, { complete: false });

    // Act
    const refused = await api('POST', `/p/${practiceId}/packages/${made.body.packageId}/checkout`, { body: { email: `${newPracticeId()}@client.example`, name: 'Jane Client' } });
    const status = await api('GET', `/practices/${practiceId}/stripe`, { practiceId });

    // Assess
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'payments_not_enabled']);
    expect(refused.body.error.message).toContain('until its Stripe onboarding is complete');
    expect(status.body).toMatchObject({ status: 'onboarding', disabledReason: 'requirements.past_due' });
  });
});
