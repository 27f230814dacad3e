import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { launchBrowser } from '../support/browser';
import { emulatorAdmin, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { go, signIn } from '../support/app-page';
import { newPracticeId } from '../support/store';

/**
 * The staff web app's Settings when Stripe turns an onboarded account's charges off (audit c3,
 * 2026-12-07): the front desk sees that payments are off and Stripe's reason
 * (`requirements.disabled_reason`, docs.stripe.com/api/accounts/object), not only "Restricted".
 */
describe('the staff web app: Stripe turned charges off', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('Settings says payments are off and why (Stripe is reviewing the account), and offers to continue onboarding', async () => {
    // Prepare: an onboarded practice whose account Stripe put under review.
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name: 'Harbor Bodywork' }) })).status).toBe(200);
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, disabled_reason: 'under_review' });
    await waitForStripeStatus(practiceId, (s) => !s.chargesEnabled);
    const page = await browser.newPage();

    // Act
    await signIn(page, practiceId);
    await go(page, 'Settings');
    const connection = await page.getByTestId('stripe-connection').innerText();
    const reason = await page.getByTestId('stripe-disabled-reason').innerText();
    const button = await page.getByTestId('stripe-connection').getByRole('button').innerText();
    await page.close();

    // Assess
    expect(connection).toMatch(/Status\s+Restricted/);
    expect(connection).toMatch(/Payments\s+Not enabled yet/);
    expect(reason).toBe('Why payments are off: Stripe is reviewing the account.');
    expect(button).toBe('Continue Stripe onboarding');
  });
});
