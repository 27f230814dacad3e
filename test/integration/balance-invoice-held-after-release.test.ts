/**
 * A balance held as `awaiting_stripe` after the practice released its Stripe account (audit d3,
 * 2026-12-07; docs/decisions/006: the practice, on its own account, is the merchant of its balances —
 * direct charges, Stripe's fees, refunds and disputes the practice's). A release leaves the practice
 * with no connected account, where a never-onboarded practice sells on the platform's. The held
 * invoice must not go out there — its payment would land in the platform's Stripe balance, not the
 * practice's — neither on a re-plan of its claim nor on the hourly sweep; it waits for the practice's
 * next connected account (or the desk). Over the local stack, the Stripe emulator and DynamoDB Local.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, sweepPracticeHeldInvoices } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { api } from '../support/api';
import { emulatorAdmin, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { eventually } from '../support/eventually';
import { adjudicated, claimReady, emailsTo, store, stripeInvoicesFor } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const claimInvoice = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body.invoice;

describe('a held balance invoice after the practice released its Stripe account', () => {
  it('neither a re-plan of the claim nor the sweep sends it on the platform’s account; the next connected account does, once', async () => {
    // Prepare: held on a restricted account, then the account released.
    const accountId = newAccount();
    const { practiceId, clientId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    await waitForStripeStatus(practiceId, (s) => s.status === 'restricted');
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const released = await api('DELETE', `/practices/${practiceId}/stripe`, { practiceId });
    expect(released.status, released.text).toBe(200);

    // Act: the claim's adjudication delivered again (a re-plan drives every invoice of the claim), the sweep.
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    await sweepPracticeHeldInvoices(deps, practiceId);
    const afterRelease = { platform: await stripeInvoicesFor(practiceId, clientId), claim: await claimInvoice(practiceId), emails: (await emailsTo(email)).length };
    const fresh = await onboardThroughStripe(practiceId);
    await eventually('the held invoice sent', async () => ((await claimInvoice(practiceId))?.status === 'open' ? true : undefined), 20_000, 100);

    // Assess
    expect(afterRelease).toEqual({ platform: [], claim: expect.objectContaining({ status: 'awaiting_stripe', hostedInvoiceUrl: null }), emails: 0 });
    expect(await stripeInvoicesFor(practiceId, clientId, fresh.accountId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    expect(await stripeInvoicesFor(practiceId, clientId)).toEqual([]);
    await eventually('one email', async () => ((await emailsTo(email)).length === 1 ? true : undefined), 10_000, 100);
  });
});
