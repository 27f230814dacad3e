import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../functions/store/table';
import { outboxOf } from '../support/fixtures';
import { api, practiceProfile, workedExampleClaim } from '../support/api';
import { newPracticeId } from '../support/store';
import { eventually } from '../support/eventually';
import { manyPaymentsEra } from '../fixtures/era/many-payments';
import { WORKED_EXAMPLE_ADJUDICATED_LINES } from '../fixtures/claims/worked-example';

const store = createStore();
const fixture = (name: string) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8');

const practiceWithClaim = async (claimId = 'CLM-1001', over: Record<string, unknown> = {}) => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'jane@client.example', name: 'Jane Doe' } });
  expect(client.status).toBe(201);
  const claim = await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: { ...workedExampleClaim(client.body.clientId, claimId), ...over } });
  return { practiceId, clientId: client.body.clientId as string, claim };
};

const postEra = (practiceId: string, text: string, type = 'application/edi-x12') => api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: text, headers: { 'content-type': type } });

describe('claims and ERA import over the local API', () => {
  // Regression (found by a helper while fixing the 8-minute rule, 2026-11-28): the stored claim's
  // lines came back from DynamoDB with their keys in another order, so the same claim sent again
  // was compared as different and answered 409 instead of 200.
  it('the same claim sent again → 200 with the stored claim; other content under its id → 409 claim_exists', async () => {
    const { practiceId, clientId, claim } = await practiceWithClaim();
    const body = workedExampleClaim(clientId);
    const again = await api('POST', `/practices/${practiceId}/claims`, { practiceId, body });
    const other = await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: { ...body, dateOfService: '2026-10-03' } });
    expect(claim.status).toBe(201);
    expect([again.status, again.body.claimId, again.body.lines.map((line: { units: number }) => line.units)]).toEqual([200, 'CLM-1001', claim.body.lines.map((line: { units: number }) => line.units)]);
    expect([other.status, other.body.error.code]).toEqual([409, 'claim_exists']);
  });

  it('a claim gets its units from minutes by the CMS method', async () => {
    const { claim } = await practiceWithClaim();
    expect(claim.status).toBe(201);
    // 30 + 25 = 55 minutes → 4 units: 2 + 1 full, the leftover unit to 97140 (10 leftover minutes vs 0).
    expect(claim.body.lines.map((line: { units: number }) => line.units)).toEqual([2, 2]);
    expect(claim.body).toMatchObject({ claimId: 'CLM-1001', chargeCents: 13000, status: 'submitted', patientResponsibilityCents: 0 });
  });

  it('the worked example is applied once, emits ClaimAdjudicated, and the same file again changes nothing', async () => {
    // Prepare
    const { practiceId } = await practiceWithClaim();

    // Act
    const first = await postEra(practiceId, fixture('worked-example.835'));
    const again = await postEra(practiceId, fixture('worked-example.835'));
    const claim = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });

    // Assess
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ remittanceId: expect.any(String), traceNumber: 'EFT123', claims: 1, matched: 1, quarantined: [] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(claim.body).toMatchObject({ claimId: 'CLM-1001', status: 'processed_primary', patientResponsibilityCents: 3400, collectedCents: 0 });
    expect(claim.body.adjudications).toHaveLength(1);
    const events = (await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ClaimAdjudicated');
    expect(events).toHaveLength(1);
    // The bus delivers ClaimAdjudicated to the balance invoicer: the $34 is invoiced by itself.
    const invoiced = await eventually(
      'the balance invoice on the claim',
      async () => {
        const view = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
        return view.body.invoice?.hostedInvoiceUrl ? view.body : undefined;
      },
      20_000,
    );
    expect(invoiced).toMatchObject({ invoicedCents: 3400, invoice: { status: 'open', amountDueCents: 3400 } });
    expect(events[0]!.detail).toEqual({
      version: 1,
      practiceId,
      claimId: 'CLM-1001',
      remittance: { traceNumber: 'EFT123', payerId: '1512345678', paidAt: '2026-10-20' },
      payerClaimControlNumber: 'PAYER-77',
      statusCode: '1',
      status: 'processed_primary',
      chargeCents: 13000,
      paidCents: 5600,
      patientResponsibilityCents: 3400,
      claimAdjustments: [],
      lines: WORKED_EXAMPLE_ADJUDICATED_LINES,
    });
  });

  it('a reversal and its correction net to the corrected patient share', async () => {
    const { practiceId } = await practiceWithClaim();
    await postEra(practiceId, fixture('worked-example.835'));
    const answer = await postEra(practiceId, fixture('reversal-correction.835'));
    const claim = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    expect(answer.body).toMatchObject({ claims: 2, matched: 2, quarantined: [] });
    // 3400 (original) − 3400 (reversal) + 2400 (correction)
    expect(claim.body.patientResponsibilityCents).toBe(2400);
    expect(claim.body.adjudications.map((a: { statusCode: string }) => a.statusCode).sort()).toEqual(['1', '1', '22']);
  });

  it('unmatched and unbalanced claims are quarantined with reasons and emit nothing', async () => {
    // Prepare: CLM-1001 does not exist in this practice; then an unbalanced copy for one that does.
    const { practiceId } = await practiceWithClaim('CLM-2002');
    const unbalanced = fixture('worked-example.835').replace('CLM-1001', 'CLM-2002').replace('CAS*PR*2*14~', 'CAS*PR*2*15~');

    // Act
    const unmatched = await postEra(practiceId, fixture('worked-example.835'));
    const bad = await postEra(practiceId, unbalanced);
    const stored = await api('GET', `/practices/${practiceId}/remittances/${bad.body.remittanceId}`, { practiceId });

    // Assess
    expect(unmatched.body).toMatchObject({ claims: 1, matched: 0, quarantined: [{ patientControlNumber: 'CLM-1001', problems: ['no claim CLM-1001 in this practice'] }] });
    expect(bad.body.matched).toBe(0);
    expect(bad.body.quarantined[0].patientControlNumber).toBe('CLM-2002');
    expect(bad.body.quarantined[0].problems.join(' ')).toMatch(/line 1/);
    expect(stored.body.quarantined).toEqual(bad.body.quarantined);
    expect((await outboxOf(store, practiceId)).filter((item) => item.detailType === 'ClaimAdjudicated')).toHaveLength(0);
  });

  it('a file with several payments lists each one (its trace number, BPR02, Σ CLP04 and every PLB) on the remittance, not the first only', async () => {
    const { practiceId } = await practiceWithClaim('CLM-1001');
    // Two interchanges, each one payment: EFT300 with two PLB adjustments, EFT301 that does not balance.
    const first = fixture('plb.835').trim();
    const second = first
      .replaceAll('000000005', '000000006')
      .replace('*5*X*', '*6*X*')
      .replace('GE*1*5~', 'GE*1*6~')
      .replace('TRN*1*EFT300', 'TRN*1*EFT301')
      .replace('BPR*I*86*', 'BPR*I*80*')
      .replaceAll('CLM-300', 'CLM-400');
    const posted = await postEra(practiceId, `${first}\n${second}`);
    expect([posted.status, posted.body.traceNumber, posted.body.claims]).toEqual([202, 'EFT300', 4]);
    const stored = await api('GET', `/practices/${practiceId}/remittances/${posted.body.remittanceId}`, { practiceId });
    const payment = { payerId: 'ACME01', payerName: 'ACME HEALTH', paidAt: '2026-12-01', claims: 2, claimsPaidCents: 9600, providerAdjustmentCents: 1000 };
    const plb = [
      { providerId: '1234567893', fiscalPeriodDate: '2026-12-31', reason: 'WO', reference: 'CLM-0999', amountCents: 1250 },
      { providerId: '1234567893', fiscalPeriodDate: '2026-12-31', reason: 'L6', reference: 'CLM-3001', amountCents: -250 },
    ];
    expect(stored.body.payments).toEqual([
      { traceNumber: 'EFT300', paymentCents: 8600, ...payment, providerAdjustments: plb, problems: [] },
      {
        traceNumber: 'EFT301',
        paymentCents: 8000,
        ...payment,
        providerAdjustments: [plb[0], { ...plb[1], reference: 'CLM-4001' }],
        problems: ['file: payment 8000 != claims paid 9600 - provider adjustments 1000'],
      },
    ]);
    expect([stored.body.paymentCents, stored.body.providerAdjustmentCents]).toEqual([16600, 2000]);
    // The list is summaries (docs/api.md): the payments are on the remittance only.
    const listed = await api('GET', `/practices/${practiceId}/remittances`, { practiceId });
    expect(listed.body.items[0]).toMatchObject({ remittanceId: posted.body.remittanceId, traceNumber: 'EFT300', paymentCents: 16600, providerAdjustmentCents: 2000 });
    expect(listed.body.items[0].payments).toBeUndefined();
  });

  it('the remittance list carries summaries (counts, totals, quarantined count), not the ~200 KB of payments a file can keep: those are on GET …/remittances/{id}', async () => {
    // Prepare: a pathological file (150 payments of one unknown claim and 18 PLB adjustments each:
    // the record keeps ~200 KB of payments) and the worked example, applied.
    const { practiceId } = await practiceWithClaim('CLM-1001');
    const heavy = manyPaymentsEra(150);
    const posted = await postEra(practiceId, heavy);
    const applied = await postEra(practiceId, fixture('worked-example.835'));
    expect([posted.status, posted.body.claims, posted.body.quarantined.length, applied.status, applied.body.matched]).toEqual([202, 150, 150, 202, 1]);

    // Act: every page of the list (a page reads at most 50 items, and at most 1 MB of them; the
    // file's 150 quarantined claims are under REMQ#<id>#n, not among them: remittance-list.test.ts).
    const pages: { items: { remittanceId: string }[]; nextCursor?: string | null }[] = [];
    let cursor: string | undefined;
    do {
      const page = await api('GET', `/practices/${practiceId}/remittances${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, { practiceId });
      expect(page.status, page.text).toBe(200);
      pages.push(page.body);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    const stored = await api('GET', `/practices/${practiceId}/remittances/${posted.body.remittanceId}`, { practiceId });

    // Assess: the remittance itself keeps its payments (the first ~200 KB of them)…
    expect(JSON.stringify(stored.body.payments).length).toBeGreaterThan(150_000);
    expect(stored.body.payments.length + stored.body.paymentsOmitted).toBe(150);
    // …the list item is a summary of a few hundred bytes, with what the list and Today show.
    const byId = new Map(pages.flatMap((page) => page.items).map((item) => [item.remittanceId, item]));
    expect(byId.get(posted.body.remittanceId)).toEqual({
      remittanceId: posted.body.remittanceId,
      traceNumber: 'EFT90000',
      claims: 150,
      matched: 0,
      quarantinedCount: 150,
      paymentCents: 750_000,
      providerAdjustmentCents: 0,
      paidAt: '2026-12-01',
      receivedAt: stored.body.receivedAt,
    });
    expect(byId.get(applied.body.remittanceId)).toMatchObject({ claims: 1, matched: 1, quarantinedCount: 0 });
    expect(byId.size).toBe(2);
    for (const page of pages) {
      for (const item of page.items) expect(JSON.stringify(item).length).toBeLessThan(400);
      expect(JSON.stringify(page).length).toBeLessThan(1_000);
    }
  });

  it('a file the parser rejects gets 400 naming the segment and field, and applies nothing', async () => {
    const { practiceId } = await practiceWithClaim();
    const broken = fixture('worked-example.835').replace('CLP*CLM-1001*1*130*56*', 'CLP*CLM-1001*1*130*5x6*');
    const answer = await postEra(practiceId, broken);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/segment 14 \(CLP\): CLP04/);
    expect(answer.body.error.details).toMatchObject({ segmentNumber: 14, field: 'CLP04' });
    const claim = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
    expect(claim.body.adjudications).toEqual([]);
  });

  it('refuses another media type (415) and an oversized file (413) with guidance', async () => {
    const { practiceId } = await practiceWithClaim();
    const json = await postEra(practiceId, fixture('worked-example.835'), 'application/json');
    const huge = await postEra(practiceId, 'ISA' + 'x'.repeat(4 * 1024 * 1024 + 10), 'text/plain');
    expect(json.status).toBe(415);
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toMatch(/Split it/);
  });

  it('8-minute rule edges: a line earning 0 units is kept unbilled, a repeated code counts once, minutes + units is refused', async () => {
    const { practiceId, clientId } = await practiceWithClaim();
    const post = (claimId: string, lines: Record<string, unknown>[]) =>
      api('POST', `/practices/${practiceId}/claims`, { practiceId, body: { claimId, clientId, dateOfService: '2026-10-02', diagnosisCodes: ['M54.2'], lines } });
    const unitsOf = (response: { body: { lines: { units: number }[] } }) => response.body.lines.map((line) => line.units);

    // 7 + 7 = 14 minutes = 1 unit, to 97110 (entered first); 97140 stays on the claim with 0 units and no charge.
    const sevenAndSeven = [
      { procedureCode: '97110', minutes: 7, chargeCents: 3500 },
      { procedureCode: '97140', minutes: 7, chargeCents: 0 },
    ];
    const created = await post('C-7-7', sevenAndSeven);
    expect(created.status).toBe(201);
    expect(created.body.lines).toEqual([
      { procedureCode: '97110', modifiers: [], minutes: 7, units: 1, chargeCents: 3500 },
      { procedureCode: '97140', modifiers: [], minutes: 7, units: 0, chargeCents: 0 },
    ]);
    expect(created.body.chargeCents).toBe(3500);
    expect(unitsOf(await api('GET', `/practices/${practiceId}/claims/C-7-7`, { practiceId }))).toEqual([1, 0]);

    // A charge on the line that earns nothing would bill for no unit: 400 naming it.
    const charged = await post('C-7-7-charged', [sevenAndSeven[0]!, { ...sevenAndSeven[1]!, chargeCents: 3500 }]);
    expect(charged.status).toBe(400);
    expect(charged.body.error.details.field).toBe('lines[1].chargeCents');
    expect(charged.body.error.message).toMatch(/chargeCents must be 0/);

    // 97110 9 + 9 is 18 minutes of one code: 34 minutes = 2 units → 97110 × 1, 97140 × 1, 97112 × 0.
    const repeated = await post('C-repeat', [
      { procedureCode: '97110', minutes: 9, chargeCents: 3500 },
      { procedureCode: '97110', modifiers: ['59'], minutes: 9, chargeCents: 0 },
      { procedureCode: '97140', minutes: 8, chargeCents: 3500 },
      { procedureCode: '97112', minutes: 8, chargeCents: 0 },
    ]);
    expect(repeated.status).toBe(201);
    expect(unitsOf(repeated)).toEqual([1, 0, 1, 0]);

    // Minutes and units on one timed line would keep those minutes out of the day total.
    const both = await post('C-both', [
      { procedureCode: '97110', minutes: 10, units: 1, chargeCents: 3500 },
      { procedureCode: '97140', minutes: 10, chargeCents: 3500 },
    ]);
    expect(both.status).toBe(400);
    expect(both.body.error.details.field).toBe('lines[0].units');
  });

  it('claim validation names the field', async () => {
    const { practiceId, clientId } = await practiceWithClaim();
    const bad = await api('POST', `/practices/${practiceId}/claims`, {
      practiceId,
      body: { claimId: 'C2', clientId, dateOfService: '2026-02-30', diagnosisCodes: ['M54.2'], lines: [{ procedureCode: '97124', minutes: 30, chargeCents: 100 }] },
    });
    const tooShort = await api('POST', `/practices/${practiceId}/claims`, {
      practiceId,
      body: { claimId: 'C3', clientId, dateOfService: '2026-02-03', diagnosisCodes: ['M54.2'], lines: [{ procedureCode: '97124', minutes: 7, chargeCents: 100 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('dateOfService');
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.error.details.field).toBe('lines[0].minutes');
  });
});
