import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api } from '../support/api';
import { launchBrowser } from '../support/browser';
import { paidPurchase } from '../support/purchase-flow';
import { go, holdFirst, signIn } from '../support/app-page';

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
