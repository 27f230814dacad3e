/**
 * Secondary claims out over the local API (DynamoDB Local): coverage with a secondary plan →
 * primary claim → batch → 999 → the primary's 835 (CLP02 1) → the secondary claim → its batch,
 * whose 837P carries the primary's adjudication in 2320/2330A/2330B and 2430 (DOMAIN.md §4's
 * worked example: paid $56, CO-45 $40, PR-1 $20, PR-2 $14) → the secondary payer's 835 comes back
 * to the visit's claim (CLM01 = the primary's id), where the existing coordination of benefits
 * decides what the patient owes.
 */
import { readFileSync } from 'node:fs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, inject, it } from 'vitest';
import { mintLocalToken } from '../../local/auth';
import { listClaimInvoices } from '../../functions/store/invoices';
import { api, practiceProfile } from '../support/api';
import { eventually } from '../support/eventually';
import { store } from '../support/invoicing';
import { newPracticeId } from '../support/store';
import { check837P } from '../support/x12-837p-structure';
import { ack277, ack999, ack999Rejecting } from '../fixtures/claims/acks';
import { RENDERING_THERAPIST, workedExampleClaimBody } from '../fixtures/claims/worked-example';

const era = (name: string) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8');

const address = { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' };
const patient = { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address };
const rendering = RENDERING_THERAPIST;
const secondary = { payerId: 'BEACON2', memberId: 'BCN-555', groupNumber: 'BG-9', relationship: 'self' };

/** A practice with two saved payers and one client whose coverage has a primary and a secondary plan (`billing`: the practice's settings). */
const twoPlanPractice = async (billing?: Record<string, unknown>) => {
  const practiceId = newPracticeId();
  await api('PUT', `/practices/${practiceId}`, {
    practiceId,
    body: practiceProfile({ taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' }, ...(billing ? { billing } : {}) }),
  });
  for (const [payerId, name] of [
    ['ACME1', 'Acme Health'],
    ['BEACON2', 'Beacon Mutual'],
  ]) {
    expect((await api('PUT', `/practices/${practiceId}/payers/${payerId}`, { practiceId, body: { name, payerId } })).status).toBe(200);
  }
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `jane-${practiceId.slice(-6)}@client.example`, name: 'Jane Doe' } });
  const clientId = client.body.clientId as string;
  const coverage = await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, {
    practiceId,
    body: { payerId: 'ACME1', memberId: 'XYZ123456789', groupNumber: 'GRP-77', relationship: 'self', patient, secondary },
  });
  expect(coverage.status).toBe(200);
  return { practiceId, clientId };
};

const primaryClaim = (claimId: string, clientId: string) => workedExampleClaimBody(claimId, clientId);

const postClaim = (practiceId: string, body: Record<string, unknown>) => api('POST', `/practices/${practiceId}/claims`, { practiceId, body });
const postBatch = (practiceId: string, body: Record<string, unknown> = {}) => api('POST', `/practices/${practiceId}/claim-batches`, { practiceId, body });
const postX12 = (practiceId: string, route: string, text: string) => api('POST', `/practices/${practiceId}/${route}`, { practiceId, raw: text, headers: { 'content-type': 'application/edi-x12' } });
const getClaim = (practiceId: string, claimId: string) => api('GET', `/practices/${practiceId}/claims/${claimId}`, { practiceId });

/** The primary claim submitted, accepted by a 999 and adjudicated by the worked example's 835 (CLP02 1, or `status`). */
const adjudicatedPrimary = async (practiceId: string, clientId: string, claimId = 'CLM-1001', status = '1') => {
  expect((await postClaim(practiceId, primaryClaim(claimId, clientId))).body.state).toBe('ready');
  const batch = await postBatch(practiceId, { claimIds: [claimId] });
  await postX12(practiceId, 'acknowledgements', ack999(String(Number(batch.body.interchangeControlNumber)), 'A'));
  const text = era('worked-example.835').replaceAll('CLM-1001', claimId).replace(`CLP*${claimId}*1*`, `CLP*${claimId}*${status}*`);
  expect((await postX12(practiceId, 'remittances', text)).body).toMatchObject({ matched: 1, quarantined: [] });
};

/**
 * The secondary payer's 835 for the visit: CLP01 the primary claim's id (CLM01 of the secondary
 * 837P), CLP02 2 processed as secondary, paid $30; OA-23 (impact of prior payer) $56, CO-45 $40,
 * and PR-2 $4 left to the patient.
 */
const secondaryEra = (claimId: string) => {
  const body = [
    'ST*835*0001*005010X221A1',
    'BPR*I*30*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01*999988880*DA*98765*20261105',
    'TRN*1*EFT777*1999999999',
    'N1*PR*BEACON MUTUAL*XV*BEACON2',
    'N1*PE*CALM HANDS MASSAGE*XX*1234567893',
    'LX*1',
    `CLP*${claimId}*2*130*30*4*12*BEACON-9`,
    'SVC*HC:97124*60*14**2',
    'DTM*472*20261002',
    'CAS*OA*23*26',
    'CAS*CO*45*20',
    'SVC*HC:97140*70*16**2',
    'DTM*472*20261002',
    'CAS*OA*23*30',
    'CAS*CO*45*20',
    'CAS*PR*2*4',
  ];
  const segments = [
    'ISA*00*          *00*          *ZZ*BEACON         *ZZ*KNEADPAY       *261105*1200*^*00501*000000077*0*P*:',
    'GS*HP*BEACON*KNEADPAY*20261105*1200*77*X*005010X221A1',
    ...body,
    `SE*${body.length + 1}*0001`,
    'GE*1*77',
    'IEA*1*000000077',
  ];
  return segments.map((s) => `${s}~\n`).join('');
};

describe('secondary claims out (coordination of benefits) over the local API', () => {
  it('primary adjudicated as primary (CLP02 1) → secondary claim → its 837P carries 2320/2330A/2330B and 2430 with the worked example’s amounts; the secondary payer’s 835 decides the patient’s share', async () => {
    // Prepare: the coverage keeps its secondary plan. The practice bills the primary's PR at once
    // (`billing.secondaryClaims` "invoice"; by default the balance waits for the secondary payer:
    // balance-holds.test.ts), so the secondary's 835 is seen correcting an invoice.
    const { practiceId, clientId } = await twoPlanPractice({ secondaryClaims: 'invoice' });
    const coverage = await api('GET', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId });
    expect(coverage.body.secondary).toEqual({ ...secondary, subscriber: null });
    await postClaim(practiceId, primaryClaim('CLM-1001', clientId));
    const early = await postClaim(practiceId, { claimId: 'CLM-1001S', secondaryOf: 'CLM-1001' });
    expect([early.status, early.body.error.code, early.body.error.details.field]).toEqual([409, 'primary_not_adjudicated', 'secondaryOf']);
    const batch = await postBatch(practiceId, { claimIds: ['CLM-1001'] });
    await postX12(practiceId, 'acknowledgements', ack999(String(Number(batch.body.interchangeControlNumber)), 'A'));
    expect((await postX12(practiceId, 'remittances', era('worked-example.835'))).body).toMatchObject({ matched: 1, quarantined: [] });
    // The primary's 835 invoices the patient's share as today ($34); the secondary payer has not decided yet.
    await eventually('the primary share invoiced', async () => {
      const invoices = await listClaimInvoices(store, practiceId, 'CLM-1001');
      return invoices.some((i) => i.amountDueCents === 3400) ? invoices : undefined;
    });

    // Act: the secondary claim, then its batch.
    const created = await postClaim(practiceId, { claimId: 'CLM-1001S', secondaryOf: 'CLM-1001' });
    const again = await postClaim(practiceId, { claimId: 'CLM-1001S', secondaryOf: 'CLM-1001' });
    const second = await postBatch(practiceId, { claimIds: ['CLM-1001S'] });
    const file = await api('GET', `/practices/${practiceId}/claim-batches/${second.body.batchId}`, { practiceId, headers: { accept: 'application/edi-x12' } });

    // Assess: the claim copies the primary's visit, goes to the secondary payer, is ready.
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ claimId: 'CLM-1001S', secondaryOf: 'CLM-1001', payerId: 'BEACON2', state: 'ready', chargeCents: 13000, diagnosisCodes: ['M54.2'] });
    expect(created.body.lines.map((l: { procedureCode: string; units: number }) => [l.procedureCode, l.units])).toEqual([
      ['97124', 2],
      ['97140', 2],
    ]);
    expect([again.status, again.body.claimId]).toEqual([200, 'CLM-1001S']);
    expect((await getClaim(practiceId, 'CLM-1001')).body.secondaryClaimId).toBe('CLM-1001S');
    expect([second.status, second.body.claims, second.body.refused]).toEqual([201, ['CLM-1001S'], []]);
    const report = check837P(file.text);
    expect(report.problems).toEqual([]);
    expect(report.loops.map((l) => l.loop)).toEqual(expect.arrayContaining(['2320', '2330A', '2330B', '2430']));
    const s = file.text.split('~\n');
    const from = s.indexOf('SBR*S*18*BG-9******CI');
    expect(s.slice(from, from + 2)).toEqual(['SBR*S*18*BG-9******CI', 'NM1*IL*1*DOE*JANE****MI*BCN-555']);
    expect(s).toContain('NM1*PR*2*BEACON MUTUAL*****PI*BEACON2');
    expect(s).toContain('CLM*CLM-1001*130***11:B:1*Y*A*Y*Y');
    const cob = s.slice(s.indexOf('SBR*P*18*GRP-77******CI'));
    expect(cob.slice(0, 7)).toEqual([
      'SBR*P*18*GRP-77******CI',
      'AMT*D*56',
      'OI***Y***Y',
      'NM1*IL*1*DOE*JANE****MI*XYZ123456789',
      'N3*22 ELM ST',
      'N4*PORTLAND*OR*97202',
      'NM1*PR*2*ACME HEALTH*****PI*ACME1',
    ]);
    expect(s.filter((x) => /^(SVD|CAS|DTP\*573)/.test(x))).toEqual([
      'SVD*ACME1*26*HC:97124:GP**2',
      'CAS*CO*45*20',
      'CAS*PR*2*14',
      'DTP*573*D8*20261020',
      'SVD*ACME1*30*HC:97140**2',
      'CAS*CO*45*20',
      'CAS*PR*1*20',
      'DTP*573*D8*20261020',
    ]);

    // Its CMS-1500: 9/9a/9d the primary plan, 11d YES, 29 what the primary paid (no copay at the visit).
    const form = await fetch(`${inject('apiUrl')}/practices/${practiceId}/claims/CLM-1001S/cms1500`, {
      headers: { authorization: `Bearer ${await mintLocalToken(practiceId, { dir: inject('dataDir') })}` },
    });
    expect([form.status, form.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    const pdf = await getDocument({ data: new Uint8Array(await form.arrayBuffer()), verbosity: 0 }).promise;
    const text = (await (await pdf.getPage(1)).getTextContent()).items
      .map((item) => ('str' in item ? item.str : ''))
      .join(' ')
      .replace(/\s+/g, ' ');
    await pdf.destroy();
    for (const expected of ['BCN-555', 'BEACON MUTUAL', 'ACME HEALTH', 'GRP77', 'YES', '56.00', '130.00']) expect(text).toContain(expected);

    // The clearinghouse's 277CA names CLM01 (the primary's id): it is about the secondary claim now.
    const ack = await postX12(practiceId, 'acknowledgements', ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20' }], { batch: second.body.batchId }));
    expect(ack.body.accepted).toEqual(['CLM-1001S']);
    expect([(await getClaim(practiceId, 'CLM-1001S')).body.state, (await getClaim(practiceId, 'CLM-1001')).body.state]).toEqual(['accepted', 'adjudicated']);

    // The secondary payer's 835 (CLP01 = CLM-1001, CLP02 2) is applied to the visit's claim: its
    // PR ($4) replaces the primary's ($34), so the open $34 invoice gives way to $4 (as for any
    // claim two payers adjudicate; the patient-share rules are unchanged).
    expect((await postX12(practiceId, 'remittances', secondaryEra('CLM-1001'))).body).toMatchObject({ matched: 1, quarantined: [] });
    const view = await getClaim(practiceId, 'CLM-1001');
    expect(view.body.adjudications.map((a: { status: string; paidCents: number }) => [a.status, a.paidCents])).toEqual([
      ['processed_primary', 5600],
      ['processed_secondary', 3000],
    ]);
    // The secondary claim is decided too (its payer's 835 adjudicated it), so it no longer waits;
    // its form still prints from the primary's adjudication (not the secondary's, applied beside it).
    expect((await getClaim(practiceId, 'CLM-1001S')).body).toMatchObject({ state: 'adjudicated', status: 'processed_secondary', adjudications: [] });
    const reprint = await fetch(`${inject('apiUrl')}/practices/${practiceId}/claims/CLM-1001S/cms1500`, {
      headers: { authorization: `Bearer ${await mintLocalToken(practiceId, { dir: inject('dataDir') })}` },
    });
    expect(reprint.status).toBe(200);
    const billed = await eventually(
      'the share re-planned after the secondary 835',
      async () => {
        const invoices = await listClaimInvoices(store, practiceId, 'CLM-1001');
        const collecting = invoices.filter((i) => !i.voidRequested && i.status !== 'void').map((i) => i.amountDueCents);
        return collecting.length === 1 && collecting[0] === 400 ? collecting : undefined;
      },
      30_000,
    );
    expect(billed).toEqual([400]);
  });

  it("the primary's reversal and correction in one 835 file: kept in file order, so the secondary claim carries the correction (CLP02 1, $66), whatever order their ids sort in", async () => {
    // Prepare: the worked example adjudicated ($56 paid), then the payer's file that reverses it and
    // corrects it to $66 (DOMAIN.md §4: "the corrected claim usually follows in the same file").
    // Every claim of one file is applied at the same instant, so only the file's order tells the
    // reversal from the correction that follows it (bug 149: they were ordered by their ids).
    const { practiceId, clientId } = await twoPlanPractice({ secondaryClaims: 'invoice' });
    await adjudicatedPrimary(practiceId, clientId);
    expect((await postX12(practiceId, 'remittances', era('reversal-correction.835'))).body).toMatchObject({ matched: 2, quarantined: [] });

    // Act: the secondary claim, then its batch.
    const created = await postClaim(practiceId, { claimId: 'CLM-1001S', secondaryOf: 'CLM-1001' });
    const batch = await postBatch(practiceId, { claimIds: ['CLM-1001S'] });
    const file = await api('GET', `/practices/${practiceId}/claim-batches/${batch.body.batchId}`, { practiceId, headers: { accept: 'application/edi-x12' } });

    // Assess: original, reversal, correction in the order the payer sent them; the secondary claim
    // is ready and reports the corrected payment in 2320.
    expect([created.status, created.body.state, created.body.problems ?? []]).toEqual([201, 'ready', []]);
    expect(file.text.split('~\n')).toContain('AMT*D*66');
    const view = await getClaim(practiceId, 'CLM-1001');
    expect(view.body.adjudications.map((a: { statusCode: string; paidCents: number; payerClaimControlNumber: string }) => [a.statusCode, a.paidCents, a.payerClaimControlNumber])).toEqual([
      ['1', 5600, 'PAYER-77'],
      ['22', -5600, 'PAYER-77'],
      ['1', 6600, 'PAYER-78'],
    ]);
  });

  it('refusals name the field: copied fields, another payer, another client, a second secondary, no secondary plan, a forwarded primary; another practice’s claim is 404', async () => {
    const { practiceId, clientId } = await twoPlanPractice();
    await adjudicatedPrimary(practiceId, clientId);
    const refuse = async (body: Record<string, unknown>) => {
      const answer = await postClaim(practiceId, { claimId: 'CLM-1001S', secondaryOf: 'CLM-1001', ...body });
      return [answer.status, answer.body.error?.code, answer.body.error?.details?.field];
    };

    // Fields a secondary claim copies from its primary.
    expect(await refuse({ lines: [{ procedureCode: '97124', units: 1, chargeCents: 3000 }] })).toEqual([400, 'validation_error', 'lines']);
    expect(await refuse({ diagnosisCodes: ['M54.6'] })).toEqual([400, 'validation_error', 'diagnosisCodes']);
    expect(await refuse({ renderingProvider: rendering })).toEqual([400, 'validation_error', 'renderingProvider']);
    expect(await refuse({ dateOfService: '2026-10-03' })).toEqual([400, 'validation_error', 'dateOfService']);
    // The payer is the secondary plan's, the client the primary's.
    expect(await refuse({ payerId: 'ACME1' })).toEqual([400, 'validation_error', 'payerId']);
    expect(await refuse({ clientId: 'cl_someone_else' })).toEqual([400, 'validation_error', 'clientId']);
    expect(await refuse({ secondaryOf: 'CLM-1001S' })).toEqual([400, 'validation_error', 'secondaryOf']);
    // Hostile values: a 400 naming the field, never a 500.
    for (const secondaryOf of [42, {}, ['CLM-1001'], 'x'.repeat(39), 'CLM 1001', '\ud800']) {
      const answer = await postClaim(practiceId, { claimId: 'CLM-1001S', secondaryOf });
      expect([secondaryOf, answer.status, answer.body.error.details.field]).toEqual([secondaryOf, 400, 'secondaryOf']);
    }
    // One secondary per primary. Its own id may be longer than CLM01's 20 characters: CLM01 is the primary's.
    const long = await postClaim(practiceId, { claimId: 'CLM-1001-SECONDARY-BEACON', secondaryOf: 'CLM-1001' });
    expect([long.status, long.body.state, long.body.problems]).toEqual([201, 'ready', []]);
    const twice = await postClaim(practiceId, { claimId: 'CLM-1001T', secondaryOf: 'CLM-1001' });
    const same = await postClaim(practiceId, { claimId: 'CLM-1001-SECONDARY-BEACON', secondaryOf: 'CLM-1001' });
    expect([same.status, same.body.claimId]).toEqual([200, 'CLM-1001-SECONDARY-BEACON']);
    expect([twice.status, twice.body.error.code, twice.body.error.details.field]).toEqual([409, 'secondary_exists', 'secondaryOf']);
    expect((await getClaim(practiceId, 'CLM-1001T')).status).toBe(404);
    // A correction of a secondary claim would lose its COB loops: not written.
    const correction = await postClaim(practiceId, { ...primaryClaim('CLM-1001SR', clientId), payerId: 'BEACON2', correction: { of: 'CLM-1001-SECONDARY-BEACON', kind: 'replacement' } });
    expect([correction.status, correction.body.error.details.field]).toEqual([400, 'correction.of']);
    // A secondary of a secondary (tertiary) is not written.
    const tertiary = await postClaim(practiceId, { claimId: 'CLM-1001U', secondaryOf: 'CLM-1001-SECONDARY-BEACON' });
    expect([tertiary.status, tertiary.body.error.code]).toEqual([409, 'not_a_primary_claim']);

    // A primary the payer forwarded itself (CLP02 19): the secondary payer has it already.
    await adjudicatedPrimary(practiceId, clientId, 'CLM-2001', '19');
    const forwarded = await postClaim(practiceId, { claimId: 'CLM-2001S', secondaryOf: 'CLM-2001' });
    expect([forwarded.status, forwarded.body.error.code, forwarded.body.error.details.field]).toEqual([409, 'primary_not_adjudicated', 'secondaryOf']);
    expect(forwarded.body.error.message).toMatch(/forwarded.*CLP02 19/);

    // A client whose coverage has no secondary plan.
    const other = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `sam-${practiceId.slice(-6)}@client.example`, name: 'Sam Roe' } });
    await api('PUT', `/practices/${practiceId}/clients/${other.body.clientId}/coverage`, {
      practiceId,
      body: { payerId: 'ACME1', memberId: 'XYZ55', relationship: 'self', patient: { ...patient, firstName: 'Sam', lastName: 'Roe' } },
    });
    await postClaim(practiceId, primaryClaim('CLM-3001', other.body.clientId));
    const none = await postClaim(practiceId, { claimId: 'CLM-3001S', secondaryOf: 'CLM-3001' });
    expect([none.status, none.body.error.code, none.body.error.details.field]).toEqual([409, 'no_secondary_plan', 'coverage.secondary']);

    // Tenancy: another practice cannot name this practice's claim.
    const { practiceId: stranger } = await twoPlanPractice();
    const foreign = await postClaim(stranger, { claimId: 'CLM-1001S', secondaryOf: 'CLM-1001' });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'not_found']);
  });

  it('a 999 whose CTX*CLM01 names the secondary claim’s CLM01 (its primary’s id) gives the secondary claim its errors', async () => {
    // Prepare: a secondary claim in a batch next to another claim of the practice.
    const { practiceId, clientId } = await twoPlanPractice();
    await adjudicatedPrimary(practiceId, clientId);
    await postClaim(practiceId, { claimId: 'CLM-1001S', secondaryOf: 'CLM-1001' });
    await postClaim(practiceId, primaryClaim('CLM-4001', clientId));
    const batch = await postBatch(practiceId, { claimIds: ['CLM-1001S', 'CLM-4001'] });
    expect(batch.body.claims).toEqual(['CLM-1001S', 'CLM-4001']);

    // Act: the 999 rejects the set for an SVD error in the claim whose CLM01 is CLM-1001.
    const refused = await postX12(
      practiceId,
      'acknowledgements',
      ack999Rejecting(String(Number(batch.body.interchangeControlNumber)), ['IK3*SVD*40*2430*8', 'CTX*CLM01:CLM-1001', 'IK4*2*782*7*26'], []),
    );

    // Assess: the error is the secondary claim's; the other claim is told it has none.
    const reasons = Object.fromEntries(refused.body.rejected.map((r: { claimId: string; reason: string }) => [r.claimId, r.reason]));
    expect(reasons['CLM-1001S']).toMatch(/segment SVD at position 40 \(loop 2430\)/);
    expect(reasons['CLM-4001']).toMatch(/for errors in claim CLM-1001S of the batch; none in this claim/);
    expect((await getClaim(practiceId, 'CLM-1001S')).body.state).toBe('rejected');
    expect((await getClaim(practiceId, 'CLM-1001')).body.state).toBe('adjudicated');
  });

  it('the coverage’s secondary plan: a saved payer other than the primary’s, a subscriber when not self; read back; a coverage without one is unchanged', async () => {
    const { practiceId, clientId } = await twoPlanPractice();
    const put = (body: Record<string, unknown>) =>
      api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId, body: { payerId: 'ACME1', memberId: 'XYZ123456789', relationship: 'self', patient, ...body } });
    const field = async (body: Record<string, unknown>) => {
      const answer = await put(body);
      return [answer.status, answer.body.error?.details?.field];
    };

    expect(await field({ secondary: { ...secondary, payerId: 'NOPE9' } })).toEqual([400, 'secondary.payerId']);
    expect(await field({ secondary: { ...secondary, payerId: 'ACME1' } })).toEqual([400, 'secondary.payerId']);
    expect(await field({ secondary: { ...secondary, relationship: 'spouse' } })).toEqual([400, 'secondary.subscriber']);
    expect(await field({ secondary: { ...secondary, memberId: '' } })).toEqual([400, 'secondary.memberId']);
    expect(await field({ secondary: [] })).toEqual([400, 'secondary']);
    expect(await field({ secondary: 'BEACON2' })).toEqual([400, 'secondary']);
    expect(await field({ secondary: { ...secondary, payerId: { $ne: 1 } } })).toEqual([400, 'secondary.payerId']);
    const spouse = { firstName: 'John', lastName: 'Doe', dateOfBirth: '1980-02-03', sex: 'M', address };
    const withSpouse = await put({ secondary: { ...secondary, relationship: 'spouse', subscriber: spouse } });
    expect([withSpouse.status, withSpouse.body.secondary]).toEqual([200, { ...secondary, relationship: 'spouse', subscriber: spouse }]);
    const without = await put({});
    expect(without.status).toBe(200);
    expect(without.body).not.toHaveProperty('secondary');
    expect((await api('GET', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId })).body).not.toHaveProperty('secondary');
  });
});
