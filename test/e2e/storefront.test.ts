import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile } from '../support/api';
import { newPracticeId } from '../support/store';

/**
 * The storefront in a real browser against the whole local stack (SPEC §3, docs/api.md "Storefront
 * and checkout"): the public page → Buy → the (emulated) hosted Stripe Checkout → Pay → the success
 * page, which refreshes by itself until the signed webhook has granted the credits.
 *
 * Screenshots go to a temp dir that is removed afterwards; set KNEADPAY_E2E_SCREENSHOTS=<dir> to keep
 * them for a look.
 */
const PACKAGE = { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365 };

const keepShots = process.env.KNEADPAY_E2E_SCREENSHOTS;
const shots = keepShots ?? mkdtempSync(join(tmpdir(), 'kneadpay-storefront-'));

/** A full-page screenshot; returns its size so a blank capture fails the test. */
const shoot = async (page: Page, name: string): Promise<number> => {
  const path = join(shots, `storefront-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return statSync(path).size;
};

/** A practice with one package on sale, made by the front desk through the API. */
const practiceWithPackage = async () => {
  const practiceId = newPracticeId();
  const practice = await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
  const pkg = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE });
  if (practice.status !== 200 || pkg.status !== 201) throw new Error(`setup failed: ${practice.text} / ${pkg.text}`);
  return { practiceId, packageId: pkg.body.packageId as string };
};

/** The client fills the Buy form on the storefront; the browser lands on the hosted Checkout. */
const buyOnStorefront = async (page: Page, practiceId: string, client: { name: string; email: string }) => {
  await page.goto(`${inject('apiUrl')}/p/${practiceId}`);
  await page.getByLabel('Your name').fill(client.name);
  await page.getByLabel('Email for your receipt').fill(client.email);
  await Promise.all([page.waitForURL(`${inject('stripeUrl')}/checkout/**`), page.getByRole('button', { name: `Buy ${PACKAGE.name}` }).click()]);
};

/** The Stripe emulator's REST API (form-encoded, like Stripe). */
const stripeApi = async (method: 'GET' | 'POST', path: string, params: Record<string, string> = {}) => {
  const answer = await fetch(`${inject('stripeUrl')}${path}`, {
    method,
    headers: { authorization: 'Bearer sk_test_emulator', ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(method === 'POST' ? { body: new URLSearchParams(params) } : {}),
  });
  return { status: answer.status, body: (await answer.json()) as any };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the storefront in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    if (!keepShots) rmSync(shots, { recursive: true, force: true });
  });

  it('storefront → Buy → hosted Checkout → Pay → the success page shows the credits once the webhook granted them', async () => {
    // Prepare
    const { practiceId, packageId } = await practiceWithPackage();
    const client = { name: 'Jane Doe', email: `${newId('buyer')}@client.example` };
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    onTestFinished(() => page.close());

    // Act: the storefront
    const storefront = await page.goto(`${inject('apiUrl')}/p/${practiceId}`);
    const storefrontTitle = await page.title();
    const lang = await page.locator('html').getAttribute('lang');
    const h1 = await page.getByRole('heading', { level: 1 }).allInnerTexts();
    const card = page.getByRole('region', { name: PACKAGE.name });
    const cardText = await card.innerText();
    const packageHeading = await card.getByRole('heading', { level: 2 }).innerText();
    const nameInput = page.getByLabel('Your name');
    const emailInput = page.getByLabel('Email for your receipt');
    const inputs = {
      name: await nameInput.getAttribute('autocomplete'),
      emailType: await emailInput.getAttribute('type'),
      nameRequired: await nameInput.getAttribute('required'),
      emailRequired: await emailInput.getAttribute('required'),
    };
    const unlabelled = await page.locator('input, select, textarea').evaluateAll((els) => els.filter((el) => !(el as unknown as { labels: { length: number } | null }).labels?.length).length);
    const storefrontShot = await shoot(page, '1-storefront');
    await nameInput.fill(client.name);
    await emailInput.fill(client.email);
    await Promise.all([page.waitForURL(`${inject('stripeUrl')}/checkout/**`), page.getByRole('button', { name: `Buy ${PACKAGE.name}` }).click()]);

    // Act: the hosted Checkout
    const checkoutTitle = await page.title();
    const total = await page.getByTestId('amount-total').innerText();
    const checkoutEmail = page.getByLabel('Email');
    const emailPrefilled = await checkoutEmail.inputValue();
    if (emailPrefilled === '') await checkoutEmail.fill(client.email); // empty today: the Checkout Session has a Customer without an email (DOMAIN.md §6)
    await page.getByLabel('Name on card').fill(client.name);
    await page.getByLabel('Visa ending in 4242 — succeeds').check();
    const checkoutShot = await shoot(page, '2-checkout');
    await Promise.all([page.waitForURL(`${inject('apiUrl')}/p/${practiceId}/success?session_id=cs_*`), page.getByRole('button', { name: 'Pay $425.00' }).click()]);

    // Act: the success page refreshes itself (meta refresh) until the credits are granted
    const landedOn = await page.locator('[role=status]').getAttribute('data-status'); // usually "open": the webhook is not in yet
    const status = page.locator('[role=status][data-status=active]');
    await status.waitFor({ timeout: 20_000 });
    const successText = await status.innerText();
    const successHeading = await page.getByRole('heading', { level: 1 }).innerText();
    const successShot = await shoot(page, '3-success');
    const found = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(client.email)}`, { practiceId });
    const clientId = found.body.items?.[0]?.clientId as string;
    const purchases = await api('GET', `/practices/${practiceId}/clients/${clientId}/purchases`, { practiceId });

    // Assess
    expect(storefront?.status()).toBe(200);
    expect(storefrontTitle).toBe('Harbor Bodywork — session packages');
    expect(lang).toBe('en');
    expect(h1).toEqual(['Harbor Bodywork']);
    expect(packageHeading).toBe(PACKAGE.name);
    expect(cardText).toContain('$425.00');
    expect(cardText).toContain('5 sessions × 60 minutes');
    expect(unlabelled).toBe(0);
    expect(inputs).toEqual({ name: 'name', emailType: 'email', nameRequired: '', emailRequired: '' });
    expect(checkoutTitle).toBe('Pay $425.00 — Checkout');
    expect(total).toBe('$425.00');
    expect(['open', 'active']).toContain(landedOn);
    expect(successHeading).toBe('Thank you!');
    expect(successText).toMatch(/^Your package from Harbor Bodywork is ready: 5 of 5 sessions available, to use by [A-Z][a-z]+ \d{1,2}, \d{4}\.$/);
    expect(found.body.items).toEqual([expect.objectContaining({ email: client.email, name: client.name })]);
    expect(purchases.body.items).toEqual([expect.objectContaining({ packageId, status: 'active', sessionsTotal: 5, sessionsRemaining: 5, priceCents: 42500, currency: 'usd' })]);
    for (const size of [storefrontShot, checkoutShot, successShot]) expect(size).toBeGreaterThan(5_000);
  });

  it('Cancel on the hosted Checkout goes back to the storefront, which says nothing was charged', async () => {
    // Prepare
    const { practiceId } = await practiceWithPackage();
    const client = { name: 'Sam Roe', email: `${newId('buyer')}@client.example` };
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    onTestFinished(() => page.close());
    await buyOnStorefront(page, practiceId, client);
    const sessionId = new URL(page.url()).pathname.split('/').pop()!;

    // Act
    await Promise.all([page.waitForURL(`${inject('apiUrl')}/p/${practiceId}?cancelled=1`), page.getByRole('link', { name: 'Cancel and go back' }).click()]);
    const notice = await page.getByRole('status').innerText();
    const buyStillThere = await page.getByRole('button', { name: `Buy ${PACKAGE.name}` }).isVisible();
    const cancelledShot = await shoot(page, '4-cancelled');
    const found = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(client.email)}`, { practiceId });
    const clientId = found.body.items?.[0]?.clientId as string;
    const purchases = await api('GET', `/practices/${practiceId}/clients/${clientId}/purchases`, { practiceId });
    const ledger = await api('GET', `/practices/${practiceId}/clients/${clientId}/ledger`, { practiceId });
    const success = await api('GET', `/p/${practiceId}/success?session_id=${sessionId}`);

    // Assess
    expect(notice).toBe('Checkout was cancelled; nothing was charged.');
    expect(buyStillThere).toBe(true);
    expect(purchases.body.items).toEqual([]); // checkouts not paid are not listed
    expect(ledger.body).toMatchObject({ balanceCents: 0, entries: [] });
    expect(success.text).not.toContain('data-status="active"'); // no credits for an unpaid checkout
    expect(cancelledShot).toBeGreaterThan(5_000);
  });

  describe('after the purchase was refunded', () => {
    let successUrl = '';

    beforeAll(async () => {
      // A purchase paid (API checkout + the hosted page's pay endpoint), then fully refunded on Stripe.
      const { practiceId, packageId } = await practiceWithPackage();
      const email = `${newId('buyer')}@client.example`;
      const checkout = await api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, { body: { email, name: 'Ray Refund' } });
      const paid = await fetch(`${checkout.body.url}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ outcome: 'succeeded', email }),
      });
      const session = await stripeApi('GET', `/v1/checkout/sessions/${checkout.body.checkoutSessionId}`);
      const clientId = (await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, { practiceId })).body.items[0].clientId;
      const statusNow = async () => (await api('GET', `/practices/${practiceId}/clients/${clientId}/purchases`, { practiceId })).body.items[0]?.status;
      for (let i = 0; i < 75 && (await statusNow()) !== 'active'; i++) await sleep(200);
      const refund = await stripeApi('POST', '/v1/refunds', { payment_intent: session.body.payment_intent });
      let status = await statusNow();
      for (let i = 0; i < 75 && status !== 'refunded'; i++, status = await statusNow()) await sleep(200);
      if (checkout.status !== 201 || !paid.ok || refund.status !== 200 || status !== 'refunded') {
        throw new Error(`setup: checkout ${checkout.status}, pay ${paid.status}, refund ${refund.status}, purchase ${status}`);
      }
      successUrl = `${inject('apiUrl')}/p/${practiceId}/success?session_id=${checkout.body.checkoutSessionId}`;
    });

    // Found by this test: a refunded purchase used to fall into "Payment received" with a refresh forever.
    it('the success page of a refunded purchase says so and stops refreshing', async () => {
      // Prepare
      const page = await browser.newPage();
      onTestFinished(() => page.close());

      // Act
      await page.goto(successUrl);
      const refreshes = await page.locator('meta[http-equiv=refresh]').count();
      const heading = await page.getByRole('heading', { level: 1 }).innerText();

      // Assess
      expect(heading).not.toBe('Payment received');
      expect(refreshes).toBe(0);
    });
  });

  // Found by this test: public pages used to answer a stale link with the API's JSON error.
  it('an unknown storefront link shows a plain HTML "not found" page, not the API\'s JSON error', async () => {
    // Prepare
    const page = await browser.newPage();
    onTestFinished(() => page.close());

    // Act
    const answer = await page.goto(`${inject('apiUrl')}/p/${newPracticeId()}`);
    const text = await page.locator('body').innerText();

    // Assess
    expect(answer?.status()).toBe(404);
    expect(answer?.headers()['content-type']).toMatch(/^text\/html/);
    expect(text).not.toContain('PUT /practices');
  });
});
