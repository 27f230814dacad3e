import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, INVOICE_STEPS, type InvoiceStep } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { getClaim } from '../../functions/store/claims';
import { applyAdjudication } from '../../functions/core/remittances';
import { api } from '../support/api';
import { ledgerState } from '../support/fixtures';
import { stripeRequestText } from '../support/phi-scan';
import { adjudicated, claimReady, emailsTo, emulator, store, stripeInvoicesFor } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = (after?: (step: InvoiceStep) => void) => ({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000', ...(after ? { after } : {}) });

describe('balance invoicing after adjudication', () => {
  it('the same ClaimAdjudicated ×20 in sequence → one Stripe invoice of $34, one email', async () => {
    // Prepare
    const { practiceId, clientId, email } = await claimReady();
    const detail = adjudicated(practiceId).original;

    // Act
    for (let i = 0; i < 20; i += 1) await invoiceClaimBalance(deps(), detail);

    // Assess
    const invoices = await stripeInvoicesFor(practiceId, clientId);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ status: 'open', amount_due: 3400, collection_method: 'send_invoice' });
    expect(await emailsTo(email)).toHaveLength(1);
    const claim = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    expect(claim.body).toMatchObject({
      patientResponsibilityCents: 3400,
      invoicedCents: 3400,
      invoice: { status: 'open', amountDueCents: 3400, hostedInvoiceUrl: expect.stringContaining('/invoice/') },
    });
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.balanceCents).toBe(3400);
    expect(ledger.sumCents).toBe(3400);
  });

  it('the same ClaimAdjudicated ×20 concurrently → one Stripe invoice, one email', async () => {
    const { practiceId, clientId, email } = await claimReady();
    const detail = adjudicated(practiceId).original;
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => invoiceClaimBalance(deps(), detail)));
    // Consumers that lost a race may fail and be retried by the bus; one more run settles everything.
    await invoiceClaimBalance(deps(), detail);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeGreaterThan(0);
    expect(await stripeInvoicesFor(practiceId, clientId)).toHaveLength(1);
    expect(await emailsTo(email)).toHaveLength(1);
    const stored = await listClaimInvoices(store, practiceId, 'CLM-1001');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'open', amountDueCents: 3400 });
  });

  it('copay collected at the visit is deducted and posted to the ledger; a zero share sends no invoice', async () => {
    const partial = await claimReady({ collectedCents: 1000 });
    const paidAtVisit = await ledgerState(store, partial.practiceId, partial.clientId);
    await invoiceClaimBalance(deps(), adjudicated(partial.practiceId).original);
    const covered = await claimReady({ collectedCents: 3400 });
    await invoiceClaimBalance(deps(), adjudicated(covered.practiceId).original);
    expect((await stripeInvoicesFor(partial.practiceId, partial.clientId)).map((invoice) => invoice.amount_due)).toEqual([2400]);
    expect(await stripeInvoicesFor(covered.practiceId, covered.clientId)).toHaveLength(0);
    expect(await emailsTo(covered.email)).toHaveLength(0);
    // The copay is money the client already paid: a credit before adjudication, and afterwards the
    // balance is what the invoice asks for (the share minus the copay), not the whole share.
    expect(paidAtVisit).toMatchObject({ balanceCents: -1000, sumCents: -1000 });
    expect(await ledgerState(store, partial.practiceId, partial.clientId)).toMatchObject({ balanceCents: 2400, sumCents: 2400 });
    expect(await ledgerState(store, covered.practiceId, covered.clientId)).toMatchObject({ balanceCents: 0, sumCents: 0 });
  });

  it.each([...INVOICE_STEPS])('a crash after "%s" is repaired by the retry: one finalized invoice, right amount, one email', async (step) => {
    // Prepare: a crash is injected at the step boundary (a real process crash cannot be scheduled).
    const { practiceId, clientId, email } = await claimReady();
    const detail = adjudicated(practiceId).original;
    const crash = (at: InvoiceStep) => {
      if (at === step) throw new Error(`injected crash after ${step}`);
    };

    // Act
    await expect(invoiceClaimBalance(deps(crash), detail)).rejects.toThrow('injected crash');
    await invoiceClaimBalance(deps(), detail);
    await invoiceClaimBalance(deps(), detail);

    // Assess
    const invoices = await stripeInvoicesFor(practiceId, clientId);
    expect(invoices.map((invoice) => [invoice.status, invoice.amount_due])).toEqual([['open', 3400]]);
    expect(await emailsTo(email)).toHaveLength(1);
  });

  it.each([...INVOICE_STEPS])('the same after "%s" with every Stripe idempotency key expired between attempts', async (step) => {
    // On a connected account of its own: the emulator is shared, and the platform's keys are every file's.
    const account = newAccount();
    const { practiceId, clientId, email } = await claimReady({ practice: { stripeAccountId: account } });
    const detail = adjudicated(practiceId).original;
    await expect(
      invoiceClaimBalance(
        deps((at) => {
          if (at === step) throw new Error('injected crash');
        }),
        detail,
      ),
    ).rejects.toThrow();
    expect((await emulator('/_idempotency/expire', { method: 'POST', body: { accounts: [account] } })).status).toBe(200);
    await invoiceClaimBalance(deps(), detail);
    const invoices = await stripeInvoicesFor(practiceId, clientId, account);
    expect(invoices.map((invoice) => [invoice.status, invoice.amount_due])).toEqual([['open', 3400]]);
    const lines = await Promise.all(invoices.map((invoice) => invoice.lines.data.length));
    expect(lines).toEqual([1]);
    expect(await emailsTo(email)).toHaveLength(1);
  });

  it.each([
    ['reversal → correction', ['reversal', 'correction']],
    ['correction → reversal', ['correction', 'reversal']],
  ])('an ERA with a reversal and a correction, events delivered %s, ends with the corrected 24.00 USD invoiced', async (_name, order) => {
    // Prepare: as the ERA import does, both adjudications are stored before either event is delivered.
    const { practiceId, clientId } = await claimReady();
    const details = adjudicated(practiceId);
    await invoiceClaimBalance(deps(), details.original);
    const claim = (await getClaim(store, practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, details.reversal, { remittanceId: 'rem_test', emit: false }, new Date());
    await applyAdjudication(store, claim, details.correction, { remittanceId: 'rem_test', emit: false }, new Date());

    // Act
    for (const name of order as ('reversal' | 'correction')[]) await invoiceClaimBalance(deps(), details[name]);

    // Assess
    const invoices = await stripeInvoicesFor(practiceId, clientId);
    expect(invoices.map((invoice) => [invoice.status, invoice.amount_due]).sort()).toEqual([
      ['open', 2400],
      ['void', 3400],
    ]);
    const view = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    expect(view.body).toMatchObject({ patientResponsibilityCents: 2400, invoicedCents: 2400, invoice: { amountDueCents: 2400, status: 'open' } });
    const listed = await api('GET', `/practices/${practiceId}/invoices?status=open`, { practiceId });
    expect(listed.body.items.map((item: { amountDueCents: number }) => item.amountDueCents)).toEqual([2400]);
  });

  it('a correction arriving alone first bills the increase, and the later reversal settles at $24 open', async () => {
    const { practiceId, clientId } = await claimReady();
    const details = adjudicated(practiceId);
    for (const detail of [details.original, details.correction, details.reversal]) await invoiceClaimBalance(deps(), detail);
    const invoices = await stripeInvoicesFor(practiceId, clientId);
    expect(invoices.filter((invoice) => invoice.status === 'open').map((invoice) => invoice.amount_due)).toEqual([2400]);
    expect(invoices.filter((invoice) => invoice.status !== 'open').every((invoice) => invoice.status === 'void')).toBe(true);
  });

  it('a reversal with no correction voids the open invoice', async () => {
    const { practiceId, clientId } = await claimReady();
    const details = adjudicated(practiceId);
    await invoiceClaimBalance(deps(), details.original);
    await invoiceClaimBalance(deps(), details.reversal);
    expect((await stripeInvoicesFor(practiceId, clientId)).map((invoice) => invoice.status)).toEqual(['void']);
  });

  it('no Stripe request of the invoicing flow carries PHI (codes, payer, claim numbers; name and email on the Customer only)', async () => {
    const { practiceId } = await claimReady();
    // The emulator is shared with other files: read its log from now on instead of clearing it.
    const since = new Date().toISOString();
    await invoiceClaimBalance(deps(), adjudicated(practiceId).original);
    const requests = (await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as { method: string; path: string; params: unknown; rawBody?: string }[];
    // What Stripe may hold (docs/architecture.md): the Customer's own name and email, nothing else.
    const posted = requests
      .filter((request) => request.method === 'POST')
      .map(stripeRequestText)
      .join('\n');
    expect(requests.length).toBeGreaterThan(0);
    for (const phi of ['97124', '97140', 'M54.2', 'ACME', 'Jane', 'client.example', 'CLM-1001', 'PAYER-77']) expect(posted).not.toContain(phi);
  });
});
