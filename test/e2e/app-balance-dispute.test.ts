/**
 * Staff see a balance payment under dispute in the web app's Invoices page (docs/decisions/013):
 * the status badge stays as it is ("paid"); a note beside it says what Stripe says of the dispute,
 * and for a lost one what the client owes again. The disputes are made by the emulator's
 * `POST /_disputes` (SPEC §6) and reach kneadpay as signed webhooks.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { applyAdjudication } from '../../functions/core/remittances';
import { getStripe } from '../../functions/stripe/client';
import { getClaim } from '../../functions/store/claims';
import { getInvoice } from '../../functions/store/invoices';
import { launchBrowser } from '../support/browser';
import { adjudicated, claimReady, emulator, payClaimInvoice, store } from '../support/invoicing';
import { go, ready, signIn } from '../support/app-page';

/** A $34 balance paid on its hosted page, then disputed by the client's bank in `status`. */
const disputedBalance = async (status: string) => {
  const { practiceId } = await claimReady();
  await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
  const invoice = (await payClaimInvoice(practiceId))!;
  const paid = (await getInvoice(store, practiceId, invoice.invoiceId))!;
  const [payment] = (await (await getStripe()).invoicePayments.list({ invoice: paid.stripeInvoiceId!, limit: 1 })).data;
  expect((await emulator('/_disputes', { method: 'POST', body: { payment_intent: payment!.payment.payment_intent, status } })).status).toBe(200);
  await emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 15_000 } });
  return practiceId;
};

describe('the staff web app: a balance payment under dispute', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ['needs_response', 'Disputed: $34.00 (needs response)', '$34.00 paid; nothing due. Disputed: $34.00 (needs response): the money comes back if the practice wins.'],
    [
      'lost',
      'Chargeback lost: $34.00 owed again',
      '$34.00 paid, then taken back by the client’s bank (chargeback lost): the client owes $34.00 again. It is on the client’s ledger; no new invoice was sent for it.',
    ],
  ])('%s: Invoices reads "paid" with "%s" beside it; the claim page says it too (a lost one read "paid; nothing due")', async (status, note, onClaim) => {
    // Prepare
    const practiceId = await disputedBalance(status);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // Act
    await signIn(page, practiceId);
    await go(page, 'Invoices');
    const rows = page.getByRole('table', { name: 'Invoices' });
    await rows.getByText('paid', { exact: true }).waitFor();
    const shown = await rows.getByText(note, { exact: true }).count();
    await rows.getByRole('link', { name: 'CLM-1001', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Claim CLM-1001' }).waitFor();
    await ready(page);
    const invoiceLine = (await page.getByRole('region', { name: 'Invoice', exact: true }).innerText()).replace(/\s+/g, ' ').trim();
    const history = (await page.getByRole('table', { name: 'Every invoice of this claim, newest first' }).locator('tbody tr').allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim());
    await page.close();

    // Assess
    expect(shown).toBe(1);
    expect(invoiceLine).toContain(onClaim);
    expect(invoiceLine.match(/nothing due/g) ?? []).toHaveLength(status === 'lost' ? 0 : 1);
    // The claim's invoice history: the one invoice, current, paid $34.00, with the dispute in words.
    expect(history).toHaveLength(1);
    expect(history[0]).toMatch(new RegExp(`^Current invoice, made .+ paid \\$34\\.00 \\$34\\.00 \\$0\\.00 \\$0\\.00 ${note.replace(/[$().]/g, '\\$&')}$`));
  });

  // The claim page named only the claim's current invoice: the one a new plan replaced was not
  // mentioned (audit k2, docs/app.md). Now every invoice of the claim, newest first, the current marked.
  it('a $34 invoice a payer’s correction replaced by a $24 one: the claim page lists both, newest first, the current one marked, each with what it asked, paid, refunded, wrote off and disputed', async () => {
    // Prepare: $34 invoiced; the payer reverses and corrects to $24: the $34 is voided, $24 invoiced.
    const { practiceId } = await claimReady();
    const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
    const details = adjudicated(practiceId);
    await invoiceClaimBalance(deps, details.original);
    await applyAdjudication(store, (await getClaim(store, practiceId, 'CLM-1001'))!, details.reversal, { remittanceId: null, emit: false }, new Date());
    await invoiceClaimBalance(deps, details.correction);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // Act
    await signIn(page, practiceId);
    await page.evaluate(`location.hash = '#/claims/CLM-1001'`);
    await page.getByRole('heading', { level: 1, name: 'Claim CLM-1001' }).waitFor();
    await ready(page);
    const history = page.getByRole('table', { name: 'Every invoice of this claim, newest first' });
    await history.waitFor();
    const header = (await history.locator('thead th').allInnerTexts()).map((text) => text.trim());
    const rows = (await history.locator('tbody tr').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
    await page.close();

    // Assess
    expect(header).toEqual(['Invoice', 'Status', 'Asked', 'Paid', 'Refunded', 'Written off', 'Disputed']);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^Current invoice, made \w+ \d+, \d{4} open: sent to the client, not paid yet \$24\.00 \$0\.00 \$0\.00 \$0\.00 —$/);
    expect(rows[1]).toMatch(/^Made \w+ \d+, \d{4} voided: nothing due on it \$34\.00 \$0\.00 \$0\.00 \$0\.00 —$/);
  });
});
