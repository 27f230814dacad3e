import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../functions/store/client';
import { outboxOf } from '../support/fixtures';
import { api, practiceProfile } from '../support/api';
import { newPracticeId } from '../support/store';

const store = createStore();
const fixture = (name: string) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8');

const practiceWithClaim = async (claimId = 'CLM-1001', over: Record<string, unknown> = {}) => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'jane@client.example', name: 'Jane Doe' } });
  expect(client.status).toBe(201);
  const claim = await api('POST', `/practices/${practiceId}/claims`, {
    practiceId,
    body: {
      claimId, clientId: client.body.clientId, payerName: 'ACME HEALTH', dateOfService: '2026-10-02', placeOfService: '11', diagnosisCodes: ['M54.2'],
      lines: [{ procedureCode: '97124', modifiers: ['GP'], minutes: 30, chargeCents: 6000 }, { procedureCode: '97140', minutes: 25, chargeCents: 7000 }],
      ...over,
    },
  });
  return { practiceId, clientId: client.body.clientId as string, claim };
};

const waitFor = async <T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

const postEra = (practiceId: string, text: string, type = 'application/edi-x12') =>
  api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: text, headers: { 'content-type': type } });

describe('claims and ERA import over the local API', () => {
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
    const invoiced = await waitFor(async () => {
      const view = await api('GET', `/practices/${practiceId}/claims/CLM-1001`, { practiceId });
      return view.body.invoice?.hostedInvoiceUrl ? view.body : undefined;
    });
    expect(invoiced).toMatchObject({ invoicedCents: 3400, invoice: { status: 'open', amountDueCents: 3400 } });
    expect(events[0]!.detail).toEqual({
      version: 1, practiceId, claimId: 'CLM-1001', remittance: { traceNumber: 'EFT123', payerId: '1512345678', paidAt: '2026-10-20' },
      payerClaimControlNumber: 'PAYER-77', statusCode: '1', status: 'processed_primary', chargeCents: 13000, paidCents: 5600, patientResponsibilityCents: 3400,
      claimAdjustments: [],
      lines: [
        { procedureCode: '97124', units: 2, chargeCents: 6000, paidCents: 2600, allowedCents: 4000, adjustments: [{ group: 'CO', reason: '45', amountCents: 2000 }, { group: 'PR', reason: '2', amountCents: 1400 }] },
        { procedureCode: '97140', units: 2, chargeCents: 7000, paidCents: 3000, allowedCents: 5000, adjustments: [{ group: 'CO', reason: '45', amountCents: 2000 }, { group: 'PR', reason: '1', amountCents: 2000 }] },
      ],
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
