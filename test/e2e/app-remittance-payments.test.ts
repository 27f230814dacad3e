import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { launchBrowser } from '../support/browser';
import { newPracticeId } from '../support/store';
import { go, ready, signIn } from '../support/app-page';
import { ack277 } from '../fixtures/claims/acks';
import { manyPaymentsEra } from '../fixtures/era/many-payments';

/**
 * The staff web app (docs/app.md) shows what the API says about one ERA file and a rejected claim
 * (audit c4): every payment of a file (trace number, payer, BPR02, claims, Σ CLP04, Σ PLB and each
 * PLB adjustment with its meaning, the balancing problem in plain sight), `paymentsOmitted`, and
 * the reason a 277CA gave for rejecting a whole batch. Real stack, real browser; what is asserted
 * is the text a person sees.
 */
const PLB_FILE = readFileSync(new URL('../fixtures/era/plb.835', import.meta.url), 'utf8').trim();
const TABLET = { width: 820, height: 1180 };

/** plb.835 (EFT300: BPR02 $86 = Σ CLP04 $96 − Σ PLB $10) and a second interchange, EFT301, whose BPR02 ($80) does not balance. */
const twoPayments = () => {
  const second = PLB_FILE.replaceAll('000000005', '000000006')
    .replace('*5*X*', '*6*X*')
    .replace('GE*1*5~', 'GE*1*6~')
    .replace('TRN*1*EFT300', 'TRN*1*EFT301')
    .replace('BPR*I*86*', 'BPR*I*80*')
    .replaceAll('CLM-300', 'CLM-400');
  return `${PLB_FILE}\n${second}`;
};

describe('the staff web app: an ERA file’s payments and a rejected claim’s reason', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('an uploaded ERA shows each payment: trace, payer, BPR02, claims paid, each PLB with its meaning, and the payment that does not balance', async () => {
    // Prepare
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    page = await browser.newPage({ viewport: TABLET });
    await signIn(page, practiceId);
    await go(page, 'Remittances');

    // Act: upload through the form, then open the file from the list
    await page.getByLabel('835 file').setInputFiles({ name: 'two.835', mimeType: 'text/plain', buffer: Buffer.from(twoPayments()) });
    await page.getByRole('button', { name: 'Upload' }).click();
    const uploaded = page.getByRole('region', { name: 'Remittance EFT300' });
    await uploaded.getByRole('group', { name: 'Payment EFT301' }).waitFor({ timeout: 15_000 });
    const first = await uploaded.getByRole('group', { name: 'Payment EFT300' }).innerText();
    const second = await uploaded.getByRole('group', { name: 'Payment EFT301' }).innerText();
    const secondProblem = uploaded.getByRole('group', { name: 'Payment EFT301' }).locator('.field-error');
    const problemVisible = await secondProblem.isVisible();
    const problemText = await secondProblem.innerText();
    const adjustments = await uploaded.getByRole('list', { name: 'Provider adjustments, EFT300' }).locator('li').allInnerTexts();
    const fits = await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
    await page.getByRole('table', { name: 'ERA files received' }).getByRole('link', { name: 'EFT300' }).click();
    await page.waitForURL(/#\/remittances\/rem/);
    await ready(page);
    const heading = await page.getByRole('heading', { level: 1 }).innerText();
    const detail = await page.getByRole('group', { name: 'Payment EFT301' }).innerText();
    const quarantined = await page.getByRole('list', { name: 'Quarantined claims' }).locator('li').count();
    await page.close();

    // Assess
    expect(first).toContain('EFT300');
    expect(first).toContain('ACME HEALTH');
    expect(first).toMatch(/Payment \(BPR02\)\s+\$86\.00/);
    expect(first).toMatch(/Claims\s+2/);
    expect(first).toMatch(/Claims paid \(Σ CLP04\)\s+\$96\.00/);
    expect(first).toMatch(/Provider adjustments \(Σ PLB\)\s+\$10\.00/);
    expect(first).toContain('Balances: $96.00 − $10.00 = $86.00');
    expect(adjustments).toEqual(['WO overpayment recovery (CLM-0999): $12.50 withheld', 'L6 interest (CLM-3001): $2.50 added']);
    expect(second).toMatch(/Payment \(BPR02\)\s+\$80\.00/);
    expect(problemVisible).toBe(true);
    expect(problemText).toBe('Does not balance: the payment is $80.00, but claims paid $96.00 − provider adjustments $10.00 = $86.00. Its claims are quarantined.');
    expect(fits).toBe(true);
    expect(heading).toBe('ERA EFT300');
    expect(detail).toContain('Does not balance: the payment is $80.00');
    expect(quarantined).toBe(4);
  });

  it('a file with more payments than the API keeps says how many are not listed', async () => {
    // Prepare
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const posted = await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: manyPaymentsEra(130), headers: { 'content-type': 'application/edi-x12' } });
    expect(posted.status).toBe(202);
    const stored = await api('GET', `/practices/${practiceId}/remittances/${posted.body.remittanceId}`, { practiceId });
    const omitted = stored.body.paymentsOmitted as number;
    expect(omitted).toBeGreaterThan(0);
    page = await browser.newPage({ viewport: TABLET });

    // Act
    await signIn(page, practiceId);
    // Today counts the file's quarantined claims from the list's summaries (which carry no payments).
    const today = await page.getByRole('group', { name: 'Quarantined ERA claims' }).locator('.card-value').innerText();
    // The hash only (a reload would sign out): the router draws the file's page.
    await page.evaluate(`location.hash = '#/remittances/${encodeURIComponent(posted.body.remittanceId)}'`);
    await page.getByRole('heading', { level: 1, name: /^ERA EFT9/ }).waitFor({ timeout: 15_000 });
    await ready(page);
    const listed = await page.getByRole('group', { name: /^Payment EFT9/ }).count();
    const note = await page.getByText(/more payments? of this file (is|are) not listed/).innerText();
    const meanings = await page.getByRole('list', { name: 'Provider adjustments, EFT90000' }).locator('li').allInnerTexts();
    await page.close();

    // Assess
    expect(today).toBe('130');
    expect(listed).toBe(130 - omitted);
    expect(note).toBe(
      `${omitted} more payment${omitted === 1 ? '' : 's'} of this file ${omitted === 1 ? 'is' : 'are'} not listed (the record keeps the first ${130 - omitted}); their claims were applied or quarantined all the same.`,
    );
    expect(meanings.slice(0, 6)).toEqual([
      'CS adjustment (ADJ-0-0-A): $1.00 withheld',
      'CS adjustment (ADJ-0-0-B): $1.00 added',
      'WO overpayment recovery (ADJ-0-0-C): $2.00 withheld',
      'WO overpayment recovery (ADJ-0-0-D): $2.00 added',
      'FB forwarding balance (ADJ-0-0-E): $3.00 withheld',
      'FB forwarding balance (ADJ-0-0-F): $3.00 added',
    ]);
  });

  it('a claim rejected with its whole batch by a 277CA (2200B) shows the reason on the Claims page and on the claim', async () => {
    // Prepare: a practice ready to bill, two claims in one 837P batch, the 277CA rejects the batch
    const practiceId = newPracticeId();
    const address = { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' };
    const put = await api('PUT', `/practices/${practiceId}`, {
      practiceId,
      body: practiceProfile({ taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' } }),
    });
    expect(put.status).toBe(200);
    expect((await api('PUT', `/practices/${practiceId}/payers/ACME1`, { practiceId, body: { name: 'Acme Health', payerId: 'ACME1' } })).status).toBe(200);
    const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'jane@client.example', name: 'Jane Doe' } });
    const coverage = await api('PUT', `/practices/${practiceId}/clients/${client.body.clientId}/coverage`, {
      practiceId,
      body: { payerId: 'ACME1', memberId: 'XYZ123456789', relationship: 'self', patient: { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address } },
    });
    expect(coverage.status).toBe(200);
    for (const claimId of ['CLM-1001', 'CLM-1002']) {
      const claim = await api('POST', `/practices/${practiceId}/claims`, {
        practiceId,
        body: {
          claimId,
          clientId: client.body.clientId,
          payerId: 'ACME1',
          renderingProvider: { firstName: 'Mia', lastName: 'Therapist', npi: '1245319599' },
          dateOfService: '2026-10-02',
          placeOfService: '11',
          diagnosisCodes: ['M54.2'],
          lines: [{ procedureCode: '97124', minutes: 30, chargeCents: 6000 }],
        },
      });
      expect([claim.status, claim.body.state]).toEqual([201, 'ready']);
    }
    const batch = await api('POST', `/practices/${practiceId}/claim-batches`, { practiceId, body: {} });
    expect(batch.body.claims).toEqual(['CLM-1001', 'CLM-1002']);
    const ack = await api('POST', `/practices/${practiceId}/acknowledgements`, {
      practiceId,
      raw: ack277([], { batch: batch.body.batchId, receiver: { category: 'A3', status: '24', entity: '41' } }),
      headers: { 'content-type': 'application/edi-x12' },
    });
    const reason = 'the whole 837P (2200B): A3:24:41 returned as unprocessable';
    expect(ack.body.rejected).toEqual([
      { claimId: 'CLM-1001', reason },
      { claimId: 'CLM-1002', reason },
    ]);
    page = await browser.newPage({ viewport: TABLET });

    // Act
    await signIn(page, practiceId);
    await go(page, 'Claims');
    const rows = await page.getByRole('table', { name: 'Claims rejected by the clearinghouse or payer' }).locator('tbody tr').allInnerTexts();
    const listFits = await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
    await page.getByRole('link', { name: 'CLM-1002', exact: true }).click();
    await page.waitForURL(/#\/claims\/CLM-1002$/);
    await ready(page);
    const rejection = await page.getByRole('region', { name: 'Acknowledgement' }).innerText();
    const claimFits = await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
    await page.close();

    // Assess
    expect(rows).toHaveLength(2);
    for (const [i, claimId] of ['CLM-1001', 'CLM-1002'].entries()) {
      expect(rows[i]).toContain(claimId);
      expect(rows[i]).toContain('277CA');
      expect(rows[i]).toContain(reason);
    }
    expect(rejection).toContain('Rejected by the 277CA');
    expect(rejection).toContain(reason);
    expect([listFits, claimFits]).toEqual([true, true]);
  });
});
