/**
 * Balance invoices held as `awaiting_stripe` (never sent to Stripe: nothing of them is on the
 * account) and the release of the account (audit c5, 2026-12-07; bug 88): they neither block a
 * release nor are named as left open on a disconnected account (its `leftOpen` tells staff to
 * collect those in the Stripe Dashboard, where a held invoice is not). Connecting again is the way
 * out for a disconnected account: the held invoice goes out on the new account once it can charge.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { api } from '../support/api';
import { emulatorAdmin, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { eventually } from '../support/eventually';
import { adjudicated, claimReady, emailsTo, store, stripeInvoicesFor } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const claimInvoice = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body.invoice;

describe('held balance invoices and the release of the account', () => {
  it('a disconnected account is released without naming the held invoice; the practice connects a new account and, once it can charge, the invoice goes out there once', async () => {
    // Prepare: a balance held on an account its owner disconnected.
    const accountId = newAccount();
    const { practiceId, clientId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    expect(await claimInvoice(practiceId)).toMatchObject({ status: 'awaiting_stripe' });

    // Act: release, connect again (held while onboarding), complete onboarding.
    const released = await api('DELETE', `/practices/${practiceId}/stripe`, { practiceId });
    const fresh = await onboardThroughStripe(practiceId, { complete: false });
    const whileOnboarding = await claimInvoice(practiceId);
    expect((await fetch(`${fresh.url}/complete`, { method: 'POST', headers: { accept: 'application/json' } })).status).toBe(200);
    await eventually('the held invoice sent', async () => ((await claimInvoice(practiceId))?.status === 'open' ? true : undefined), 20_000, 100);

    // Assess
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({ accountId, released: true, leftOpen: [] });
    expect(whileOnboarding).toMatchObject({ status: 'awaiting_stripe' });
    expect(await stripeInvoicesFor(practiceId, clientId, fresh.accountId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    expect(await stripeInvoicesFor(practiceId, clientId)).toEqual([]);
    await eventually('one email', async () => ((await emailsTo(email)).length === 1 ? true : undefined), 10_000, 100);
  });

  it('a restricted account with a held invoice (nothing open on Stripe) can be released', async () => {
    // Prepare
    const accountId = newAccount();
    const { practiceId } = await claimReady({ practice: { stripeAccountId: accountId } });
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    await waitForStripeStatus(practiceId, (s) => s.status === 'restricted');
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);

    // Act
    const released = await api('DELETE', `/practices/${practiceId}/stripe`, { practiceId });

    // Assess
    expect(await claimInvoice(practiceId)).toMatchObject({ status: 'awaiting_stripe' });
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({ accountId, released: true });
  });
});
