/**
 * A balance invoice while the practice's connected Stripe account cannot take charges (audit c5,
 * 2026-12-07; bug 88), over the local stack, the Stripe emulator (real `stripe` SDK, signed
 * `account.updated` webhooks) and DynamoDB Local.
 *
 * Stripe's facts (docs.stripe.com/api/accounts/object): `charges_enabled` — whether the account can
 * process charges; `requirements.disabled_reason` — why the account cannot create charges or receive
 * payouts; a new Standard account has `charges_enabled: false` until onboarding is done. A hosted
 * invoice on such an account would be emailed to a client who cannot pay it. Stripe's reference
 * read for this audit does not say that finalizing or sending a `send_invoice` invoice is refused
 * there, so kneadpay relies on no refusal: it holds the balance before any Stripe call, as checkout
 * does (409 `payments_not_enabled`).
 */
import { describe, expect, it } from 'vitest';
import { resumeInvoicesAwaitingStripe, invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { handler as balanceInvoicer } from '../../functions/balance-invoicer';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { api } from '../support/api';
import { emulatorAdmin, enableChargesQuietly, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { eventually } from '../support/eventually';
import { adjudicated, claimReady, emailsTo, emulator, store, stripeInvoicesFor } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

/** Requests the shared emulator logged since `since` on this account or naming this practice. */
const stripeRequestsOf = async (since: string, practiceId: string, account?: string) =>
  ((await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as { headers: Record<string, string | null> }[]).filter(
    (request) => (account && request.headers['stripe-account'] === account) || JSON.stringify(request).includes(practiceId),
  );

const claimInvoice = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body.invoice;
const listed = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/invoices`, { practiceId })).body.items;

/** A practice on a connected account whose charges Stripe then turned off (recorded through `account.updated`). */
const restrictedPractice = async () => {
  const accountId = newAccount();
  const ready = await claimReady({ practice: { stripeAccountId: accountId } });
  await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
  await waitForStripeStatus(ready.practiceId, (s) => s.status === 'restricted');
  return { ...ready, accountId };
};

describe('a balance invoice while the practice’s Stripe account cannot take charges', () => {
  it('charges turned off: the balance waits as awaiting_stripe (no Stripe call, no email, once under redelivery); charges back on (account.updated) → sent once on the account', async () => {
    // Prepare
    const { practiceId, clientId, email, accountId } = await restrictedPractice();
    const since = new Date().toISOString();

    // Act: the ClaimAdjudicated delivered twice, as the bus may.
    for (let i = 0; i < 2; i += 1) await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const calls = await stripeRequestsOf(since, practiceId, accountId);
    const held = { claim: await claimInvoice(practiceId), listed: await listed(practiceId), emails: await emailsTo(email) };
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: true, currently_due: [], disabled_reason: null });
    // The stack's bus hands StripeAccountUpdated to the balance invoicer (lib/wiring.ts RULES).
    const sent = await eventually('the held invoice sent', async () => ((await claimInvoice(practiceId))?.status === 'open' ? await claimInvoice(practiceId) : undefined), 20_000, 100);

    // Assess
    expect(calls).toEqual([]);
    expect(held.claim).toMatchObject({ status: 'awaiting_stripe', amountDueCents: 3400, hostedInvoiceUrl: null });
    expect(held.listed).toEqual([expect.objectContaining({ claimId: 'CLM-1001', status: 'awaiting_stripe', amountDueCents: 3400, hostedInvoiceUrl: null })]);
    expect(held.emails).toHaveLength(0);
    expect(sent).toMatchObject({ status: 'open', amountDueCents: 3400, hostedInvoiceUrl: expect.stringContaining('/invoice/') });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    await eventually('one email', async () => ((await emailsTo(email)).length === 1 ? true : undefined), 10_000, 100);
    expect(await listed(practiceId)).toEqual([expect.objectContaining({ status: 'open' })]);
  });

  it('during onboarding (account created, charges not yet enabled): held; onboarding completed → sent once on the new account', async () => {
    // Prepare
    const { practiceId, clientId, email } = await claimReady();
    const { accountId, url } = await onboardThroughStripe(practiceId, { complete: false });
    const since = new Date().toISOString();

    // Act
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const calls = await stripeRequestsOf(since, practiceId, accountId);
    const held = await claimInvoice(practiceId);
    expect((await fetch(`${url}/complete`, { method: 'POST', headers: { accept: 'application/json' } })).status).toBe(200);
    await eventually('the held invoice sent', async () => ((await claimInvoice(practiceId))?.status === 'open' ? true : undefined), 20_000, 100);

    // Assess
    expect(calls).toEqual([]);
    expect(held).toMatchObject({ status: 'awaiting_stripe', hostedInvoiceUrl: null });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    expect(await stripeInvoicesFor(practiceId, clientId)).toEqual([]);
    await eventually('one email', async () => ((await emailsTo(email)).length === 1 ? true : undefined), 10_000, 100);
  });

  it('a crash midway, a redelivered StripeAccountUpdated and two resumes racing: one Stripe invoice, one email', async () => {
    // Prepare: held on a restricted account. Then Stripe enables charges again; the test records it
    // itself (accountStateWrite, without its event) so that it alone delivers StripeAccountUpdated.
    const { practiceId, clientId, email, accountId } = await restrictedPractice();
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    expect((await claimInvoice(practiceId))?.status).toBe('awaiting_stripe');
    const enabled = await enableChargesQuietly(store, practiceId, accountId);
    const event = { id: 'evt-test', 'detail-type': 'StripeAccountUpdated', source: 'kneadpay', detail: { version: 1, practiceId, accountId, ...enabled } };

    // Act: a crash once the Stripe invoice is made (before its line); then the bus's retry, the
    // same event again and two resumes at once.
    const crashed = await resumeInvoicesAwaitingStripe(
      {
        ...deps,
        after: (step) => {
          if (step === 'create') throw new Error('crash after create');
        },
      },
      practiceId,
    ).then(
      () => 'no crash',
      (error: Error) => error.message,
    );
    const afterCrash = (await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]!;
    await balanceInvoicer(event as never, {} as never);
    await balanceInvoicer(event as never, {} as never);
    await Promise.all([resumeInvoicesAwaitingStripe(deps, practiceId), resumeInvoicesAwaitingStripe(deps, practiceId)]);

    // Assess
    expect(crashed).toBe('crash after create');
    expect(afterCrash).toMatchObject({ status: 'pending', stripeInvoiceId: expect.any(String) });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    expect(await emailsTo(email)).toHaveLength(1);
    expect(await getInvoice(store, practiceId, afterCrash.invoiceId)).toMatchObject({ status: 'open', emailedAt: expect.any(String) });
    expect(await claimInvoice(practiceId)).toMatchObject({ status: 'open' });
  });

  it('a disconnected account: held, and it stays held (no Stripe call) — charges are never back on that account', async () => {
    // Prepare
    const accountId = newAccount();
    const { practiceId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    const since = new Date().toISOString();

    // Act
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const resumed = await resumeInvoicesAwaitingStripe(deps, practiceId);

    // Assess
    expect(resumed).toEqual([]);
    expect(await stripeRequestsOf(since, practiceId, accountId)).toEqual([]);
    expect(await claimInvoice(practiceId)).toMatchObject({ status: 'awaiting_stripe' });
    expect(await emailsTo(email)).toHaveLength(0);
  });

  it('a practice selling on the platform (never onboarded) is not affected: invoiced at once', async () => {
    // Prepare
    const { practiceId, clientId } = await claimReady();

    // Act
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);

    // Assess
    expect(await claimInvoice(practiceId)).toMatchObject({ status: 'open' });
    expect(await stripeInvoicesFor(practiceId, clientId)).toHaveLength(1);
  });
});
