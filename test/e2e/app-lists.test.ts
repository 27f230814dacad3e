import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { launchBrowser } from '../support/browser';
import { eventually } from '../support/eventually';
import { paidPurchase } from '../support/purchase-flow';
import { newPracticeId } from '../support/store';
import { ready, signIn } from '../support/app-page';

/**
 * The staff web app (docs/app.md) over lists longer than one page of the API, and Today's
 * "Payments received today" at a day boundary (audit b2).
 * Real stack, real browser; nothing is made up (Playwright only fixes the browser's clock and
 * time zone, which no real part can move).
 */
const WORKED_EXAMPLE = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8');
const cardValue = (page: Page, label: string) => page.getByRole('group', { name: label }).locator('.card-value').innerText();

/** Clicks "Show more" under `rows`' list until it is gone (at most `max` times), each time until the next page is drawn. */
const showAll = async (page: Page, rows: Locator, max = 10) => {
  for (let i = 0; i < max; i += 1) {
    const more = page.getByRole('button', { name: /^Show more/ });
    if ((await more.count()) === 0) return i;
    const before = await rows.count();
    await more.click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(before);
  }
  return max;
};

describe('the staff web app: lists past one page, Today at a day boundary', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('51 ERA files (more than one page of GET …/remittances): Today counts every quarantined claim; Remittances reaches the 51st file', async () => {
    // Prepare: 51 ERA files, each paying one claim kneadpay does not know (quarantined)
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const traces: string[] = [];
    for (let i = 0; i < 51; i += 1) {
      const trace = `EFT${randomBytes(4).toString('hex').toUpperCase()}`;
      const era = WORKED_EXAMPLE.replaceAll('CLM-1001', `CLM-UNKNOWN-${i}`).replace('TRN*1*EFT123*', `TRN*1*${trace}*`);
      const posted = await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: era, headers: { 'content-type': 'application/edi-x12' } });
      expect(posted.status).toBe(202);
      expect(posted.body.quarantined).toHaveLength(1);
      traces.push(trace);
    }
    const firstPage = await api('GET', `/practices/${practiceId}/remittances`, { practiceId });
    expect(firstPage.body.items.length).toBeLessThan(51);
    expect(firstPage.body.nextCursor).toBeTruthy();
    const page = await browser.newPage({ viewport: { width: 820, height: 1180 } });

    // Act
    await signIn(page, practiceId);
    const quarantined = await cardValue(page, 'Quarantined ERA claims');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Remittances', exact: true }).click();
    // The click's hashchange comes after it: wait for the new page, then for its first page of files.
    await page.waitForURL(/#\/remittances$/);
    await ready(page);
    const rows = page.getByRole('table', { name: 'ERA files received' }).locator('tbody tr');
    await page.getByRole('button', { name: /^Show more/ }).waitFor({ timeout: 15_000 });
    const clicks = await showAll(page, rows);
    const received = await rows.allInnerTexts();
    await page.close();

    // Assess
    expect(quarantined).toBe('51');
    expect(clicks).toBeGreaterThanOrEqual(1);
    expect(received).toHaveLength(51);
    for (const trace of traces) expect(received.join('\n')).toContain(trace);
  });

  it('Today: "Payments received today" counts the payments of the local day, as "Credits used" does, not of the UTC day', async () => {
    // Prepare: a package paid on the storefront (its receipt issued now, at time R)
    const { practiceId } = await paidPurchase();
    const receipt = await eventually('the purchase receipt', async () => {
      const items = (await api('GET', `/practices/${practiceId}/receipts`, { practiceId })).body.items as { issuedAt: string; totalCents: number }[];
      return items[0];
    });
    expect(receipt.totalCents).toBe(42500);
    const issued = new Date(receipt.issuedAt);
    const hourUtc = issued.getUTCHours() + issued.getUTCMinutes() / 60;
    // A browser clock and zone where the local day and the UTC day disagree about R:
    // - R at 01:00 UTC or later: UTC−1, the clock at the next UTC midnight + 30 min — R is on the
    //   same local day (local midnight came at 01:00 UTC, before R) but on the UTC day before;
    // - R before 01:00 UTC: UTC−12, the clock at R + 23 h — the same UTC day, the next local day.
    const nextUtcMidnight = Date.UTC(issued.getUTCFullYear(), issued.getUTCMonth(), issued.getUTCDate() + 1);
    const scene =
      hourUtc >= 1 ? { timezoneId: 'Etc/GMT+1', now: nextUtcMidnight + 30 * 60_000, paidToday: true } : { timezoneId: 'Etc/GMT+12', now: issued.getTime() + 23 * 3600_000, paidToday: false };
    const context = await browser.newContext({ viewport: { width: 820, height: 1180 }, timezoneId: scene.timezoneId });
    const page = await context.newPage();
    await page.clock.setFixedTime(new Date(scene.now));

    // Act
    await signIn(page, practiceId);
    const paid = await cardValue(page, 'Payments received today');
    await context.close();

    // Assess
    expect(paid).toBe(scene.paidToday ? '$425.00' : '$0.00');
  });
});
