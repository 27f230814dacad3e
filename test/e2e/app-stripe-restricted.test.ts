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

  it('a reason Stripe gives at the pinned API version is said in words: an account the platform rejected (rejected.platform_fraud, Stripe changelog 2026-09-30.endive) is not shown as a code', async () => {
    // Prepare
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name: 'Harbor Bodywork' }) })).status).toBe(200);
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, payouts_enabled: false, disabled_reason: 'rejected.platform_fraud' });
    await waitForStripeStatus(practiceId, (s) => s.disabledReason === 'rejected.platform_fraud');
    const page = await browser.newPage();

    // Act
    await signIn(page, practiceId);
    await go(page, 'Settings');
    const reason = await page.getByTestId('stripe-disabled-reason').innerText();
    await page.close();

    // Assess
    expect(reason).toBe('Why payments are off: kneadpay’s platform rejected the account (suspected fraud).');
  });

  it('an account whose owner disconnected kneadpay: Settings says so, offers no onboarding (the API refuses it: 409 stripe_account_disconnected) but the release; released, "Connect Stripe"', async () => {
    // Prepare: an onboarded practice whose account's owner then disconnected kneadpay in Stripe.
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name: 'Harbor Bodywork' }) })).status).toBe(200);
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    const page = await browser.newPage();

    // Act
    await signIn(page, practiceId);
    await go(page, 'Settings');
    const connection = page.getByTestId('stripe-connection');
    const shown = await connection.innerText();
    const buttons = await connection.getByRole('button').allInnerTexts();
    await connection.getByRole('button', { name: 'Release the disconnected account' }).click();
    const said = await connection.getByRole('status').filter({ hasText: 'released' }).innerText();
    const after = await connection.innerText();
    const focused = await page.evaluate<string>("document.activeElement?.getAttribute('role') ?? ''");
    await page.close();

    // Assess
    expect(shown).toMatch(/Status\s+Disconnected from kneadpay in Stripe/);
    expect(shown).toMatch(/Payments\s+Off: the account disconnected kneadpay/);
    expect(buttons).toEqual(['Release the disconnected account']);
    expect(said).toBe(`Stripe account ${accountId} released. “Connect Stripe” connects an account again.`);
    expect(after).toMatch(/Account\s+Not connected/);
    expect(after).toContain('Connect Stripe');
    expect(focused).toBe('status');
    expect((await api('GET', `/practices/${practiceId}/stripe`, { practiceId })).body).toMatchObject({ accountId: null, status: 'not_connected' });
  });
});
