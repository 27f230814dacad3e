/**
 * The claim view shows a patient balance waiting for the secondary payer, and "Bill the patient now"
 * ends the wait (docs/app.md, `POST …/claims/{c}/bill-patient`; docs/decisions/015-balance-holds.md):
 * the invoice of the primary's PR is made, and the view says the wait was ended by staff.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { api } from '../support/api';
import { launchBrowser } from '../support/browser';
import { eventually } from '../support/eventually';
import { adjudicated, claimReady, deniedBySecondaryWithoutPr, store, stripeInvoicesFor } from '../support/invoicing';
import { ready, signIn } from '../support/app-page';

const patient = { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address: { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' } };

describe('the staff web app: a balance waiting for the secondary payer', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the claim view says what the balance waits for; "Bill the patient now" bills it and the view says staff ended the wait', async () => {
    // Prepare: the worked example for a client with a secondary plan, processed by the primary (CLP02 1): held.
    const { practiceId, clientId } = await claimReady();
    for (const payerId of ['ACME1', 'BEACON2']) await api('PUT', `/practices/${practiceId}/payers/${payerId}`, { practiceId, body: { name: `Payer ${payerId}`, payerId } });
    const coverage = { payerId: 'ACME1', memberId: 'XYZ123456789', relationship: 'self', patient, secondary: { payerId: 'BEACON2', memberId: 'BCN-555', relationship: 'self' } };
    expect((await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId, body: coverage })).status).toBe(200);
    const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

    // Act
    await signIn(page, practiceId);
    await page.evaluate(`location.hash = '#/claims/CLM-1001'`);
    await ready(page);
    const hold = await page.getByTestId('balance-hold').innerText();
    await page.getByRole('button', { name: 'Bill the patient now' }).click();
    const release = await page.getByTestId('balance-release').innerText();
    const buttonsLeft = await page.getByRole('button', { name: 'Bill the patient now' }).count();
    const open = await eventually(
      'the released balance invoiced on Stripe',
      async () => {
        const invoices = (await stripeInvoicesFor(practiceId, clientId)).filter((invoice) => invoice.status === 'open');
        return invoices.length > 0 ? invoices.map((invoice) => invoice.amount_due) : undefined;
      },
      30_000,
    );
    // The secondary then denies it with nothing for the patient (CLP02 4, CO-16, CLP05 0): held again, for staff.
    const denial = deniedBySecondaryWithoutPr(practiceId);
    // Delivered as the bus would: again while the released invoice's email is being sent (RetryableError).
    await eventually('the denial delivered', () =>
      invoiceClaimBalance(deps, denial).then(
        () => true,
        (error: Error) => {
          if (error.name === 'RetryableError') return undefined;
          throw error;
        },
      ),
    );
    // The view read again (the token lives in the page: away and back, no reload).
    await page.evaluate(`location.hash = '#/claims'`);
    await ready(page);
    await page.evaluate(`location.hash = '#/claims/CLM-1001'`);
    await ready(page);
    const denied = await page.getByTestId('balance-hold').innerText();
    const buttonsAgain = await page.getByRole('button', { name: 'Bill the patient now' }).count();
    await page.close();

    // Assess
    expect(hold).toContain('waiting for the secondary payer');
    expect(release).toContain('billed now by staff');
    expect(buttonsLeft).toBe(0);
    expect(denied).toContain('The secondary payer denied the claim with nothing for the patient: fix and resubmit, or bill the patient the primary’s share');
    expect(buttonsAgain).toBe(1);
    expect(open).toEqual([3400]);
    // The $34 is left as it is while the denial waits for staff.
    expect((await stripeInvoicesFor(practiceId, clientId)).filter((invoice) => invoice.status === 'open').map((invoice) => invoice.amount_due)).toEqual([3400]);
  });
});
