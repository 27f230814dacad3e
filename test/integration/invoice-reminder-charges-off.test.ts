/**
 * Reminders of an open balance invoice while the practice's connected account cannot take charges
 * (audit d3, 2026-12-07; bug 95). Over DynamoDB Local, the Stripe emulator (real `stripe` SDK, signed
 * `account.updated` webhooks) and the local SES.
 *
 * Stripe's facts (docs.stripe.com/api/accounts/object): `charges_enabled` false — the account cannot
 * process charges; an open invoice stays open and its hosted page takes the payment once charges are
 * back (docs/status.md, bug 92's decision). A reminder meanwhile asks the client to pay through a
 * page that cannot take the payment; on an account its owner disconnected, kneadpay no longer sees
 * the invoice's events at all, so it would remind a client who may have paid.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { sendReminders } from '../../functions/invoice-reminder';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { emulatorAdmin, waitForStripeStatus } from '../support/connect';
import { adjudicated, claimReady, emailsTo, store } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const DAY = 86_400_000;
const reminders = async (email: string) => (await emailsTo(email)).filter((mail) => JSON.stringify(mail).includes('Reminder'));

describe('reminders of an open balance invoice while the account cannot charge', () => {
  it('charges turned off after the invoice went out: no reminder; back on: the reminder owed goes out once', async () => {
    // Prepare: an invoice emailed on an account that can charge; then Stripe turns charges off.
    const accountId = newAccount();
    const { practiceId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect(invoice).toMatchObject({ status: 'open', emailedAt: expect.any(String) });
    const due = Date.parse(invoice!.dueAt!);
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    await waitForStripeStatus(practiceId, (s) => s.status === 'restricted');

    // Act: the daily job 8 days after due, while charges are off; then charges back on and the next day's run.
    const whileOff = await sendReminders(store, new Date(due + 8 * DAY), [practiceId]);
    const remindedWhileOff = (await reminders(email)).length;
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: true, currently_due: [], disabled_reason: null });
    await waitForStripeStatus(practiceId, (s) => s.status === 'enabled');
    await sendReminders(store, new Date(due + 9 * DAY), [practiceId]);
    await sendReminders(store, new Date(due + 10 * DAY), [practiceId]);

    // Assess
    expect(whileOff.sent).toBe(0);
    expect(remindedWhileOff).toBe(0);
    expect(await reminders(email)).toHaveLength(1);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]!.remindersSent).toEqual([7]);
  });

  it('an account its owner disconnected: no reminder (kneadpay no longer sees whether the client paid)', async () => {
    // Prepare
    const accountId = newAccount();
    const { practiceId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');

    // Act
    const run = await sendReminders(store, new Date(Date.parse(invoice!.dueAt!) + 15 * DAY), [practiceId]);

    // Assess
    expect(run.sent).toBe(0);
    expect(await reminders(email)).toHaveLength(0);
  });
});
