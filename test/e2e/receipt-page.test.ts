import { createServer, type Server } from 'node:http';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiEvent,
  BALANCE_RECEIPT_FIELDS,
  balancePaid,
  callReceiptPage,
  deliverToReceiptIssuer,
  paidIntent,
  practiceWithAdjudicatedClaim,
  receiptEmailsTo,
  receiptLinkIn,
  tokenOf,
} from '../support/receipts';

/** The receipt page function behind a tiny HTTP server on loopback: what API Gateway does for it. */
const servePage = async (): Promise<{ server: Server; url: string }> => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = /^\/r\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!token) {
      res.writeHead(404).end();
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    callReceiptPage(apiEvent('GET /r/{token}', { pathParameters: { token }, ...(Object.keys(query).length ? { query } : {}) }))
      .then((answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        res.end(answer.isBase64Encoded ? Buffer.from(answer.body, 'base64') : answer.body);
      })
      .catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
};

describe('the receipt page in a browser', () => {
  let browser: Browser;
  let site: { server: Server; url: string };

  beforeAll(async () => {
    browser = await launchBrowser();
    site = await servePage();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.server.close(resolve));
  });

  it('shows every field of DOMAIN.md §5 for a balance payment, prints without its links, and serves its PDF', async () => {
    // Prepare
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim();
    await deliverToReceiptIssuer(balancePaid(practiceId, clientId, (await paidIntent(3400)).id));
    const [receiptEmail] = await receiptEmailsTo(email);
    const token = tokenOf(receiptLinkIn(receiptEmail!.body.text ?? ''));
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const screenshot = join(tmpdir(), `kneadpay-receipt-page-${process.pid}.png`);

    // Act
    const response = await page.goto(`${site.url}/r/${token}`);
    const visible = await page.locator('body').innerText();
    await page.screenshot({ path: screenshot, fullPage: true });
    const pdfLink = page.getByRole('link', { name: 'Download PDF' });
    const pdfHref = new URL((await pdfLink.getAttribute('href'))!, page.url()).href;
    const pdf = await page.request.get(pdfHref);
    await page.emulateMedia({ media: 'print' });
    const linkWhenPrinted = await pdfLink.isVisible();

    // Assess
    expect(response?.status()).toBe(200);
    for (const field of BALANCE_RECEIPT_FIELDS) expect(visible, field).toContain(field);
    expect(await page.getByRole('heading', { name: 'Harbor Bodywork' }).isVisible()).toBe(true);
    expect(await page.getByRole('row').filter({ hasText: '97124' }).innerText()).toMatch(/October 2, 2026\s+11\s+97124\s+GP\s+2\s+\$60\.00\s+\$26\.00\s+\$14\.00/);
    expect(await page.getByRole('row').filter({ hasText: '97140' }).innerText()).toMatch(/97140\s+—\s+2\s+\$70\.00\s+\$30\.00\s+\$20\.00/);
    expect(visible).toContain('Statement for insurance or HSA/FSA reimbursement');
    expect(visible).toContain('R-000001');
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    expect(linkWhenPrinted).toBe(false);
    await page.close();
  });

  it('a broken link shows a plain "not found" page that reveals nothing', async () => {
    // Prepare
    const page = await browser.newPage();

    // Act
    const response = await page.goto(`${site.url}/r/eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    const visible = await page.locator('body').innerText();

    // Assess
    expect(response?.status()).toBe(404);
    expect(visible).toContain('Receipt not found');
    expect(visible).not.toContain('Harbor Bodywork');
    await page.close();
  });
});
