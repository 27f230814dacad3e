import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api } from '../support/api';
import { launchBrowser } from '../support/browser';
import { paidPurchase } from '../support/purchase-flow';

/**
 * The staff web app (docs/app.md), audit b2: a client search typed again while the first is still
 * on its way. Real stack, real browser: Playwright only holds a real answer back.
 */
const appUrl = () => `${inject('apiUrl')}/app/`;

const ready = async (page: Page) => {
  await page.locator('main[data-state="ready"]').waitFor({ timeout: 15_000 });
};

const signIn = async (page: Page, practiceId: string) => {
  await page.goto(appUrl());
  await page.getByLabel('Practice ID').fill(practiceId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ready(page);
};

const go = async (page: Page, link: string) => {
  const target = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true });
  await target.click();
  // The click's hashchange comes after it: the link is marked current when the new page starts drawing.
  await expect.poll(() => target.getAttribute('aria-current')).toBe('page');
  await ready(page);
};

/** Holds the first GET whose path ends with `suffix` (after this call) for `ms`, then lets the real answer through. */
const holdFirst = async (page: Page, suffix: string, ms: number) => {
  let held = false;
  let release: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => {
    release = resolve;
  });
  const matches = (url: URL) => url.pathname.endsWith(suffix);
  await page.route(matches, async (route: Route) => {
    if (held || route.request().method() !== 'GET') return route.continue();
    held = true;
    const response = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, ms));
    await route.fulfill({ response });
    release();
  });
  return {
    answered,
    done: () => page.unroute(matches),
  };
};

describe('the staff web app: a late answer on the Clients page', () => {
  let browser: Browser;
  let page: Page;
  let practiceId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 820, height: 1180 } });
    ({ practiceId } = await paidPurchase());
    expect((await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `${newId('other')}@client.example`, name: 'Olive Other' } })).status).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('a search typed again while the first is on its way: the list is the answer to what the field now says', async () => {
    // Prepare
    await signIn(page, practiceId);
    await go(page, 'Clients');
    const held = await holdFirst(page, '/clients', 1_500);

    // Act: "jane" (its answer held), then at once "olive"
    await page.getByLabel('Search by name or email').fill('jane');
    await page.getByLabel('Search by name or email').press('Enter');
    await page.waitForTimeout(100);
    await page.getByLabel('Search by name or email').fill('olive');
    await page.getByLabel('Search by name or email').press('Enter');
    await held.answered;
    await page.waitForTimeout(500);
    const found = await page.getByRole('list', { name: 'Clients found' }).innerText();
    await held.done();

    // Assess
    expect(await page.getByLabel('Search by name or email').inputValue()).toBe('olive');
    expect(found).toContain('Olive Other');
    expect(found).not.toContain('Jane Buyer');
  });
});
