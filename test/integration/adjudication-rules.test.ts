/**
 * What an adjudication may bill (DOMAIN.md §4): a predetermination (CLP02 25) or "not our claim"
 * (23) decides no money; a ClaimAdjudicated from another claims system is checked like an 835
 * claim payment before anyone is invoiced. Also: the remittance list holds files, not their
 * quarantined claims; a practice id the Stripe PHI guard would refuse is refused when it is made.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AdjudicationRefusedError, applyAdjudication } from '../../functions/core/remittances';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { newAccount } from '../support/reliability';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { getClaim } from '../../functions/store/claims';
import { keys } from '../../functions/store/keys';
import { getItem } from '../../functions/store/items';
import { api, practiceProfile } from '../support/api';
import { ledgerState, outboxOf } from '../support/fixtures';
import { adjudicated, adjudicatedBySecondary, claimReady, store, stripeInvoicesFor } from '../support/invoicing';
import { newPracticeId } from '../support/store';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8');
const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const postEra = (practiceId: string, text: string) => api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: text, headers: { 'content-type': 'application/edi-x12' } });

describe('adjudications that decide no money, and adjudications from other systems', () => {
  it.each([
    ['25', 'predetermination'],
    ['23', 'not_our_claim'],
  ])('CLP02 %s (%s): recorded with the claim, nothing billed, the ledger untouched; the real adjudication then bills 34.00 USD', async (code, status) => {
    // Prepare: the worked example, first as a predetermination (or "not our claim").
    const { practiceId, clientId } = await claimReady();
    const priced = fixture('worked-example.835').replace('CLP*CLM-1001*1*', `CLP*CLM-1001*${code}*`);

    // Act: the ERA import, then what its ClaimAdjudicated makes the invoicer do (as the bus would).
    expect((await postEra(practiceId, priced)).body).toMatchObject({ matched: 1, quarantined: [] });
    const event = (await outboxOf(store, practiceId)).find((item) => item.detailType === 'ClaimAdjudicated')!;
    const planned = await invoiceClaimBalance(deps, event.detail as never);
    const afterPricing = { ledger: await ledgerState(store, practiceId, clientId), claim: await getClaim(store, practiceId, 'CLM-1001') };
    const view = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    // The payer then adjudicates the visit for payment; the stack's bus runs the invoicer on it.
    expect((await postEra(practiceId, fixture('worked-example.835'))).body).toMatchObject({ matched: 1 });
    for (let i = 0; i < 80 && (await stripeInvoicesFor(practiceId, clientId)).every((invoice) => invoice.status !== 'open'); i += 1) await new Promise((resolve) => setTimeout(resolve, 250));

    // Assess
    expect(event.detail).toMatchObject({ statusCode: code, status, patientResponsibilityCents: 3400 });
    expect(planned.actions).toEqual([]);
    expect({ entries: afterPricing.ledger.entries.length, balance: afterPricing.ledger.balanceCents }).toEqual({ entries: 0, balance: 0 });
    expect(afterPricing.claim).toMatchObject({ status: 'submitted', patientResponsibilityCents: 0, adjudicationCount: 1 });
    expect(view.body.adjudications.map((a: { status: string }) => a.status)).toEqual([status]);
    expect((await stripeInvoicesFor(practiceId, clientId)).map((invoice) => [invoice.status, invoice.amount_due])).toEqual([['open', 3400]]);
    expect((await ledgerState(store, practiceId, clientId)).balanceCents).toBe(3400);
  });

  it.each([
    ['a patient share the PR adjustments do not add up to', { patientResponsibilityCents: 9000 }, /patient: responsibility 9000 != PR adjustments 3400/],
    ['a paid amount the adjustments do not explain', { paidCents: 5000 }, /claim: charge 13000 - adjustments 7400 != paid 5000/],
    ['a status that is not its code', { status: 'denied' }, /status must be the name of statusCode/],
    ['amounts that are not cents', { chargeCents: 130.5 }, /chargeCents must be integer cents/],
    ['an adjustment group that does not exist', { claimAdjustments: [{ group: 'XX', reason: '45', amountCents: 0 }] }, /claimAdjustments\[0\]\.group/],
  ])('a ClaimAdjudicated from another system with %s is refused: nothing recorded, nothing invoiced', async (_name, over, reason) => {
    const { practiceId, clientId } = await claimReady();
    const detail = { ...adjudicated(practiceId).original, ...over };

    const outcome = await invoiceClaimBalance(deps, detail as never).then(
      () => 'applied',
      (error: Error) => error,
    );

    expect(outcome).toBeInstanceOf(AdjudicationRefusedError);
    expect((outcome as AdjudicationRefusedError).message).toMatch(reason);
    expect(await getItem(store, keys.marker(practiceId, 'adjudication', `CLM-1001|EFT123|1|PAYER-77`))).toBeUndefined();
    expect((await ledgerState(store, practiceId, clientId)).entries).toHaveLength(0);
    expect(await stripeInvoicesFor(practiceId, clientId)).toHaveLength(0);
    expect(await getClaim(store, practiceId, 'CLM-1001')).toMatchObject({ patientResponsibilityCents: 0 });
  });

  it('the remittance list holds the imported files only, not their quarantined claims', async () => {
    const { practiceId } = await claimReady();
    // A file for a claim this practice does not have (quarantined), and the worked example (applied).
    await postEra(practiceId, fixture('worked-example.835').replace(/CLM-1001/g, 'CLM-9999'));
    await postEra(practiceId, fixture('worked-example.835'));

    const listed = await api('GET', `/practices/${practiceId}/remittances`, { practiceId });

    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(2);
    expect(listed.body.items.every((item: Record<string, unknown>) => typeof item.remittanceId === 'string' && item.problems === undefined)).toBe(true);
  });

  it.each(['back-pain-relief', 'studio-90210', 'spa-B12', 'calm-massage-therapy'])(
    'a practice id the Stripe PHI guard would refuse (%s) is refused when the practice is made: 400 naming practiceId',
    async (name) => {
      const practiceId = `${name}-${newPracticeId().slice(-6).toLowerCase()}`;
      const answer = await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.field).toBe('practiceId');
      expect((await api('GET', `/practices/${practiceId}`, { practiceId })).status).toBe(404);
    },
  );

  // The audit of 2026-11-28: a refund larger than one invoice's payment was sent on the first paid
  // invoice only (capped at its payment) while the ledger recorded all of it.
  it('an overpayment larger than one paid invoice is refunded across the paid invoices, oldest first, and the ledger matches', async () => {
    // Prepare: $34 invoiced and paid, then a correction raises the share by $24, invoiced and paid.
    const account = newAccount();
    const { practiceId, clientId } = await claimReady({ practice: { stripeAccountId: account } });
    const details = adjudicated(practiceId);
    const pay = async (amountCents: number) => {
      const invoice = (await listClaimInvoices(store, practiceId, 'CLM-1001')).find((i) => i.amountDueCents === amountCents && i.status === 'open')!;
      const paid = await fetch(`${invoice.hostedInvoiceUrl}/pay`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'succeeded' }),
      });
      expect(paid.status).toBe(200);
      for (let i = 0; i < 80 && (await getInvoice(store, practiceId, invoice.invoiceId))?.status !== 'paid'; i += 1) await new Promise((resolve) => setTimeout(resolve, 250));
    };
    await invoiceClaimBalance(deps, details.original);
    await pay(3400);
    await invoiceClaimBalance(deps, details.correction);
    await pay(2400);
    // Both adjudications reversed (the payer takes the claim back): the share is 0, $58 was paid.
    const negate = (n: number) => -n;
    const reverseCorrection = {
      ...details.correction,
      remittance: { ...details.correction.remittance, traceNumber: 'EFT125' },
      statusCode: '22',
      status: 'reversal',
      chargeCents: negate(details.correction.chargeCents),
      paidCents: negate(details.correction.paidCents),
      patientResponsibilityCents: negate(details.correction.patientResponsibilityCents),
      lines: details.correction.lines.map((line) => ({
        ...line,
        chargeCents: -line.chargeCents,
        paidCents: -line.paidCents,
        allowedCents: line.allowedCents === null ? null : -line.allowedCents,
        adjustments: line.adjustments.map((a) => ({ ...a, amountCents: -a.amountCents })),
      })),
    } as typeof details.correction;
    const claim = (await getClaim(store, practiceId, 'CLM-1001'))!;
    await applyAdjudication(store, claim, details.reversal, { remittanceId: null, emit: false }, new Date());
    await applyAdjudication(store, claim, reverseCorrection, { remittanceId: null, emit: false }, new Date());

    // Act: one plan over both reversals.
    await invoiceClaimBalance(deps, details.reversal);
    await invoiceClaimBalance(deps, reverseCorrection);

    // Assess: $34 back on the first payment, $24 on the second; the ledger says $58 refunded, 0 owed.
    const refunds = (await (await getStripe()).refunds.list({ limit: 10 }, { stripeAccount: account })).data;
    const ledger = await ledgerState(store, practiceId, clientId);
    expect(refunds.map((refund) => refund.amount).sort()).toEqual([2400, 3400]);
    expect(new Set(refunds.map((refund) => refund.payment_intent)).size).toBe(2);
    expect(ledger.entries.filter((entry) => entry.kind.startsWith('overpayment')).map((entry) => [entry.kind, entry.amountCents])).toEqual([['overpayment_refund', 5800]]);
    expect(ledger.balanceCents).toBe(0);
  });

  it('a practice profile says whether its receipts make a complete HSA/FSA statement, and what is missing', async () => {
    const practiceId = newPracticeId();
    const bare = await api('PUT', `/practices/${practiceId}`, { practiceId, body: { name: 'Calm Hands', email: 'front@calm.example' } });
    const read = await api('GET', `/practices/${practiceId}`, { practiceId });
    const full = await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() });
    expect(bare.body.receiptStatement).toEqual({ complete: false, missing: ['address', 'phone', 'tax ID (EIN)', 'license number'] });
    expect(read.body.receiptStatement).toEqual(bare.body.receiptStatement);
    expect(full.body.receiptStatement).toEqual({ complete: true, missing: [] });
  });

  // The audit of 2026-11-28: a claim processed and forwarded (CLP02 19) was invoiced at once, and a
  // secondary payer's PR was added to the primary's, billing the patient for both.
  it.each([
    ['hold' as const, [[], ['open', 1000]]],
    ['invoice' as const, [[['open', 3400]], ['open', 1000]]],
  ])("forwarded to a secondary payer, practice setting %s: the patient owes the secondary's PR, never the sum", async (policy, [afterPrimary, final]) => {
    const { practiceId, clientId } = await claimReady({ practice: { billing: { forwardedClaims: policy } } });
    const primary = { ...adjudicated(practiceId).original, statusCode: '19', status: 'processed_primary_forwarded' };
    // The secondary: $24 of the $34 the primary left; OA-23 is the primary's payment (impact of prior payer).
    const secondary = adjudicatedBySecondary(practiceId);

    await invoiceClaimBalance(deps, primary as never);
    const first = (await stripeInvoicesFor(practiceId, clientId)).map((invoice) => [invoice.status, invoice.amount_due]);
    await invoiceClaimBalance(deps, secondary as never);
    const all = await stripeInvoicesFor(practiceId, clientId);

    expect(first).toEqual(afterPrimary);
    expect(all.filter((invoice) => invoice.status === 'open').map((invoice) => [invoice.status, invoice.amount_due])).toEqual([final]);
    // The ledger follows: $34 after the primary, then the secondary's payment and the move to its $10.
    const ledger = await ledgerState(store, practiceId, clientId);
    expect({ balance: ledger.balanceCents, sum: ledger.sumCents, cob: ledger.entries.filter((entry) => entry.kind === 'cob_adjustment').map((entry) => entry.amountCents) }).toEqual({
      balance: 1000,
      sum: 1000,
      cob: [],
    });
    expect(await getClaim(store, practiceId, 'CLM-1001')).toMatchObject({ patientResponsibilityCents: 1000 });
  });
});
