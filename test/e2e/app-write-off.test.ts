/**
 * Staff write off a patient balance in the web app (Invoices, "Write off" with its reason): the
 * Stripe invoice is voided, the list reads "written off" with the reason, and nothing is left to pay
 * (docs/api.md, `POST …/invoices/{invoiceId}/write-offs`; docs/decisions/014-write-offs.md). With an
 * amount, part of it: the invoice stays open for the rest (a Stripe credit note lowered it).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { api } from '../support/api';
import { launchBrowser } from '../support/browser';
import { eventually } from '../support/eventually';
import { adjudicated, claimReady, store, stripe, stripeInvoicesFor } from '../support/invoicing';
import { go, ready, signIn } from '../support/app-page';

const firstInvoiceId = async (practiceId: string): Promise<string> => (await api('GET', `/practices/${practiceId}/invoices`, { practiceId })).body.items[0].invoiceId;

describe('the staff web app: a balance written off', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('Invoices offers "Write off" with a reason on the open $34.00 invoice; done, it reads written off (hardship), its Stripe invoice is void and no form is left', async () => {
    // Prepare: the worked example's $34.00 share, invoiced on Stripe.
    const { practiceId, clientId } = await claimReady();
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

    // Act
    await signIn(page, practiceId);
    await go(page, 'Invoices');
    const rows = page.getByRole('table', { name: 'Invoices' });
    await rows.getByText('open', { exact: true }).waitFor();
    await page.getByLabel('Write-off reason, claim CLM-1001').selectOption('hardship');
    await page.getByLabel('Write-off note, claim CLM-1001').fill('Agreed at the desk');
    await page.getByRole('button', { name: 'Write off' }).click();
    const said = await page.getByRole('status').filter({ hasText: 'written off' }).innerText();
    await rows.getByText('written off', { exact: true }).waitFor();
    const shown = await rows.getByText('Written off: hardship').count();
    const formsLeft = await page.getByRole('button', { name: 'Write off' }).count();
    // The claim's page says the same: nothing is due on its invoice (it read "written off $34.00 due.").
    await rows.getByRole('link', { name: 'CLM-1001', exact: true }).click();
    await ready(page);
    const claimInvoice = await page.getByRole('region', { name: 'Invoice' }).innerText();
    await page.close();

    // Assess
    expect(said).toBe('Claim CLM-1001: $34.00 written off (hardship); the client can no longer pay it.');
    expect([shown, formsLeft]).toEqual([1, 0]);
    expect(claimInvoice).toContain('$34.00 written off; nothing due.');
    expect(claimInvoice).not.toContain('$34.00 due');
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ status: 'written_off', writeOff: expect.objectContaining({ reason: 'hardship', note: 'Agreed at the desk', amountCents: 3400 }) })]);
    expect((await stripeInvoicesFor(practiceId, clientId)).map((invoice) => invoice.status)).toEqual(['void']);
  });

  it('a refusal shows where it belongs: an invoice paid meanwhile answers 409 and the page says so', async () => {
    // Prepare: the page is drawn while the invoice is open; the client then pays on the hosted page.
    const { practiceId } = await claimReady();
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page, practiceId);
    await go(page, 'Invoices');
    await page.getByRole('button', { name: 'Write off' }).waitFor();
    const [invoice] = (await api('GET', `/practices/${practiceId}/invoices`, { practiceId })).body.items;
    const paid = await fetch(`${invoice.hostedInvoiceUrl}/pay`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'succeeded' }),
    });
    expect(paid.status).toBe(200);

    // Act
    await page.getByRole('button', { name: 'Write off' }).click();
    const alert = await page.getByRole('alert').filter({ hasText: 'paid' }).innerText();
    await page.close();

    // Assess
    // Whichever kneadpay learnt first: Stripe's invoice.paid (recorded paid) or Stripe's own answer at the void.
    expect(alert).toMatch(/this invoice is paid: there is no balance left to write off|the client paid this invoice on Stripe meanwhile/);
  });

  it('with an amount, part of it: "abc" and more than is owed are refused next to the amount; $10.00 of $34.00 leaves the invoice open for $24.00, on Stripe too', async () => {
    // Prepare
    const { practiceId, clientId } = await claimReady();
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page, practiceId);
    await go(page, 'Invoices');
    const rows = page.getByRole('table', { name: 'Invoices' });
    await rows.getByText('open', { exact: true }).waitFor();
    const amount = page.getByLabel('Amount to write off, claim CLM-1001');
    const form = page.getByRole('form', { name: 'Write off the balance of claim CLM-1001' });

    // Act: not an amount (refused on the page), more than is owed (refused by the API), then $10.00
    await page.getByLabel('Write-off reason, claim CLM-1001').selectOption('courtesy');
    await amount.fill('abc');
    await page.getByRole('button', { name: 'Write off' }).click();
    const notAnAmount = await form.locator('[aria-invalid="true"]').getAttribute('id');
    const notAnAmountSaid = await form.getByText('Enter the amount to write off').innerText();
    await amount.fill('40.00');
    await page.getByRole('button', { name: 'Write off' }).click();
    const tooMuchSaid = await form.getByText('what the invoice still asks for').innerText();
    const tooMuch = await form.locator('[aria-invalid="true"]').getAttribute('id');
    // With the keyboard: Enter in the amount. The list is drawn again, and focus is not dropped on
    // the page's body: it goes back to the invoice's row (its claim link), where the front desk was.
    await amount.fill('10');
    await amount.press('Enter');
    const said = await page.getByRole('status').filter({ hasText: 'written off' }).innerText();
    await rows.getByText('($10.00 written off)').waitFor();
    await expect.poll(() => page.evaluate<string>('`${document.activeElement?.tagName} ${document.activeElement?.textContent}`')).toBe('A CLM-1001');
    const due = await rows.getByText(/^\$24\.00 \(\$10\.00 written off\)$/).count();
    const formsLeft = await page.getByRole('button', { name: 'Write off' }).count();
    await page.close();

    // Assess
    expect([notAnAmount, tooMuch]).toEqual(['write-off-amount-' + (await firstInvoiceId(practiceId)), 'write-off-amount-' + (await firstInvoiceId(practiceId))]);
    expect(notAnAmountSaid).toContain('Enter the amount to write off');
    expect(tooMuchSaid).toContain('amountCents must be at most 3400');
    expect(said).toBe('Claim CLM-1001: $10.00 of $34.00 written off (courtesy); the client now owes $24.00.');
    expect([due, formsLeft]).toEqual([1, 1]);
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ status: 'open', amountDueCents: 2400, amountWrittenOffCents: 1000, writeOff: null })]);
    expect((await stripeInvoicesFor(practiceId, clientId)).map((invoice) => [invoice.status, invoice.amount_due])).toEqual([['open', 2400]]);
  });

  it('a partial write-off reversed on Stripe (its credit note voided), then the same amount written off again: a new write-off, not the first one answered again', async () => {
    // Prepare: $10.00 of the $34.00 written off in the app; its credit note then voided in the Stripe
    // Dashboard, so the invoice asks $34.00 again (credit_note.voided, docs/decisions/014).
    const { practiceId, clientId } = await claimReady();
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page, practiceId);
    await go(page, 'Invoices');
    const rows = page.getByRole('table', { name: 'Invoices' });
    const writeOffTen = async () => {
      await page.getByLabel('Write-off reason, claim CLM-1001').selectOption('courtesy');
      await page.getByLabel('Amount to write off, claim CLM-1001').fill('10');
      await page.getByRole('button', { name: 'Write off' }).click();
      return page.getByRole('status').filter({ hasText: 'written off' }).innerText();
    };
    await writeOffTen();
    await rows.getByText('($10.00 written off)').waitFor();
    const [onStripe] = await stripeInvoicesFor(practiceId, clientId);
    const [creditNote] = (await stripe.creditNotes.list({ invoice: onStripe!.id })).data;
    await stripe.creditNotes.voidCreditNote(creditNote!.id);
    await eventually(
      'the write-off reversed',
      async () => ((await api('GET', `/practices/${practiceId}/invoices`, { practiceId })).body.items[0].amountDueCents === 3400 ? true : undefined),
      20_000,
      200,
    );
    await go(page, 'Receipts');
    await go(page, 'Invoices');
    await rows.getByText('open', { exact: true }).waitFor();

    // Act: the same $10.00, the same reason, again
    const said = await writeOffTen();
    await rows.getByText('($10.00 written off)').waitFor();
    await page.close();

    // Assess: a second write-off (it answered the voided one: "$10.00 of $34.00 written off …; the client now owes $34.00")
    expect(said).toBe('Claim CLM-1001: $10.00 of $34.00 written off (courtesy); the client now owes $24.00.');
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ status: 'open', amountDueCents: 2400, amountWrittenOffCents: 1000 })]);
    expect((await stripeInvoicesFor(practiceId, clientId)).map((invoice) => [invoice.status, invoice.amount_due])).toEqual([['open', 2400]]);
  });
});
