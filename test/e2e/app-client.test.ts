import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api } from '../support/api';
import { launchBrowser } from '../support/browser';
import { paidPurchase } from '../support/purchase-flow';
import { go, holdFirst, ready, signIn } from '../support/app-page';

describe('the staff web app: a client corrected, lists re-read after an action', () => {
  let browser: Browser;
  let page: Page;
  let practiceId: string;
  let clientId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 820, height: 1180 } });
    ({ practiceId, clientId } = await paidPurchase());
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("a client's name and email corrected on their page: a taken email is refused under Email, then the correction is saved", async () => {
    // Prepare: another client of the practice has the email the front desk first types
    const other = `${newId('other')}@client.example`;
    expect((await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: other, name: 'Other Client' } })).status).toBe(201);
    const corrected = { name: 'Jane Q. Buyer', email: `${newId('jane')}@client.example` };
    await signIn(page, practiceId);
    await go(page, 'Clients');
    await page.getByLabel('Search by name or email').fill('Jane Buyer');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Jane Buyer' }).click();
    await ready(page);
    const correction = page.getByRole('form', { name: 'Correct name and email' });

    // Act: the taken email first, then the right one
    await correction.getByLabel('Email', { exact: true }).fill(other);
    await correction.getByRole('button', { name: 'Save name and email' }).click();
    await expect.poll(() => correction.getByLabel('Email', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    const emailId = await correction.getByLabel('Email', { exact: true }).getAttribute('id');
    const refusal = await page.locator(`#${emailId}-error`).innerText();
    const focused = await page.evaluate<string | undefined>('document.activeElement?.id');
    await correction.getByLabel('Name', { exact: true }).fill(corrected.name);
    await correction.getByLabel('Email', { exact: true }).fill(corrected.email);
    await correction.getByRole('button', { name: 'Save name and email' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(corrected.name);
    const found = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(corrected.email)}`, { practiceId });

    // Assess
    expect(refusal).toMatch(/email/i);
    expect(focused).toBe(emailId);
    expect(found.body.items).toEqual([{ clientId, email: corrected.email, name: corrected.name }]);
  });

  it('Packages: two "Stop selling" in a row, the first re-read answered late — both stay stopped', async () => {
    // Prepare: a second package on sale
    const second = await api('POST', `/practices/${practiceId}/packages`, {
      practiceId,
      body: { name: 'Three 30-minute massages', sessions: 3, sessionMinutes: 30, serviceCode: '97124', priceCents: 15000, currency: 'usd' },
    });
    expect(second.status).toBe(201);
    await go(page, 'Packages');
    const held = await holdFirst(page, '/packages', 1_500);

    // Act
    await page.getByRole('button', { name: 'Stop selling Five 60-minute massages' }).click();
    await page.getByRole('button', { name: 'Stop selling Three 30-minute massages' }).click();
    await held.answered;
    await page.waitForTimeout(300);
    const rows = await page.getByRole('table', { name: 'Packages' }).locator('tbody tr').allInnerTexts();
    const stopButtons = await page.getByRole('button', { name: /^Stop selling/ }).count();
    await held.done();
    const listed = (await api('GET', `/practices/${practiceId}/packages`, { practiceId })).body.items as { active: boolean }[];

    // Assess
    expect(listed.map((pkg) => pkg.active)).toEqual([false, false]);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toContain('stopped');
    expect(stopButtons).toBe(0);
  });
});
