/**
 * A balance held as `awaiting_stripe` collected at the practice's desk (audit c5, 2026-12-07): on an
 * account its owner disconnected it never goes out by itself, so the front desk takes it (cash, card
 * terminal, check) and records it, as a `below_minimum` balance. Nothing of it is on Stripe. And
 * the race: a desk payment recorded while the account can charge again and the invoice is being
 * sent — whichever is recorded first wins; the other does nothing (the Stripe draft the send made
 * is deleted, no email).
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, resumeInvoicesAwaitingStripe } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { api } from '../support/api';
import { outboxOf } from '../support/fixtures';
import { emulatorAdmin, enableChargesQuietly, waitForStripeStatus } from '../support/connect';
import { adjudicated, balanceEmailsTo, claimReady, emulator, store, stripeInvoicesFor } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const pay = (practiceId: string, invoiceId: string) =>
  api('POST', `/practices/${practiceId}/invoices/${invoiceId}/desk-payments`, { practiceId, body: { method: 'cash', amountCents: 3400 }, headers: { 'idempotency-key': `desk-${invoiceId}` } });
const claimInvoice = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body;

describe('a balance held as awaiting_stripe, paid at the desk', () => {
  it('on a disconnected account: recorded paid (201), one PaymentSucceeded, no Stripe call, no email; a retry answers the same record', async () => {
    // Prepare
    const accountId = newAccount();
    const { practiceId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const [held] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    const since = new Date().toISOString();

    // Act
    const first = await pay(practiceId, held!.invoiceId);
    const retry = await pay(practiceId, held!.invoiceId);

    // Assess
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ invoiceId: held!.invoiceId, status: 'paid', method: 'cash', amountCents: 3400 });
    expect([retry.status, retry.body.paymentId]).toEqual([200, first.body.paymentId]);
    expect((await claimInvoice(practiceId)).invoice).toMatchObject({ status: 'paid', amountDueCents: 3400 });
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentSucceeded').map((item) => item.detail)).toEqual([
      expect.objectContaining({ kind: 'invoice', invoiceId: held!.invoiceId, paymentId: first.body.paymentId, amountCents: 3400, method: 'cash' }),
    ]);
    const requests = ((await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as unknown[]).filter(
      (r) => JSON.stringify(r).includes(practiceId) || JSON.stringify(r).includes(accountId),
    );
    expect(requests).toEqual([]);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
  });

  it('paid at the desk while the held invoice is being sent (after Stripe made it, before kneadpay recorded it): the desk payment stands, the Stripe draft is deleted, no email', async () => {
    // Prepare: held on a restricted account; Stripe enables charges and kneadpay records it (the
    // test delivers the resume itself, so the stack's bus does not race it).
    const accountId = newAccount();
    const { practiceId, clientId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    await waitForStripeStatus(practiceId, (s) => s.status === 'restricted');
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const [held] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    await enableChargesQuietly(store, practiceId, accountId);

    // Act: the desk payment lands between Stripe's answer to the create and kneadpay's record of it.
    let desk: Awaited<ReturnType<typeof pay>> | undefined;
    const outcome = await resumeInvoicesAwaitingStripe(
      {
        ...deps,
        after: async (step) => {
          if (step === 'invoice-answered' && !desk) desk = await pay(practiceId, held!.invoiceId);
        },
      },
      practiceId,
    ).then(
      () => 'returned',
      (error: Error) => `${error.name}: ${error.message}`,
    );
    const again = await resumeInvoicesAwaitingStripe(deps, practiceId);

    // Assess
    expect(desk?.status, desk?.text).toBe(201);
    expect(outcome).toBe('returned');
    expect(again).toEqual([]);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({ status: 'paid', amountPaidCents: 3400, hostedInvoiceUrl: null, emailedAt: null });
    expect((await claimInvoice(practiceId)).invoice).toMatchObject({ status: 'paid', amountDueCents: 3400 });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
  });
});
