/**
 * A Standard account that disconnects kneadpay (audit c3, 2026-12-07), over the local stack, the
 * Stripe emulator and DynamoDB Local.
 *
 * Stripe's facts (docs.stripe.com/connect/standard-accounts, /connect/webhooks, /api/errors): the
 * owner of a Standard account may disconnect the platform (`account.application.deauthorized`);
 * from then on the platform's key may neither read nor act on the account (`account_invalid`) and
 * the account's events no longer reach the platform's Connect endpoint. A balance invoice still
 * open on that account can therefore never move in kneadpay again.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { listClaimInvoices } from '../../functions/store/invoices';
import { practicePk } from '../../functions/store/keys';
import { api } from '../support/api';
import { emulatorAdmin, onboardThroughStripe, waitForStripeStatus } from '../support/connect';
import { adjudicated, claimReady, store, stripe } from '../support/invoicing';

describe('an account disconnected by its owner', () => {
  it('is released although a balance invoice is still open on it (kneadpay can no longer see it move); the answer and the audit name that invoice; the practice connects again', async () => {
    // Prepare: a connected practice with a balance invoice open on its account.
    const { practiceId } = await claimReady();
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    await invoiceClaimBalance({ store, stripe: async () => stripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);
    const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect(invoice).toMatchObject({ status: 'open', stripeAccountId: accountId });

    // Act: the owner disconnects kneadpay in Stripe; staff release the account.
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    const released = await api('DELETE', `/practices/${practiceId}/stripe`, { practiceId });
    const fresh = await onboardThroughStripe(practiceId, { complete: false });

    // Assess
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({ accountId, released: true, leftOpen: [invoice!.invoiceId] });
    const audit = await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': practicePk(practiceId), ':sk': 'AUDIT#' },
      }),
    );
    expect(audit.Items?.map((item) => [item.action, item.accountId, item.leftOpen])).toEqual([['stripe-account-released', accountId, [invoice!.invoiceId]]]);
    expect(fresh.status).toBe(201);
    expect(fresh.accountId).not.toBe(accountId);
  });

  it('an account still connected is not released while a balance invoice is open on it (unchanged)', async () => {
    // Prepare
    const { practiceId } = await claimReady();
    const { accountId } = await onboardThroughStripe(practiceId);
    await waitForStripeStatus(practiceId, (s) => s.chargesEnabled);
    await invoiceClaimBalance({ store, stripe: async () => stripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(practiceId).original);

    // Act
    const refused = await api('DELETE', `/practices/${practiceId}/stripe`, { practiceId });

    // Assess
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'payments_open']);
    expect(refused.body.error.details.open).toEqual(expect.arrayContaining(['open balance invoices']));
    expect((await api('GET', `/practices/${practiceId}/stripe`, { practiceId })).body.accountId).toBe(accountId);
  });
});
