/**
 * A balance invoice held as `awaiting_stripe` after Stripe made its draft (bug 92: charges turned off
 * between the create and the finalize), shown and settled like any held balance (audit e3,
 * 2026-12-07; bug 101). Over the local stack, the Stripe emulator (real `stripe` SDK, signed
 * `account.updated` webhooks) and DynamoDB Local; the moments between two saga steps are reached
 * with the saga's step hook (`deps.after`), a crash with a throw from the desk payment's hook.
 *
 * Stripe's facts (docs.stripe.com/api/invoices/delete): "Permanently deletes a one-off invoice draft.
 * This cannot be undone. Attempts to delete invoices that are no longer in a draft state will fail;
 * once an invoice has been finalized […] it must be voided." A draft is never payable and Stripe
 * sends nothing for it, so deleting it leaves nothing of the balance on Stripe; and Stripe itself
 * decides a delete racing the send's finalize (one of the two fails).
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, resumeInvoicesAwaitingStripe, type InvoiceStep } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { api } from '../support/api';
import { emulatorAdmin, enableChargesQuietly, waitForStripeStatus } from '../support/connect';
import { outboxOf } from '../support/fixtures';
import { adjudicated, balanceEmailsTo, claimReady, deskPaymentDiesAfterDelete, heldDraftOnStripe, store, stripeInvoicesFor, type HeldDraftHow } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const DESK = { method: 'cash', amountCents: 3400 };
const pay = (practiceId: string, invoiceId: string, key = `desk-${invoiceId}`) =>
  api('POST', `/practices/${practiceId}/invoices/${invoiceId}/desk-payments`, { practiceId, body: DESK, headers: { 'idempotency-key': key } });
const listed = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/invoices`, { practiceId })).body.items as { invoiceId: string; status: string }[];
const claimInvoice = async (practiceId: string) => (await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body.invoice;
const paymentsOf = async (practiceId: string) => (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PaymentSucceeded');

const heldDraft = (how: HeldDraftHow) => heldDraftOnStripe(deps, how);

describe('a balance held as awaiting_stripe with its Stripe draft made', () => {
  it.each(['off after line', 'off after create, then a crash'] as const)('%s: GET …/invoices shows it awaiting_stripe, as the claim does', async (how) => {
    // Prepare
    const { practiceId, invoice } = await heldDraft(how);

    // Act
    const items = await listed(practiceId);

    // Assess: the draft is on Stripe (a held draft, not a pending invoice without one).
    expect(invoice).toMatchObject({ awaitingStripe: true, stripeInvoiceId: expect.stringMatching(/^in_/), status: how === 'off after line' ? 'draft' : 'pending' });
    expect(items).toEqual([expect.objectContaining({ invoiceId: invoice.invoiceId, status: 'awaiting_stripe' })]);
    expect(await claimInvoice(practiceId)).toMatchObject({ status: 'awaiting_stripe' });
  });

  it('recorded paid at the desk: the Stripe draft deleted, paid once (PaymentSucceeded, claim paid), no email; charges back → nothing goes out', async () => {
    // Prepare
    const { practiceId, clientId, email, accountId, invoice } = await heldDraft('off after line');
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([expect.objectContaining({ id: invoice.stripeInvoiceId, status: 'draft' })]);

    // Act
    const first = await pay(practiceId, invoice.invoiceId);
    const retry = await pay(practiceId, invoice.invoiceId);
    await enableChargesQuietly(store, practiceId, accountId);
    const resumed = await resumeInvoicesAwaitingStripe(deps, practiceId);

    // Assess
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ invoiceId: invoice.invoiceId, status: 'paid', method: 'cash', amountCents: 3400 });
    expect([retry.status, retry.body.paymentId]).toEqual([200, first.body.paymentId]);
    expect(resumed).toEqual([]);
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({ status: 'paid', amountPaidCents: 3400, stripeInvoiceId: null, hostedInvoiceUrl: null, emailedAt: null });
    expect(await listed(practiceId)).toEqual([expect.objectContaining({ invoiceId: invoice.invoiceId, status: 'paid' })]);
    expect(await claimInvoice(practiceId)).toMatchObject({ status: 'paid', amountDueCents: 3400 });
    expect((await paymentsOf(practiceId)).map((item) => item.detail)).toEqual([
      expect.objectContaining({ kind: 'invoice', invoiceId: invoice.invoiceId, paymentId: first.body.paymentId, amountCents: 3400, method: 'cash' }),
    ]);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
  });

  // The desk payment lands inside the send's resume at `step`: before the finalize it wins (the
  // draft deleted, the send stops quietly); after Stripe finalized it the send wins (409, sent once).
  it.each([
    ['off after create, then a crash', 'create', 'desk'],
    ['off after create, then a crash', 'line-answered', 'desk'],
    ['off after create, then a crash', 'line', 'desk'],
    ['off after line', 'finalize-answered', 'send'],
  ] as const)('%s, the desk payment racing the resume at %s: one outcome (%s wins)', async (how, step, winner) => {
    // Prepare
    const { practiceId, clientId, email, accountId, invoice } = await heldDraft(how);
    await enableChargesQuietly(store, practiceId, accountId);

    // Act
    let desk: Awaited<ReturnType<typeof pay>> | undefined;
    const outcome = await resumeInvoicesAwaitingStripe(
      {
        ...deps,
        after: async (at: InvoiceStep) => {
          if (at === step && !desk) desk = await pay(practiceId, invoice.invoiceId);
        },
      },
      practiceId,
    ).then(
      () => 'returned',
      (error: Error) => `${error.name}: ${error.message}`,
    );
    const again = await resumeInvoicesAwaitingStripe(deps, practiceId);
    const after = (await listClaimInvoices(store, practiceId, 'CLM-1001'))[0];
    const onStripe = await stripeInvoicesFor(practiceId, clientId, accountId);

    // Assess
    expect(outcome).toBe('returned');
    if (winner === 'desk') {
      expect(desk?.status, desk?.text).toBe(201);
      expect(again).toEqual([]);
      expect(after).toMatchObject({ status: 'paid', amountPaidCents: 3400, stripeInvoiceId: null, hostedInvoiceUrl: null, emailedAt: null });
      expect(onStripe).toEqual([]);
      expect(await paymentsOf(practiceId)).toHaveLength(1);
      expect(await balanceEmailsTo(email)).toHaveLength(0);
    } else {
      expect(desk?.status, desk?.text).toBe(409);
      expect(desk?.body.error).toMatchObject({ code: 'not_collectable_at_desk' });
      expect(after).toMatchObject({ status: 'open', stripeInvoiceId: invoice.stripeInvoiceId, hostedInvoiceUrl: expect.any(String), emailedAt: expect.any(String) });
      expect(after?.deskPayment).toBeUndefined();
      expect(onStripe).toEqual([expect.objectContaining({ id: invoice.stripeInvoiceId, status: 'open', amount_due: 3400 })]);
      expect(await paymentsOf(practiceId)).toHaveLength(0);
      expect(await balanceEmailsTo(email)).toHaveLength(1);
      expect(await listed(practiceId)).toEqual([expect.objectContaining({ status: 'open' })]);
    }
  });

  it("on an account its owner disconnected (the draft out of kneadpay's reach, never payable, never sent): recorded paid at the desk, no email", async () => {
    // Prepare: the owner disconnects kneadpay once Stripe made the draft and its line; the saga holds it before the finalize.
    const accountId = newAccount();
    const { practiceId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    const after = async (at: InvoiceStep) => {
      if (at !== 'line') return;
      expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
      await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    };
    await invoiceClaimBalance({ ...deps, after }, adjudicated(practiceId).original);
    const [invoice] = await listClaimInvoices(store, practiceId, 'CLM-1001');

    // Act
    const first = await pay(practiceId, invoice!.invoiceId);

    // Assess
    expect(invoice).toMatchObject({ status: 'draft', awaitingStripe: true, stripeInvoiceId: expect.stringMatching(/^in_/) });
    expect(first.status, first.text).toBe(201);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({
      status: 'paid',
      amountPaidCents: 3400,
      stripeInvoiceId: null,
      emailedAt: null,
      deskPaymentRequest: expect.objectContaining({ stripeInvoiceId: invoice!.stripeInvoiceId, draftLeftOnAccount: true }),
    });
    expect(await listed(practiceId)).toEqual([expect.objectContaining({ status: 'paid' })]);
    expect(await paymentsOf(practiceId)).toHaveLength(1);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
  });

  it('8 desk requests racing on a held draft (each with its own key): one records it, the others 409 invoice_already_paid; one PaymentSucceeded', async () => {
    // Prepare
    const { practiceId, clientId, accountId, invoice } = await heldDraft('off after line');

    // Act
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => pay(practiceId, invoice.invoiceId, `desk-race-${i}-${invoice.invoiceId}`)));

    // Assess
    expect(answers.map((answer) => answer.status).sort(), JSON.stringify(answers.map((answer) => answer.body))).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(answers.filter((answer) => answer.status === 409).map((answer) => answer.body.error.code)).toEqual(Array(7).fill('invoice_already_paid'));
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({ status: 'paid', amountPaidCents: 3400, stripeInvoiceId: null });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
    expect(await paymentsOf(practiceId)).toHaveLength(1);
  });

  it('a crash between the delete and the record: a resume meanwhile sends nothing, the retry records the desk payment once', async () => {
    // Prepare
    const { practiceId, clientId, email, accountId, invoice } = await heldDraft('off after line');
    const key = `desk-crash-${invoice.invoiceId}`;

    // Act: the request dies once Stripe deleted the draft, before kneadpay recorded the payment.
    const crashed = await deskPaymentDiesAfterDelete(practiceId, invoice.invoiceId, key);
    const between = { stripe: await stripeInvoicesFor(practiceId, clientId, accountId), listed: await listed(practiceId) };
    await enableChargesQuietly(store, practiceId, accountId);
    const resumed = await resumeInvoicesAwaitingStripe(deps, practiceId).then(
      (driven) => driven.map((one) => one.status),
      (error: Error) => `${error.name}: ${error.message}`,
    );
    const retry = await pay(practiceId, invoice.invoiceId, key);
    const again = await pay(practiceId, invoice.invoiceId, key);

    // Assess
    expect(crashed).toBe('crash after the delete');
    expect(between.stripe).toEqual([]);
    expect(between.listed).toEqual([expect.objectContaining({ status: 'awaiting_stripe' })]);
    expect(resumed).toEqual(['draft']);
    expect(retry.status, retry.text).toBe(201);
    expect([again.status, again.body.paymentId]).toEqual([200, retry.body.paymentId]);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({ status: 'paid', amountPaidCents: 3400, stripeInvoiceId: null, emailedAt: null });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
    expect(await paymentsOf(practiceId)).toHaveLength(1);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
    expect(await claimInvoice(practiceId)).toMatchObject({ status: 'paid' });
  });
});
