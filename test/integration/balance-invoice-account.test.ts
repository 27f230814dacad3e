/**
 * A balance invoice is settled on the Stripe account it was made on (DOMAIN.md §7: a connected
 * practice is addressed with `Stripe-Account`; an object lives on one account). Found by the domain
 * audit of 2026-12-07, the same shape as bugs 38 and 39: a balance invoiced and paid on the
 * platform before the practice connected its own Stripe account was refunded (after a reversal
 * lowered the share) on the new connected account, where Stripe knows neither the invoice nor its
 * payment — the consumer failed on every retry and the client never got the money back.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { applyAdjudication } from '../../functions/core/remittances';
import { getStripe } from '../../functions/stripe/client';
import { getClaim } from '../../functions/store/claims';
import { connectTestAccount } from '../support/connect';
import { ledgerState } from '../support/fixtures';
import { adjudicated, claimReady, payClaimInvoice, store } from '../support/invoicing';
import { newAccount } from '../support/reliability';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

describe('a balance invoice made before the practice connected its Stripe account', () => {
  it('paid on the platform, then the practice connects, then a reversal and correction: the $10 is refunded on the platform, once', async () => {
    // Prepare: $34 invoiced and paid on the platform's account (no connected account yet).
    const { practiceId, clientId } = await claimReady();
    const details = adjudicated(practiceId);
    await invoiceClaimBalance(deps, details.original);
    await payClaimInvoice(practiceId);
    // The practice onboards: from now on its new payments go to its own account.
    await connectTestAccount(store, practiceId, newAccount());

    // Act: the payer reverses and corrects to $24 of patient responsibility.
    const claim = (await getClaim(store, practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, details.reversal, { remittanceId: null, emit: false }, new Date());
    const outcome = await invoiceClaimBalance(deps, details.correction).then(
      () => 'ok',
      (error: Error) => `${error.name}: ${error.message}`,
    );

    // Assess: refunded where the money was paid, on the platform.
    expect(outcome).toBe('ok');
    const refunds = (await (await getStripe()).refunds.list({ limit: 100 })).data.filter((refund) => refund.metadata?.practiceId === practiceId);
    expect(refunds.map((refund) => refund.amount)).toEqual([1000]);
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'overpayment_refund').map((entry) => entry.amountCents)).toEqual([1000]);
  });
});
