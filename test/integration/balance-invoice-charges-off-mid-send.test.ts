/**
 * Charges turned off on the practice's connected account while a balance invoice is on its way
 * (audit d3, 2026-12-07; bug 92): after Stripe made the draft, before it is finalized and emailed.
 * Over the local stack, the Stripe emulator (real `stripe` SDK, signed `account.updated` webhooks)
 * and DynamoDB Local. The moment is reached with the saga's step hook (`deps.after`, a real pause
 * between two steps cannot be scheduled): the hook turns charges off on the emulator
 * (`POST /_accounts/{id}`) and waits until kneadpay has recorded it from the webhook.
 *
 * Stripe's facts (docs.stripe.com/api/accounts/object): `charges_enabled` — whether the account can
 * process charges; `requirements.disabled_reason` — why the account cannot create charges
 * (docs.stripe.com/connect/pausing-payments-or-payouts-on-connected-accounts: paused payments block
 * the creation of any charge). A hosted invoice emailed then is a link the client cannot pay.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, type InvoiceStep } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { api } from '../support/api';
import { emulatorAdmin, waitForStripeStatus } from '../support/connect';
import { eventually } from '../support/eventually';
import { adjudicated, claimReady, emailsTo, store, stripeInvoicesFor } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const claimInvoice = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body.invoice;

describe('charges turned off after the Stripe draft exists, before it is finalized', () => {
  it.each(['create', 'line'] as InvoiceStep[])(
    'off after %s: the draft is held as awaiting_stripe (not finalized, no email); charges back on → finalized and emailed once, one Stripe invoice',
    async (step) => {
      // Prepare: a practice on a connected account that can charge.
      const accountId = newAccount();
      const { practiceId, clientId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
      const deps = {
        store,
        stripe: getStripe,
        publicUrl: 'http://127.0.0.1:3000',
        after: async (at: InvoiceStep) => {
          if (at !== step) return;
          await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
          await waitForStripeStatus(practiceId, (s) => s.status === 'restricted');
        },
      };

      // Act: the balance invoicer's run, during which Stripe turns charges off.
      await invoiceClaimBalance(deps, adjudicated(practiceId).original);
      const held = {
        stripe: await stripeInvoicesFor(practiceId, clientId, accountId),
        emails: (await emailsTo(email)).length,
        claim: await claimInvoice(practiceId),
        invoice: (await listClaimInvoices(store, practiceId, 'CLM-1001'))[0],
      };
      // Stripe enables charges again; the stack's bus hands StripeAccountUpdated to the balance invoicer.
      await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: true, currently_due: [], disabled_reason: null });
      const sent = await eventually('the held invoice sent', async () => ((await claimInvoice(practiceId))?.status === 'open' ? await claimInvoice(practiceId) : undefined), 20_000, 100);

      // Assess
      expect(held.stripe).toEqual([expect.objectContaining({ status: 'draft' })]);
      expect(held.emails).toBe(0);
      expect(held.claim).toMatchObject({ status: 'awaiting_stripe', hostedInvoiceUrl: null });
      expect(held.invoice).toMatchObject({ awaitingStripe: true, hostedInvoiceUrl: null, emailedAt: null });
      expect(sent).toMatchObject({ status: 'open', amountDueCents: 3400, hostedInvoiceUrl: expect.stringContaining('/invoice/') });
      expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([expect.objectContaining({ id: held.stripe[0]!.id, status: 'open', amount_due: 3400 })]);
      await eventually('one email', async () => ((await emailsTo(email)).length === 1 ? true : undefined), 10_000, 100);
      // The email is recorded just after SES took it.
      const recorded = await eventually(
        'the email recorded',
        async () => ((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]?.emailedAt ? (await listClaimInvoices(store, practiceId, 'CLM-1001'))[0] : undefined),
        10_000,
        100,
      );
      expect(recorded).toMatchObject({ status: 'open', emailedAt: expect.any(String), stripeAccountId: accountId });
    },
  );
});
