import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api, practiceProfile, workedExampleClaim, type ApiAnswer } from '../support/api';
import { newPracticeId } from '../support/store';
import { eventually } from '../support/eventually';

/**
 * The main job end to end (SPEC §2 `kneadpay demo`, done the way people do it): the client buys a
 * package in a real browser; the front desk (API calls with the practice token) redeems a credit,
 * registers a claim and imports the payer's ERA; the non-covered balance is invoiced; the client
 * pays it on the hosted invoice page in the browser; the front desk sees it paid and the client owes
 * nothing. The steps are separate tests so a failure names the step; they share one practice and
 * run in order (vitest runs a file's tests sequentially).
 *
 * Screenshots go to a temp dir that is removed afterwards; set KNEADPAY_E2E_SCREENSHOTS=<dir> to keep
 * them for a look.
 */
const PACKAGE = { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365 };
const WORKED_EXAMPLE = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8');

const keepShots = process.env.KNEADPAY_E2E_SCREENSHOTS;
const shots = keepShots ?? mkdtempSync(join(tmpdir(), 'kneadpay-journey-'));

const shoot = async (page: Page, name: string): Promise<number> => {
  const path = join(shots, `journey-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return statSync(path).size;
};

/** The API gateway's own 404 (no such route), as opposed to a handler's 404 for a missing record. */
const isRouteNotFound = (answer: ApiAnswer) => answer.status === 404 && (answer.body?.message === 'Not Found' || /^no route for /.test(answer.body?.error?.message ?? ''));

describe('the main journey: a client in a browser, the front desk through the API', () => {
  let browser: Browser;
  let page: Page;
  const practiceId = newPracticeId();
  const client = { name: 'Jane Doe', email: `${newId('jane')}@client.example`, id: '' };
  // A fresh claim id (and trace number) per run, in the worked example's ERA (DOMAIN.md: $130 billed, $56 paid, $34 patient's share).
  const claimId = `CLM-${randomBytes(4).toString('hex').toUpperCase()}`;
  const era = WORKED_EXAMPLE.replaceAll('CLM-1001', claimId).replace('TRN*1*EFT123*', `TRN*1*EFT${randomBytes(3).toString('hex').toUpperCase()}*`);
  let invoice: { invoiceId: string; hostedInvoiceUrl: string; amountDueCents: number } | undefined;
  const asDesk = { practiceId };

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const practice = await api('PUT', `/practices/${practiceId}`, { ...asDesk, body: practiceProfile() });
    if (practice.status !== 200) throw new Error(`practice not saved: ${practice.text}`);
  });

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    if (!keepShots) rmSync(shots, { recursive: true, force: true });
  });

  it('1. the client buys a package on the storefront and the hosted Checkout; the success page shows 5 of 5 sessions', async () => {
    // Prepare
    const pkg = await api('POST', `/practices/${practiceId}/packages`, { ...asDesk, body: PACKAGE });

    // Act
    await page.goto(`${inject('apiUrl')}/p/${practiceId}`);
    await page.getByLabel('Your name').fill(client.name);
    await page.getByLabel('Email for your receipt').fill(client.email);
    await Promise.all([page.waitForURL(`${inject('stripeUrl')}/checkout/**`), page.getByRole('button', { name: `Buy ${PACKAGE.name}` }).click()]);
    const checkoutEmail = page.getByLabel('Email');
    if ((await checkoutEmail.inputValue()) === '') await checkoutEmail.fill(client.email);
    await page.getByLabel('Visa ending in 4242 — succeeds').check();
    await Promise.all([page.waitForURL(`${inject('apiUrl')}/p/${practiceId}/success?**`), page.getByRole('button', { name: 'Pay $425.00' }).click()]);
    await page.locator('[role=status][data-status=active]').waitFor({ timeout: 15_000 });
    const success = await page.getByRole('status').innerText();
    const found = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(client.email)}`, asDesk);
    client.id = found.body.items?.[0]?.clientId ?? '';
    const purchases = await api('GET', `/practices/${practiceId}/clients/${client.id}/purchases`, asDesk);

    // Assess
    expect(pkg.status).toBe(201);
    expect(success).toContain('5 of 5 sessions');
    expect(client.id).not.toBe('');
    expect(purchases.body.items).toEqual([expect.objectContaining({ packageId: pkg.body.packageId, status: 'active', sessionsRemaining: 5 })]);
  });

  it('2. the front desk redeems a credit, registers the claim and imports the ERA; the balance is invoiced on a hosted page', async () => {
    // Prepare
    expect(client.id, 'step 1 did not find the client').not.toBe('');

    // Act
    const redemption = await api('POST', `/practices/${practiceId}/clients/${client.id}/redemptions`, { ...asDesk, body: { appointmentId: `appt-${claimId}` } });
    const claim = await api('POST', `/practices/${practiceId}/claims`, {
      ...asDesk,
      body: workedExampleClaim(client.id, claimId),
    });
    const remittance = await api('POST', `/practices/${practiceId}/remittances`, { ...asDesk, raw: era, headers: { 'content-type': 'application/edi-x12' } });
    const view = await eventually('the balance invoice on the claim', async () => {
      const answer = await api('GET', `/practices/${practiceId}/claims/${claimId}`, asDesk);
      return answer.body?.invoice?.hostedInvoiceUrl ? answer.body : undefined;
    });
    invoice = view.invoice;

    // Assess
    expect(redemption.status).toBe(201);
    expect(redemption.body).toMatchObject({ sessionsRemaining: 4 });
    expect(claim.status).toBe(201);
    expect(claim.body.lines.map((line: { units: number }) => line.units)).toEqual([2, 2]);
    expect(remittance.status).toBe(202);
    expect(remittance.body).toMatchObject({ claims: 1, matched: 1, quarantined: [] });
    expect(view).toMatchObject({ patientResponsibilityCents: 3400, invoice: { status: 'open', amountDueCents: 3400 } });
    expect(view.invoice.hostedInvoiceUrl.startsWith(`${inject('stripeUrl')}/invoice/`)).toBe(true);
  });

  it('3. the client pays $34.00 on the hosted invoice page; the front desk sees it paid and the client owes nothing', async () => {
    // Prepare
    expect(invoice, 'step 2 did not produce an invoice').toBeDefined();

    // Act
    const opened = await page.goto(invoice!.hostedInvoiceUrl);
    const title = await page.title();
    const amountDue = await page.locator('.total').innerText();
    const remaining = await page.getByTestId('amount-remaining').innerText();
    const lines = await page.getByRole('table').innerText();
    const invoiceShot = await shoot(page, '1-invoice');
    await page.getByLabel('Visa ending in 4242 — succeeds').check();
    await Promise.all([page.waitForURL(invoice!.hostedInvoiceUrl), page.getByRole('button', { name: 'Pay $34.00' }).click()]);
    const confirmation = await page.getByRole('status').innerText();
    const paidStatus = await page.getByTestId('invoice-status').innerText();
    const paidShot = await shoot(page, '2-invoice-paid');
    const paid = await eventually('the invoice in the paid list', async () => {
      const list = await api('GET', `/practices/${practiceId}/invoices?status=paid`, asDesk);
      return list.body.items?.find((item: { invoiceId: string }) => item.invoiceId === invoice!.invoiceId);
    });
    const ledger = await eventually('a settled ledger', async () => {
      const answer = await api('GET', `/practices/${practiceId}/clients/${client.id}/ledger`, asDesk);
      return answer.body.balanceCents === 0 ? answer.body : undefined;
    }).catch(async () => (await api('GET', `/practices/${practiceId}/clients/${client.id}/ledger`, asDesk)).body);

    // Assess
    expect(opened?.status()).toBe(200);
    expect(title).toMatch(/^Pay \$34\.00 — Invoice /);
    expect(amountDue).toBe('$34.00');
    expect(remaining).toBe('$34.00');
    expect(lines).toContain('$34.00');
    expect(confirmation).toBe('This invoice is paid. Thank you.');
    expect(paidStatus).toBe('paid');
    expect(paid).toMatchObject({ claimId, clientId: client.id, status: 'paid', amountDueCents: 3400, amountPaidCents: 3400 });
    expect(ledger.balanceCents).toBe(0);
    expect(ledger.entries.map((entry: { kind: string }) => entry.kind)).toEqual(
      expect.arrayContaining(['package_sale', 'redemption', 'claim_charge', 'insurer_payment', 'contractual_writeoff', 'payment']),
    );
    for (const size of [invoiceShot, paidShot]) expect(size).toBeGreaterThan(5_000);
  });

  it('4. the receipts (package and balance) open on their public page with the practice name and the amount', async () => {
    // Prepare
    expect(client.id, 'step 1 did not find the client').not.toBe('');
    const probe = await api('GET', `/practices/${practiceId}/receipts?clientId=${client.id}`, asDesk);
    expect(isRouteNotFound(probe), 'GET /practices/{p}/receipts must be routed').toBe(false);

    // Act
    const receipts = await eventually('both receipts', async () => {
      const answer = await api('GET', `/practices/${practiceId}/receipts?clientId=${client.id}`, asDesk);
      return answer.status === 200 && answer.body.items?.length >= 2 ? (answer.body.items as { kind: string; totalCents: number; url: string }[]) : undefined;
    });
    const pages: { totalCents: number; status: number | undefined; text: string }[] = [];
    for (const receipt of receipts) {
      const opened = await page.goto(receipt.url);
      pages.push({ totalCents: receipt.totalCents, status: opened?.status(), text: await page.locator('body').innerText() });
      await shoot(page, `3-receipt-${receipt.kind}`);
    }

    // Assess
    expect(receipts.map((receipt) => receipt.totalCents).sort((a, b) => a - b)).toEqual([3400, 42500]);
    for (const shown of pages) {
      expect(shown.status).toBe(200);
      expect(shown.text).toContain('Harbor Bodywork');
      expect(shown.text).toContain(shown.totalCents === 3400 ? '$34.00' : '$425.00');
    }
  });
});
