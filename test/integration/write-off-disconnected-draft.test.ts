/**
 * A write-off of a balance held on its Stripe draft after the practice's owner disconnected kneadpay
 * (`account.application.deauthorized`; audit f3, 2026-12-07). Over the local stack (the write-off
 * through its HTTP route), DynamoDB Local and the Stripe emulator through the `stripe` SDK.
 *
 * Stripe's facts (docs.stripe.com/connect/standard-accounts, /api/errors; the emulator refuses the
 * same, test/integration/stripe-emulator-connect.test.ts): once the owner disconnects the platform,
 * its key may neither read nor act on the account (`account_invalid`), so kneadpay can neither
 * delete the draft nor ever finalize it; and a draft is never payable and Stripe sends nothing for
 * it (docs.stripe.com/api/invoices/delete). What a front desk needs is the balance forgiven, as the
 * desk payment of such a draft is recorded (bug 101): the write-off is recorded, and names the draft
 * left on that account, rather than refused with nothing the desk could do about it.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, sweepPracticeHeldInvoices, type InvoiceStep } from '../../functions/core/invoicing';
import type { Logger } from '../../functions/shared/logger';
import { getStripe } from '../../functions/stripe/client';
import { getInvoice, listClaimInvoices, recordWriteOffRequest } from '../../functions/store/invoices';
import { api } from '../support/api';
import { emulatorAdmin, waitForStripeStatus } from '../support/connect';
import { ledgerState, outboxOf } from '../support/fixtures';
import { adjudicated, balanceEmailsTo, claimReady, store } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

describe('a write-off of a held Stripe draft on an account its owner disconnected', () => {
  it('is recorded (201, the draft named as left on the account): void/written_off, the claim closed, the ledger, one event, no email; the sweep and a re-plan send nothing', async () => {
    // Prepare: the owner disconnects kneadpay once Stripe made the draft and its line; the saga holds it before the finalize.
    const accountId = newAccount();
    const { practiceId, clientId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    const after = async (at: InvoiceStep) => {
      if (at !== 'line') return;
      expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
      await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    };
    await invoiceClaimBalance({ ...deps, after }, adjudicated(practiceId).original);
    const [held] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect(held).toMatchObject({ status: 'draft', awaitingStripe: true, stripeInvoiceId: expect.stringMatching(/^in_/) });

    // Act
    const answer = await api('POST', `/practices/${practiceId}/invoices/${held!.invoiceId}/write-offs`, {
      practiceId,
      body: { reason: 'bad_debt' },
      headers: { 'idempotency-key': `wo-${held!.invoiceId}` },
    });
    const swept = await sweepPracticeHeldInvoices(deps, practiceId);
    const replanned = await invoiceClaimBalance(deps, adjudicated(practiceId).original);

    // Assess
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toMatchObject({ status: 'written_off', reason: 'bad_debt', amountCents: 3400, draftLeftOnAccount: true });
    expect(await getInvoice(store, practiceId, held!.invoiceId)).toMatchObject({ status: 'void', writeOff: expect.objectContaining({ draftLeftOnAccount: true }) });
    expect((await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId })).body).toMatchObject({ state: 'closed', invoice: { status: 'written_off' } });
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'balance_writeoff').map((entry) => entry.amountCents)).toEqual([-3400]);
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'PatientBalanceWrittenOff')).toHaveLength(1);
    expect(swept).toEqual({ held: 0, sent: 0, busy: 0, finished: 0 });
    expect(replanned.actions).toEqual([]);
    expect(replanned.invoices).toEqual([expect.objectContaining({ status: 'void' })]);
    expect(await balanceEmailsTo(email)).toHaveLength(0);
  });

  it("an invoice already open there (payable on its Stripe page, out of kneadpay's reach) is refused: 409 stripe_account_disconnected saying why, nothing written off", async () => {
    // Prepare
    const accountId = newAccount();
    const { practiceId, clientId } = await claimReady({ practice: { stripeAccountId: accountId } });
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const [open] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect(open).toMatchObject({ status: 'open', stripeAccountId: accountId });
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');

    // Act
    const answer = await api('POST', `/practices/${practiceId}/invoices/${open!.invoiceId}/write-offs`, { practiceId, body: { reason: 'bad_debt' } });

    // Assess
    expect(answer.status, answer.text).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'stripe_account_disconnected', details: { field: 'invoiceId', status: 'open' } });
    expect(answer.body.error.message).toMatch(/disconnected from kneadpay.*stays payable/);
    expect(await getInvoice(store, practiceId, open!.invoiceId)).toMatchObject({ status: 'open' });
    expect((await getInvoice(store, practiceId, open!.invoiceId))?.writeOff).toBeUndefined();
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'balance_writeoff')).toEqual([]);
  });

  it('the refusal takes its write-off request with it (audit g2): an open invoice never emailed leaves the hourly sweep nothing to retry and log, and the next write-off (part of it too) is refused for the same reason, not as one in progress', async () => {
    // Prepare: a crash right after the finalize's record leaves the invoice open on Stripe and not
    // emailed yet; then the owner disconnects kneadpay.
    const accountId = newAccount();
    const { practiceId } = await claimReady({ practice: { stripeAccountId: accountId } });
    const crash = async (at: InvoiceStep) => {
      if (at === 'finalize') throw new Error('crash after the finalize');
    };
    await expect(invoiceClaimBalance({ ...deps, after: crash }, adjudicated(practiceId).original)).rejects.toThrow('crash after the finalize');
    const [open] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect(open).toMatchObject({ status: 'open', emailedAt: null, hostedInvoiceUrl: expect.any(String) });
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    const logged: string[] = [];
    const logger: Logger = { debug: () => {}, info: (message) => logged.push(message), warn: (message) => logged.push(message), error: (message) => logged.push(message), child: () => logger };

    // Act
    const refused = await api('POST', `/practices/${practiceId}/invoices/${open!.invoiceId}/write-offs`, {
      practiceId,
      body: { reason: 'bad_debt' },
      headers: { 'idempotency-key': `wo-${open!.invoiceId}` },
    });
    const afterRefusal = await getInvoice(store, practiceId, open!.invoiceId);
    const anHourLater = new Date(Date.now() + 60 * 60_000);
    const swept = [
      await sweepPracticeHeldInvoices({ ...deps, logger }, practiceId, anHourLater),
      await sweepPracticeHeldInvoices({ ...deps, logger }, practiceId, new Date(anHourLater.getTime() + 60 * 60_000)),
    ];
    const partial = await api('POST', `/practices/${practiceId}/invoices/${open!.invoiceId}/write-offs`, { practiceId, body: { reason: 'courtesy', amountCents: 1000 } });

    // Assess
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.code).toBe('stripe_account_disconnected');
    expect(afterRefusal?.writeOffRequest ?? null).toBeNull();
    expect(afterRefusal).toMatchObject({ status: 'open', emailedAt: null });
    expect(swept).toEqual([
      { held: 0, sent: 0, busy: 0, finished: 0 },
      { held: 0, sent: 0, busy: 0, finished: 0 },
    ]);
    expect(logged.filter((message) => message.includes('was not finished'))).toEqual([]);
    expect(partial.status, partial.text).toBe(409);
    expect(partial.body.error).toMatchObject({ code: 'stripe_account_disconnected', details: { field: 'invoiceId', status: 'open' } });
    expect(partial.body.error.message).toMatch(/disconnected from kneadpay.*stays payable/);
    expect((await getInvoice(store, practiceId, open!.invoiceId))?.writeOffRequest ?? null).toBeNull();
    expect((await getInvoice(store, practiceId, open!.invoiceId))?.writeOff).toBeUndefined();
  });

  it('a request an earlier refusal left there (before audit g2) is tried once more by the sweep, refused, cleared and logged once — not every hour', async () => {
    // Prepare: as above, and the write-off request the refusal used to leave on the invoice.
    const accountId = newAccount();
    const { practiceId } = await claimReady({ practice: { stripeAccountId: accountId } });
    const crash = async (at: InvoiceStep) => {
      if (at === 'finalize') throw new Error('crash after the finalize');
    };
    await expect(invoiceClaimBalance({ ...deps, after: crash }, adjudicated(practiceId).original)).rejects.toThrow('crash after the finalize');
    const [open] = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect((await emulatorAdmin(`/_accounts/${accountId}/deauthorize`)).status).toBe(200);
    await waitForStripeStatus(practiceId, (s) => s.status === 'deauthorized');
    const left = { writeOffId: 'wo_left', reason: 'bad_debt', note: null, writtenOffBy: 'staff', requestedAt: new Date().toISOString() } as const;
    expect(await recordWriteOffRequest(store, open!, left, null)).toMatchObject({ writeOffRequest: left });
    const logged: string[] = [];
    const logger: Logger = { debug: () => {}, info: (message) => logged.push(message), warn: (message) => logged.push(message), error: (message) => logged.push(message), child: () => logger };

    // Act
    const anHourLater = new Date(Date.now() + 60 * 60_000);
    const first = await sweepPracticeHeldInvoices({ ...deps, logger }, practiceId, anHourLater);
    const second = await sweepPracticeHeldInvoices({ ...deps, logger }, practiceId, new Date(anHourLater.getTime() + 60 * 60_000));

    // Assess
    expect(first).toEqual({ held: 1, sent: 0, busy: 0, finished: 0 });
    expect(second).toEqual({ held: 0, sent: 0, busy: 0, finished: 0 });
    expect(logged.filter((message) => message.includes('was not finished'))).toEqual(['a write-off whose request died midway was not finished: stripe_account_disconnected']);
    expect(await getInvoice(store, practiceId, open!.invoiceId)).toMatchObject({ status: 'open', writeOffRequest: null });
  });
});
