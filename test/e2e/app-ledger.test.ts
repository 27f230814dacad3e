import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile } from '../support/api';
import { launchBrowser } from '../support/browser';
import { newPracticeId } from '../support/store';
import { ready, signIn } from '../support/app-page';

describe("the staff web app: a client's ledger past one page", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('205 corrections: the ledger reaches its newest entry with "Show more"', async () => {
    // Prepare: a client whose name was corrected 205 times (205 ledger entries), the last to "Jane Newest"
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const created = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `${newId('jane')}@client.example`, name: 'Jane First' } });
    expect(created.status).toBe(201);
    const clientId = created.body.clientId as string;
    for (let i = 1; i <= 205; i += 1) {
      const name = i === 205 ? 'Jane Newest' : `Jane Correction ${i}`;
      expect((await api('PATCH', `/practices/${practiceId}/clients/${clientId}`, { practiceId, body: { name } })).status).toBe(200);
    }
    let total = 0;
    let pages = 0;
    let cursor: string | null = null;
    do {
      const answer = await api('GET', `/practices/${practiceId}/clients/${clientId}/ledger${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, { practiceId });
      total += (answer.body.entries as unknown[]).length;
      cursor = answer.body.nextCursor as string | null;
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    const page = await browser.newPage({ viewport: { width: 820, height: 1180 } });

    // Act
    await signIn(page, practiceId);
    await page.evaluate(`location.hash = '#/clients/${encodeURIComponent(clientId)}'`);
    await page.waitForURL(/#\/clients\/./);
    await ready(page);
    const ledgerRows = page.getByRole('table', { name: 'Ledger' }).locator('tbody tr');
    const more = page.getByRole('button', { name: 'Show more ledger entries' });
    await more.waitFor({ timeout: 15_000 });
    const firstRows = await ledgerRows.count();
    for (let i = 0; i < 5 && (await more.count()) > 0; i += 1) {
      const before = await ledgerRows.count();
      await more.click();
      await expect.poll(() => ledgerRows.count(), { timeout: 15_000 }).toBeGreaterThan(before);
    }
    const rows = await ledgerRows.count();
    await page.close();

    // Assess
    expect(firstRows).toBeLessThan(total);
    expect(rows).toBe(total);
  });
});
