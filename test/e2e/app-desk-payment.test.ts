/**
 * The front desk records a balance below Stripe's minimum charge as paid at the desk, in the web app
 * (Invoices), and the client gets the receipt (docs/api.md, `POST …/invoices/{invoiceId}/desk-payments`);
 * and balances held while the practice's Stripe account cannot charge, before and after Stripe made their draft.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { api } from '../support/api';
import { launchBrowser } from '../support/browser';
import { eventually } from '../support/eventually';
import { adjudicated, claimReady, store, stripeInvoicesFor } from '../support/invoicing';
import { emulatorAdmin, waitForStripeStatus } from '../support/connect';
import { newAccount } from '../support/reliability';
import { go, ready, signIn } from '../support/app-page';

describe('the staff web app: a below_minimum balance paid at the desk', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('Invoices shows the 30-cent balance held off Stripe with "Record paid at the desk"; recorded, it reads paid and a receipt follows', async () => {
    // Prepare: the worked example's $34.00 share, $33.70 collected at the visit → 30 cents held.
    const { practiceId, clientId } = await claimReady({ collectedCents: 3370 });
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // Act
    await signIn(page, practiceId);
    await go(page, 'Invoices');
    const rows = page.getByRole('table', { name: 'Invoices' });
    await rows.getByText('below minimum').waitFor();
    await page.getByLabel('Paid at the desk, claim CLM-1001').selectOption('card_terminal');
    await page.getByRole('button', { name: 'Record paid at the desk' }).click();
    const said = await page.getByRole('status').filter({ hasText: 'paid at the desk' }).innerText();
    await rows.getByText('paid', { exact: true }).waitFor();
    const buttonsLeft = await page.getByRole('button', { name: 'Record paid at the desk' }).count();
    // Focus is not dropped on the page's body when the list is drawn again: it is back on the invoice's row.
    await expect.poll(() => page.evaluate<string>('`${document.activeElement?.tagName} ${document.activeElement?.textContent}`')).toBe('A CLM-1001');
    // The claim's page: its invoice paid, nothing due (it read "paid $0.30 due.").
    await rows.getByRole('link', { name: 'CLM-1001', exact: true }).click();
    await ready(page);
    const claimInvoice = await page.getByRole('region', { name: 'Invoice' }).innerText();
    await page.close();

    // Assess
    expect(said).toBe('Claim CLM-1001: $0.30 recorded as paid at the desk; the receipt is on its way.');
    expect(buttonsLeft).toBe(0);
    expect(claimInvoice).toContain('$0.30 paid; nothing due.');
    expect(claimInvoice).not.toContain('$0.30 due');
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ status: 'paid', amountPaidCents: 30 })]);
    // The bus's receipt issuer issues the balance receipt for the desk payment.
    const receipts = await eventually(
      'the desk payment receipt',
      async () => {
        const answer = await api('GET', `/practices/${practiceId}/receipts?clientId=${clientId}`, { practiceId });
        return answer.body.items.length > 0 ? answer.body.items : undefined;
      },
      20_000,
      200,
    );
    expect(receipts).toEqual([expect.objectContaining({ kind: 'balance', totalCents: 30 })]);
  });

  it("a balance held while the practice's Stripe account cannot charge (awaiting Stripe) can be recorded paid at the desk too", async () => {
    // Prepare: the practice's connected account has its charges turned off; the $34.00 share waits off Stripe.
    const accountId = newAccount();
    const { practiceId } = await claimReady({ practice: { stripeAccountId: accountId } });
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    await waitForStripeStatus(practiceId, (status) => status.status === 'restricted');
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // Act
    await signIn(page, practiceId);
    // Today counts it: not open on Stripe, so not under "Balances open", but held (it was nowhere on Today).
    const heldOnToday = (await page.getByRole('group', { name: 'Balances held' }).innerText({ timeout: 5_000 })).replace(/\s+/g, ' ');
    const openOnToday = (await page.getByRole('group', { name: 'Balances open' }).innerText()).replace(/\s+/g, ' ');
    await go(page, 'Invoices');
    const rows = page.getByRole('table', { name: 'Invoices' });
    await rows.getByText('awaiting stripe').waitFor();
    await page.getByLabel('Paid at the desk, claim CLM-1001').selectOption('cash');
    await page.getByRole('button', { name: 'Record paid at the desk' }).click();
    const said = await page.getByRole('status').filter({ hasText: 'paid at the desk' }).innerText();
    await rows.getByText('paid', { exact: true }).waitFor();
    await page.close();

    // Assess
    expect(heldOnToday).toBe('Balances held $34.00 1 awaiting Stripe: see Invoices');
    expect(openOnToday).toBe('Balances open $0.00 0 open invoices');
    expect(said).toBe('Claim CLM-1001: $34.00 recorded as paid at the desk; the receipt is on its way.');
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ status: 'paid', amountPaidCents: 3400 })]);
  });

  it('a balance held on its Stripe draft (charges turned off before the finalize, bug 101) reads awaiting Stripe and is recorded paid at the desk; its draft is deleted', async () => {
    // Prepare: charges turn off once Stripe made the draft and its line; the saga holds it before the finalize.
    const accountId = newAccount();
    const { practiceId, clientId } = await claimReady({ practice: { stripeAccountId: accountId } });
    const after = async (step: string) => {
      if (step !== 'line') return;
      await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
      await waitForStripeStatus(practiceId, (status) => status.status === 'restricted');
    };
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000', after }, adjudicated(practiceId).original);
    const drafts = await stripeInvoicesFor(practiceId, clientId, accountId);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // Act
    await signIn(page, practiceId);
    await go(page, 'Invoices');
    const rows = page.getByRole('table', { name: 'Invoices' });
    await rows.getByText('awaiting stripe').waitFor();
    await page.getByLabel('Paid at the desk, claim CLM-1001').selectOption('check');
    await page.getByRole('button', { name: 'Record paid at the desk' }).click();
    const said = await page.getByRole('status').filter({ hasText: 'paid at the desk' }).innerText();
    await rows.getByText('paid', { exact: true }).waitFor();
    await page.close();

    // Assess
    expect(drafts).toEqual([expect.objectContaining({ status: 'draft' })]);
    expect(said).toBe('Claim CLM-1001: $34.00 recorded as paid at the desk; the receipt is on its way.');
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
  });
});
