/**
 * Every invoice of one claim (`GET /practices/{p}/invoices?claimId=`): the claim's money history for
 * the claim page (docs/app.md), where the claim's own `invoice` names only the current one. Added by
 * the k2 audit of 2026-12-07.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { applyAdjudication } from '../../functions/core/remittances';
import { getStripe } from '../../functions/stripe/client';
import { getClaim } from '../../functions/store/claims';
import { api } from '../support/api';
import { adjudicated, claimReady, registeredClaimBody, store } from '../support/invoicing';
import { newPracticeId } from '../support/store';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

/**
 * The worked example's $34 invoiced, then the payer's reversal and correction to $24: the $34
 * voided, $24 invoiced. Beside it, another claim of the same client with its own $34 invoice.
 */
const replacedInvoice = async () => {
  const { practiceId, clientId } = await claimReady();
  const details = adjudicated(practiceId);
  await invoiceClaimBalance(deps, details.original);
  const claim = (await getClaim(store, practiceId, 'CLM-1001'))!;
  await applyAdjudication(store, claim, details.reversal, { remittanceId: null, emit: false }, new Date());
  await invoiceClaimBalance(deps, details.correction);
  expect((await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: registeredClaimBody('CLM-1002', clientId) })).status).toBe(201);
  await invoiceClaimBalance(deps, { ...details.original, claimId: 'CLM-1002', payerClaimControlNumber: 'PAYER-78' });
  return practiceId;
};

describe('GET /practices/{p}/invoices?claimId=: every invoice of a claim', () => {
  it('a $34 invoice a correction replaced by a $24 one: both, newest first, the claim invoice the newest; the same fields as the list', async () => {
    // Prepare
    const practiceId = await replacedInvoice();

    // Act
    const answer = await api('GET', `/practices/${practiceId}/invoices?claimId=CLM-1001`, { practiceId });
    const claim = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.nextCursor).toBeNull();
    expect(answer.body.items.map((invoice: { status: string; amountDueCents: number }) => [invoice.status, invoice.amountDueCents])).toEqual([
      ['open', 2400],
      ['void', 3400],
    ]);
    expect(answer.body.items[0]).toMatchObject({ claimId: 'CLM-1001', amountPaidCents: 0, amountRefundedCents: 0, amountWrittenOffCents: 0, amountDisputedCents: 0, dispute: null, currency: 'usd' });
    expect(claim.body.invoice.invoiceId).toBe(answer.body.items[0].invoiceId);
    const listed = await api('GET', `/practices/${practiceId}/invoices`, { practiceId });
    expect(Object.keys(answer.body.items[1]).sort()).toEqual(Object.keys(listed.body.items[0]).sort());
  });

  it("refusals: a claim the practice does not have → 404; with status or cursor → 400 naming it; another practice's claim is not found", async () => {
    // Prepare
    const practiceId = await replacedInvoice();
    const other = newPracticeId();
    await api('PUT', `/practices/${other}`, { practiceId: other, body: { name: 'Other Practice', email: 'front@other.example' } });

    // Act
    const unknown = await api('GET', `/practices/${practiceId}/invoices?claimId=CLM-NONE`, { practiceId });
    const withStatus = await api('GET', `/practices/${practiceId}/invoices?claimId=CLM-1001&status=open`, { practiceId });
    const withCursor = await api('GET', `/practices/${practiceId}/invoices?claimId=CLM-1001&cursor=abc`, { practiceId });
    const empty = await api('GET', `/practices/${practiceId}/invoices?claimId=`, { practiceId });
    const otherPractice = await api('GET', `/practices/${other}/invoices?claimId=CLM-1001`, { practiceId: other });

    // Assess
    expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).toEqual([404, 'not_found', 'claim not found']);
    expect([withStatus.status, withStatus.body.error.details.field]).toEqual([400, 'status']);
    expect([withCursor.status, withCursor.body.error.details.field]).toEqual([400, 'cursor']);
    expect([empty.status, empty.body.error.details.field]).toEqual([400, 'claimId']);
    expect(otherPractice.status).toBe(404);
  });
});
