import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { launchBrowser } from '../support/browser';
import { newPracticeId } from '../support/store';

/**
 * Stripe Connect onboarding in a real browser against the whole local stack (issue 16): the front
 * desk starts onboarding (API), opens the Account Link, sees Stripe's hosted onboarding page,
 * presses "Complete onboarding", lands on kneadpay's return page, which refreshes by itself until
 * Stripe's account.updated webhook enabled charges; the storefront, closed until then, sells.
 * The link, used once, then leads to kneadpay's refresh page.
 */
const PACKAGE = { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' };

describe('Stripe onboarding in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('Account Link → hosted onboarding page → Complete onboarding → kneadpay return page → charges enabled → the storefront sells', async () => {
    // Prepare: a practice with a package, onboarding started.
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name: 'Harbor Bodywork' }) })).status).toBe(200);
    expect((await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE })).status).toBe(201);
    const started = await api('POST', `/practices/${practiceId}/stripe/onboarding`, { practiceId });
    expect(started.status).toBe(201);
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    onTestFinished(() => page.close());

    // Act: the storefront before, the hosted onboarding page, the button, the return page.
    await page.goto(`${inject('apiUrl')}/p/${practiceId}`);
    const closed = await page.getByRole('status').innerText();
    const buyButtonsBefore = await page.getByRole('button').count();
    await page.goto(started.body.url);
    const onboardingHeading = await page.getByRole('heading', { level: 1 }).innerText();
    const owed = await page.getByRole('listitem').allInnerTexts();
    await Promise.all([page.waitForURL(`${inject('apiUrl')}/p/${practiceId}/stripe/return`), page.getByRole('button', { name: 'Complete onboarding' }).click()]);
    await page.getByText('Harbor Bodywork can take payments now.').waitFor({ timeout: 15_000 });
    const status = await api('GET', `/practices/${practiceId}/stripe`, { practiceId });
    await page.goto(`${inject('apiUrl')}/p/${practiceId}`);
    const buyButton = page.getByRole('button', { name: `Buy ${PACKAGE.name}` });
    const sells = await buyButton.isVisible();
    await page.goto(started.body.url);
    const usedLink = { url: page.url(), heading: await page.getByRole('heading', { level: 1 }).innerText() };

    // Assess
    expect(closed).toContain('cannot take payments online yet');
    expect(buyButtonsBefore).toBe(0);
    expect(onboardingHeading).toBe('Set up payments');
    expect(owed.length).toBeGreaterThan(0);
    expect(status.body).toMatchObject({ accountId: started.body.accountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, requirementsDue: [] });
    expect(sells).toBe(true);
    expect(usedLink).toEqual({ url: `${inject('apiUrl')}/p/${practiceId}/stripe/refresh`, heading: 'This onboarding link has expired' });
  });
});
