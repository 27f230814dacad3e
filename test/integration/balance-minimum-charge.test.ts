/**
 * A patient balance below Stripe's minimum charge amount is not sent to Stripe.
 *
 * The fact (docs.stripe.com/api/invoices; docs.stripe.com/billing/customer/balance; the emulator copies
 * it, test/integration/stripe-emulator-minimum-charge.test.ts): "If the amount due for the invoice is
 * less than Stripe's minimum allowed charge per currency, the invoice is automatically marked paid, and
 * we add the amount due to the customer's credit balance which is applied to the next invoice." Sent to
 * Stripe, a 30-cent balance would read as paid with nothing paid, and the 30 cents would be added to the
 * client's next Stripe invoice, which would then ask more than kneadpay's record of it.
 *
 * kneadpay keeps such a balance off Stripe: the invoice waits as `below_minimum` (no Stripe call), and
 * the minimum per currency is docs.stripe.com/currencies' (USD $0.50, GBP £0.30, HKD $4.00, …).
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { api } from '../support/api';
import { adjudicated, claimReady, emulator, store, stripeInvoicesFor } from '../support/invoicing';

const deps = () => ({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' });

describe('a patient balance below the minimum charge amount', () => {
  it('30 cents USD (minimum $0.50): no Stripe call, the invoice waits as below_minimum on the list and on the claim, whatever the retries', async () => {
    // Prepare: the worked example's $34.00 share, $33.70 of it collected at the visit → 30 cents owed.
    const { practiceId, clientId } = await claimReady({ collectedCents: 3370 });
    const since = new Date().toISOString();

    // Act: twice, as a retried delivery would.
    for (let i = 0; i < 2; i += 1) await invoiceClaimBalance(deps(), adjudicated(practiceId).original);

    // Assess
    expect(await stripeInvoicesFor(practiceId, clientId)).toEqual([]);
    const ours = ((await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as unknown[]).filter((request) => JSON.stringify(request).includes(practiceId));
    expect(ours).toEqual([]);
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ claimId: 'CLM-1001', status: 'below_minimum', amountDueCents: 30, amountPaidCents: 0, hostedInvoiceUrl: null })]);
    const pending = await api('GET', `/practices/${practiceId}/invoices?status=pending`, { practiceId });
    expect(pending.body.items).toHaveLength(1);
    const claim = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    expect(claim.body.invoice).toMatchObject({ status: 'below_minimum', amountDueCents: 30, hostedInvoiceUrl: null });
  });

  it('50 cents USD (at the minimum): invoiced on Stripe as any balance, open and payable', async () => {
    // Prepare
    const { practiceId, clientId } = await claimReady({ collectedCents: 3350 });

    // Act
    await invoiceClaimBalance(deps(), adjudicated(practiceId).original);

    // Assess
    const invoices = await stripeInvoicesFor(practiceId, clientId);
    expect(invoices.map((invoice) => [invoice.status, invoice.amount_due])).toEqual([['open', 50]]);
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(listed.body.items).toEqual([expect.objectContaining({ status: 'open', amountDueCents: 50 })]);
  });

  it("a below_minimum balance never reaches Stripe, so it does not hold the practice's connected account open: the account can be released", async () => {
    // Prepare: a practice selling on its own connected account, with a 30-cent balance waiting.
    const accountId = `acct_${newId('min')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 16)}`;
    const { practiceId } = await claimReady({ collectedCents: 3370, practice: { stripeAccountId: accountId } });
    await invoiceClaimBalance(deps(), adjudicated(practiceId).original);
    expect((await api('GET', `/practices/${practiceId}/invoices`, { practiceId })).body.items).toEqual([expect.objectContaining({ status: 'below_minimum' })]);

    // Act
    const released = await api('DELETE', `/practices/${practiceId}/stripe`, { practiceId });

    // Assess
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({ accountId, released: true });
  });
});
