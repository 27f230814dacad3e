import { readFileSync } from 'node:fs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { api, practiceProfile, type ApiAnswer } from '../support/api';
import { newPracticeId } from '../support/store';
import { check837P } from '../support/x12-837p-structure';
import { ack277, ack999, ack999Rejecting } from '../fixtures/claims/acks';
import { RENDERING_THERAPIST, workedExampleClaimBody } from '../fixtures/claims/worked-example';

const era = (name: string) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8');

const address = { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' };
const patient = { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address };
const rendering = RENDERING_THERAPIST;

/** A practice ready to bill: billing provider complete, one payer, one client with coverage. */
const billingPractice = async () => {
  const practiceId = newPracticeId();
  const put = await api('PUT', `/practices/${practiceId}`, {
    practiceId,
    body: practiceProfile({ taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' } }),
  });
  expect([put.status, put.body.taxonomyCode]).toEqual([200, '225700000X']);
  const payer = await api('PUT', `/practices/${practiceId}/payers/ACME1`, {
    practiceId,
    body: { name: 'Acme Health', payerId: 'ACME1', address: { line1: 'PO Box 100', city: 'Hartford', state: 'CT', postalCode: '06101' } },
  });
  expect(payer.status).toBe(200);
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'jane@client.example', name: 'Jane Doe' } });
  const clientId = client.body.clientId as string;
  const coverage = await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, {
    practiceId,
    body: { payerId: 'ACME1', memberId: 'XYZ123456789', groupNumber: 'GRP-77', relationship: 'self', patient },
  });
  expect(coverage.status).toBe(200);
  return { practiceId, clientId };
};

const claimBody = workedExampleClaimBody;

const postClaim = (practiceId: string, body: Record<string, unknown>) => api('POST', `/practices/${practiceId}/claims`, { practiceId, body });
const postBatch = (practiceId: string, body: Record<string, unknown> = {}) => api('POST', `/practices/${practiceId}/claim-batches`, { practiceId, body });
const postAck = (practiceId: string, text: string) => api('POST', `/practices/${practiceId}/acknowledgements`, { practiceId, raw: text, headers: { 'content-type': 'application/edi-x12' } });
const getClaim = (practiceId: string, claimId: string) => api('GET', `/practices/${practiceId}/claims/${claimId}`, { practiceId });

describe('claims out over the local API (DynamoDB Local)', () => {
  it('a complete claim is ready; one without coverage is a draft naming what is missing', async () => {
    const { practiceId, clientId } = await billingPractice();
    const ready = await postClaim(practiceId, claimBody('CLM-1001', clientId));
    expect([ready.status, ready.body.state, ready.body.status, ready.body.problems]).toEqual([201, 'ready', 'ready', []]);
    const other = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'sam@client.example', name: 'Sam Roe' } });
    const draft = await postClaim(practiceId, claimBody('CLM-1002', other.body.clientId, { renderingProvider: { ...rendering, npi: '1245319590' } }));
    expect([draft.status, draft.body.state]).toEqual([201, 'draft']);
    expect(draft.body.problems.map((p: { field: string }) => p.field)).toEqual(['coverage', 'renderingProvider.npi']);
    // The same claim again → 200 with the stored claim.
    const again = await postClaim(practiceId, claimBody('CLM-1001', clientId));
    expect([again.status, again.body.state]).toEqual([200, 'ready']);
  });

  it('claims registered without payerId keep working as before (submitted, no claims-out fields needed)', async () => {
    const { practiceId, clientId } = await billingPractice();
    const legacy = await postClaim(practiceId, {
      claimId: 'CLM-9',
      clientId,
      payerName: 'ACME HEALTH',
      dateOfService: '2026-10-02',
      diagnosisCodes: ['M54.2'],
      lines: [{ procedureCode: '97124', minutes: 30, chargeCents: 6000 }],
    });
    expect([legacy.status, legacy.body.status, legacy.body.state]).toEqual([201, 'submitted', 'submitted']);
    const stray = await postClaim(practiceId, {
      claimId: 'CLM-10',
      clientId,
      dateOfService: '2026-10-02',
      diagnosisCodes: ['M54.2'],
      lines: [{ procedureCode: '97124', minutes: 30, chargeCents: 6000 }],
      renderingProvider: rendering,
    });
    expect([stray.status, stray.body.error.details.field]).toEqual([400, 'payerId']);
  });

  it('batches: 201 with the ready claims and the refused ones; the same request → 200 same batch; the file passes the structural check; claims submitted', async () => {
    const { practiceId, clientId } = await billingPractice();
    await postClaim(practiceId, claimBody('CLM-1001', clientId));
    await postClaim(
      practiceId,
      claimBody('CLM-1003', clientId, { diagnosisCodes: ['M54.2', 'M62.830'], lines: [{ procedureCode: '97140', modifiers: ['GP', '59'], units: 2, chargeCents: 9000, diagnosisPointers: [2, 1] }] }),
    );
    await postClaim(practiceId, claimBody('CLM-1002', clientId, { placeOfService: '00' }));
    const first = await postBatch(practiceId);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ batchId: 'B000000001', interchangeControlNumber: '000000001', claims: ['CLM-1001', 'CLM-1003'] });
    expect(first.body.refused).toEqual([{ claimId: 'CLM-1002', problems: [{ field: 'placeOfService', message: expect.stringContaining('placeOfService') }] }]);
    const again = await postBatch(practiceId);
    expect([again.status, again.body]).toEqual([200, first.body]);
    const file = await api('GET', `/practices/${practiceId}/claim-batches/${first.body.batchId}`, { practiceId, headers: { accept: 'application/edi-x12' } });
    expect([file.status, file.headers.get('content-type')]).toEqual([200, 'application/edi-x12']);
    const report = check837P(file.text);
    expect(report.problems).toEqual([]);
    expect(report.claims).toBe(2);
    expect(file.text).toContain('SV1*HC:97140:GP:59*90*UN*2***2:1~');
    const summary = await api('GET', `/practices/${practiceId}/claim-batches/${first.body.batchId}`, { practiceId });
    expect(summary.body).toMatchObject({ batchId: 'B000000001', claims: ['CLM-1001', 'CLM-1003'], implementationGuide: '005010X222A1' });
    expect((await getClaim(practiceId, 'CLM-1001')).body).toMatchObject({ state: 'submitted', batchId: 'B000000001' });
    // Explicit ids: the same request twice → one batch; control numbers go up by one.
    await postClaim(practiceId, claimBody('CLM-1004', clientId));
    const second = await postBatch(practiceId, { claimIds: ['CLM-1004'] });
    const secondAgain = await postBatch(practiceId, { claimIds: ['CLM-1004'] });
    expect([second.status, second.body.interchangeControlNumber, secondAgain.status, secondAgain.body.batchId]).toEqual([201, '000000002', 200, second.body.batchId]);
    // A claim already in a batch is refused by a new request naming it with another one.
    await postClaim(practiceId, claimBody('CLM-1005', clientId));
    const mixed = await postBatch(practiceId, { claimIds: ['CLM-1004', 'CLM-1005', 'NOPE'] });
    expect(mixed.status).toBe(201);
    expect(mixed.body.claims).toEqual(['CLM-1005']);
    expect(mixed.body.refused.map((r: { claimId: string; problems: { field: string }[] }) => [r.claimId, r.problems[0]!.field])).toEqual([
      ['CLM-1004', 'state'],
      ['NOPE', 'claimId'],
    ]);
    const nothing = await postBatch(practiceId, { claimIds: ['CLM-1002'] });
    expect([nothing.status, nothing.body.error.code]).toEqual([409, 'nothing_to_batch']);
  });

  it('two batch requests at once never share a control number or a claim', async () => {
    const { practiceId, clientId } = await billingPractice();
    const ids = Array.from({ length: 6 }, (_, i) => `CLM-20${i}`);
    for (const id of ids) await postClaim(practiceId, claimBody(id, clientId));
    const answers = await Promise.all([postBatch(practiceId, { claimIds: ids.slice(0, 3) }), postBatch(practiceId, { claimIds: ids.slice(3) }), postBatch(practiceId, { claimIds: ids.slice(2, 4) })]);
    const made = answers.filter((a) => a.status === 201);
    const numbers = made.map((a) => a.body.interchangeControlNumber).sort();
    expect(new Set(numbers).size).toBe(made.length);
    const batched = made.flatMap((a) => a.body.claims as string[]);
    expect(new Set(batched).size).toBe(batched.length);
    expect([...batched].sort()).toEqual(ids);
    expect(numbers).toEqual(Array.from({ length: made.length }, (_, i) => String(i + 1).padStart(9, '0')));
  });

  it('acknowledgements: a 999 accepts the batch, a 277CA rejects one claim with the reason; the rejected list says what to fix', async () => {
    const { practiceId, clientId } = await billingPractice();
    await postClaim(practiceId, claimBody('CLM-1001', clientId));
    await postClaim(practiceId, claimBody('CLM-1002', clientId));
    const batch = await postBatch(practiceId);
    const gcn = String(Number(batch.body.interchangeControlNumber));
    // A 999 for another kind of group (AK101 HS: 270 eligibility inquiries) that happens to carry the
    // batch's control number is not about the batch: unmatched, the claims stay submitted.
    const otherGroup = await postAck(practiceId, ack999(gcn, 'R', 'HS'));
    expect([otherGroup.status, otherGroup.body]).toEqual([202, { kind: '999', accepted: [], rejected: [], unmatched: [`group ${gcn} (HS)`] }]);
    expect((await getClaim(practiceId, 'CLM-1001')).body.state).toBe('submitted');
    const accepted = await postAck(practiceId, ack999(gcn, 'A'));
    expect([accepted.status, accepted.body]).toEqual([202, { kind: '999', accepted: ['CLM-1001', 'CLM-1002'], rejected: [], unmatched: [] }]);
    expect((await getClaim(practiceId, 'CLM-1001')).body.state).toBe('accepted');
    const ca = await postAck(
      practiceId,
      ack277([
        { pcn: 'CLM-1001', category: 'A2', status: '20', icn: 'PAYER-77' },
        { pcn: 'CLM-1002', category: 'A7', status: '562', message: 'RENDERING NPI NOT ENROLLED' },
        { pcn: 'CLM-OTHER', category: 'A2', status: '20' },
      ]),
    );
    expect(ca.status).toBe(202);
    expect(ca.body).toEqual({
      kind: '277CA',
      accepted: ['CLM-1001'],
      rejected: [{ claimId: 'CLM-1002', reason: 'A7:562:PR rejected for invalid information — RENDERING NPI NOT ENROLLED' }],
      unmatched: ['CLM-OTHER'],
    });
    const rejected = await api('GET', `/practices/${practiceId}/claims?state=rejected`, { practiceId });
    expect(rejected.body.items).toEqual([
      expect.objectContaining({ claimId: 'CLM-1002', state: 'rejected', rejection: expect.objectContaining({ kind: '277CA', reason: expect.stringContaining('A7:562') }) }),
    ]);
    // A 999 that rejects another batch moves its claims to rejected with the IK3/IK4 errors.
    await postClaim(practiceId, claimBody('CLM-1003', clientId));
    const second = await postBatch(practiceId);
    const refused = await postAck(practiceId, ack999(String(Number(second.body.interchangeControlNumber)), 'R'));
    expect(refused.body.rejected).toEqual([{ claimId: 'CLM-1003', reason: expect.stringMatching(/IK5 R.*2010BA.*required data element missing/) }]);
    // A rejected claim, once fixed, is batched again.
    const rebatch = await postBatch(practiceId, { claimIds: ['CLM-1003'] });
    expect([rebatch.status, rebatch.body.claims]).toEqual([201, ['CLM-1003']]);
    // Bad files: named segment, 400; wrong media type 415.
    const garbage = await postAck(practiceId, 'ISA*00*bad');
    expect([garbage.status, garbage.body.error.message]).toEqual([400, expect.stringContaining('segment 1 (ISA)')]);
    const json = await api('POST', `/practices/${practiceId}/acknowledgements`, { practiceId, body: {} });
    expect(json.status).toBe(415);
  });

  it("a 999 that rejects a batch for one claim's errors (CTX*CLM01) rejects every claim, each with its own reason; the claim without errors goes again as it is", async () => {
    const { practiceId, clientId } = await billingPractice();
    await postClaim(practiceId, claimBody('CLM-1001', clientId));
    await postClaim(practiceId, claimBody('CLM-1002', clientId));
    const batch = await postBatch(practiceId);
    expect(batch.body.claims).toEqual(['CLM-1001', 'CLM-1002']);
    const refused = await postAck(practiceId, ack999Rejecting(String(Number(batch.body.interchangeControlNumber)), ['IK3*DTP*40*2400*8', 'CTX*CLM01:CLM-1002', 'IK4*3*1251*8*20261399'], []));
    expect([refused.status, refused.body.rejected]).toEqual([
      202,
      [
        { claimId: 'CLM-1001', reason: '999 rejected the 837P (IK5 R, AK9 R) for errors in claim CLM-1002 of the batch; none in this claim' },
        {
          claimId: 'CLM-1002',
          reason:
            '999 rejected the 837P (IK5 R, AK9 R): segment DTP at position 40 (loop 2400): segment has data element errors; segment DTP at position 40 (loop 2400) element 3: invalid date ("20261399")',
        },
      ],
    ]);
    // What the desk reads on each claim is its own reason.
    expect((await getClaim(practiceId, 'CLM-1001')).body).toEqual(
      expect.objectContaining({ state: 'rejected', acknowledgement: expect.objectContaining({ kind: '999', reason: expect.stringContaining('none in this claim') }) }),
    );
    expect((await getClaim(practiceId, 'CLM-1002')).body.acknowledgement.reason).toContain('invalid date');
    // The claim without errors is batched again alone, unchanged.
    const again = await postBatch(practiceId, { claimIds: ['CLM-1001'] });
    expect([again.status, again.body.claims]).toEqual([201, ['CLM-1001']]);
  });

  it('a 277CA that rejects the whole 837P (2200B) or its billing provider (2200C) rejects every claim of the batch; a claim batched again since is left to its new batch', async () => {
    const { practiceId, clientId } = await billingPractice();
    await postClaim(practiceId, claimBody('CLM-1001', clientId));
    await postClaim(practiceId, claimBody('CLM-1002', clientId));
    const first = await postBatch(practiceId);
    expect([first.status, first.body.batchId]).toEqual([201, 'B000000001']);
    // 005010X214: STC03 U at 2200B when "the entire claim transaction (837 ST-SE) is rejected due to
    // submitter level errors"; no 2000D loops follow, the batch is named by 2200B TRN02 (our BHT03).
    const whole = await postAck(practiceId, ack277([], { batch: 'B000000001', receiver: { category: 'A3', status: '24', entity: '41' } }));
    const wholeReason = 'the whole 837P (2200B): A3:24:41 returned as unprocessable';
    expect([whole.status, whole.body]).toEqual([
      202,
      {
        kind: '277CA',
        accepted: [],
        rejected: [
          { claimId: 'CLM-1001', reason: wholeReason },
          { claimId: 'CLM-1002', reason: wholeReason },
        ],
        unmatched: [],
      },
    ]);
    const rejected = await api('GET', `/practices/${practiceId}/claims?state=rejected`, { practiceId });
    expect(rejected.body.items.map((c: { claimId: string; rejection: { reason: string } }) => [c.claimId, c.rejection.reason]).sort()).toEqual([
      ['CLM-1001', wholeReason],
      ['CLM-1002', wholeReason],
    ]);
    // A batch this practice does not have is listed, nothing moves.
    const other = await postAck(practiceId, ack277([], { batch: 'B000000099', receiver: { category: 'A3', status: '24', entity: '41' } }));
    expect(other.body).toEqual({ kind: '277CA', accepted: [], rejected: [], unmatched: ['batch B000000099'] });
    // CLM-1001, fixed, goes out again; the billing provider of that batch is rejected (2200C).
    const second = await postBatch(practiceId, { claimIds: ['CLM-1001'] });
    expect([second.status, second.body.batchId]).toEqual([201, 'B000000002']);
    const provider = await postAck(practiceId, ack277([], { batch: 'B000000002', provider: { category: 'A7', status: '562', entity: '85' } }));
    expect(provider.body).toEqual({
      kind: '277CA',
      accepted: [],
      rejected: [{ claimId: 'CLM-1001', reason: 'its billing provider (2200C): A7:562:85 rejected for invalid information' }],
      unmatched: [],
    });
    // A late copy of the first 277CA does not touch CLM-1001 once it sits in another batch.
    await postClaim(practiceId, claimBody('CLM-1001', clientId));
    const third = await postBatch(practiceId, { claimIds: ['CLM-1001'] });
    expect(third.body.batchId).toBe('B000000003');
    const late = await postAck(practiceId, ack277([], { batch: 'B000000001', receiver: { category: 'A3', status: '24', entity: '41' } }));
    expect(late.body.rejected).toEqual([{ claimId: 'CLM-1002', reason: wholeReason }]);
    expect((await getClaim(practiceId, 'CLM-1001')).body.state).toBe('submitted');
  });

  it('the life of a claim: ready → submitted → accepted → adjudicated by the 835; a replacement carries REF*F8 with the 835’s claim control number', async () => {
    const { practiceId, clientId } = await billingPractice();
    await postClaim(practiceId, claimBody('CLM-1001', clientId));
    const batch = await postBatch(practiceId);
    await postAck(practiceId, ack999(String(Number(batch.body.interchangeControlNumber)), 'A'));
    const remittance = await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: era('worked-example.835'), headers: { 'content-type': 'application/edi-x12' } });
    expect([remittance.status, remittance.body.matched]).toEqual([202, 1]);
    const adjudicated = await getClaim(practiceId, 'CLM-1001');
    expect([adjudicated.body.state, adjudicated.body.status, adjudicated.body.patientResponsibilityCents]).toEqual(['adjudicated', 'processed_primary', 3400]);
    // A late acknowledgement does not move an adjudicated claim.
    await postAck(practiceId, ack277([{ pcn: 'CLM-1001', category: 'A7', status: '21' }]));
    expect((await getClaim(practiceId, 'CLM-1001')).body.state).toBe('adjudicated');
    const replacement = await postClaim(practiceId, claimBody('CLM-1001R', clientId, { correction: { of: 'CLM-1001', kind: 'replacement' } }));
    expect([replacement.status, replacement.body.state, replacement.body.frequencyCode, replacement.body.payerClaimControlNumber]).toEqual([201, 'ready', '7', 'PAYER-77']);
    const voided = await postClaim(practiceId, claimBody('CLM-1001V', clientId, { correction: { of: 'CLM-1001', kind: 'void' } }));
    const fixes = await postBatch(practiceId, { claimIds: ['CLM-1001R', 'CLM-1001V'] });
    expect([voided.body.frequencyCode, fixes.status]).toEqual(['8', 201]);
    const file = await api('GET', `/practices/${practiceId}/claim-batches/${fixes.body.batchId}`, { practiceId, headers: { accept: 'application/edi-x12' } });
    expect(file.text).toContain('CLM*CLM-1001R*130***11:B:7*Y*A*Y*Y~\nREF*F8*PAYER-77~');
    expect(file.text).toContain('CLM*CLM-1001V*130***11:B:8*Y*A*Y*Y~\nREF*F8*PAYER-77~');
    expect(check837P(file.text).problems).toEqual([]);
    const orphan = await postClaim(practiceId, claimBody('CLM-X', clientId, { correction: { of: 'CLM-NONE', kind: 'void' } }));
    expect([orphan.status, orphan.body.error.details.field]).toEqual([400, 'correction.of']);
  });

  it('the CMS-1500 PDF of a claim; a draft claim answers 409 with its problems', async () => {
    const { practiceId, clientId } = await billingPractice();
    await postClaim(practiceId, claimBody('CLM-1001', clientId, { priorAuthorization: 'AUTH-555' }));
    const response = await fetch(`${(await import('vitest')).inject('apiUrl')}/practices/${practiceId}/claims/CLM-1001/cms1500`, {
      headers: { authorization: `Bearer ${await (await import('../../local/auth')).mintLocalToken(practiceId, { dir: (await import('vitest')).inject('dataDir') })}` },
    });
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const document = await getDocument({ data: bytes, verbosity: 0 }).promise;
    const content = await (await document.getPage(1)).getTextContent();
    const text = content.items
      .map((item) => ('str' in item ? item.str : ''))
      .join(' ')
      .replace(/\s+/g, ' ');
    await document.destroy();
    // Item 23 prints the prior authorization without its hyphen (NUCC: no hyphens or spaces within the number).
    for (const expected of ["1a. INSURED'S I.D. NUMBER", 'XYZ123456789', 'DOE, JANE', 'ICD IND 0 A. M542', 'AUTH555', '97124 GP', '130.00', '1234567893', '1245319599']) {
      expect(text).toContain(expected);
    }
    const other = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'sam@client.example', name: 'Sam Roe' } });
    await postClaim(practiceId, claimBody('CLM-1002', other.body.clientId));
    const draft = await api('GET', `/practices/${practiceId}/claims/CLM-1002/cms1500`, { practiceId });
    expect([draft.status, draft.body.error.code, draft.body.error.details.problems[0].field]).toEqual([409, 'claim_incomplete', 'coverage']);
  });

  it('payers and coverage: bad input names the field; nothing is written', async () => {
    const { practiceId, clientId } = await billingPractice();
    const mismatch = await api('PUT', `/practices/${practiceId}/payers/ACME2`, { practiceId, body: { name: 'Acme', payerId: 'ACME3' } });
    expect([mismatch.status, mismatch.body.error.details.field]).toEqual([400, 'payerId']);
    const unknownPayer = await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId, body: { payerId: 'NOPE1', memberId: 'X1', relationship: 'self', patient } });
    expect([unknownPayer.status, unknownPayer.body.error.details.field]).toEqual([400, 'payerId']);
    const noSubscriber = await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId, body: { payerId: 'ACME1', memberId: 'X1', relationship: 'child', patient } });
    expect([noSubscriber.status, noSubscriber.body.error.details.field]).toEqual([400, 'subscriber']);
    const badDob = await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, {
      practiceId,
      body: { payerId: 'ACME1', memberId: 'X1', relationship: 'self', patient: { ...patient, dateOfBirth: '1985-02-30' } },
    });
    expect([badDob.status, badDob.body.error.details.field]).toEqual([400, 'patient.dateOfBirth']);
    const badTaxonomy = await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ taxonomyCode: '2257' }) });
    expect([badTaxonomy.status, badTaxonomy.body.error.details.field]).toEqual([400, 'taxonomyCode']);
    const unknownClient = await api('PUT', `/practices/${practiceId}/clients/nobody/coverage`, { practiceId, body: { payerId: 'ACME1', memberId: 'X1', relationship: 'self', patient } });
    expect(unknownClient.status).toBe(404);
  });
  it("the saved payers and a client's coverage read back (GET …/payers paged, GET …/clients/{c}/coverage, 404 when none)", async () => {
    const { practiceId, clientId } = await billingPractice();
    await api('PUT', `/practices/${practiceId}/payers/BCBS2`, { practiceId, body: { name: 'Blue Plan', payerId: 'BCBS2', claimFilingIndicator: 'BL' } });
    const payers = await api('GET', `/practices/${practiceId}/payers`, { practiceId });
    expect(payers.status).toBe(200);
    expect(payers.body.items.map((p: { payerId: string; name: string; address: unknown; claimFilingIndicator: string }) => [p.payerId, p.name, p.address, p.claimFilingIndicator])).toEqual([
      ['ACME1', 'Acme Health', { line1: 'PO Box 100', city: 'Hartford', state: 'CT', postalCode: '06101' }, 'CI'],
      ['BCBS2', 'Blue Plan', null, 'BL'],
    ]);
    expect(payers.body.nextCursor).toBeNull();
    const coverage = await api('GET', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId });
    expect([coverage.status, coverage.body]).toEqual([200, { clientId, payerId: 'ACME1', memberId: 'XYZ123456789', groupNumber: 'GRP-77', relationship: 'self', subscriber: null, patient }]);
    // A client without coverage, and a client that does not exist: 404 saying which.
    const other = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'sam@client.example', name: 'Sam Roe' } });
    const none = await api('GET', `/practices/${practiceId}/clients/${other.body.clientId}/coverage`, { practiceId });
    expect([none.status, none.body.error.code, none.body.error.message]).toEqual([404, 'not_found', 'coverage not found: no coverage is saved for this client']);
    const nobody = await api('GET', `/practices/${practiceId}/clients/nobody/coverage`, { practiceId });
    expect([nobody.status, nobody.body.error.message]).toEqual([404, 'client not found']);
    // A practice with no payer: an empty page; a cursor this API did not hand out: 400 naming cursor.
    const empty = newPracticeId();
    await api('PUT', `/practices/${empty}`, { practiceId: empty, body: practiceProfile() });
    expect((await api('GET', `/practices/${empty}/payers`, { practiceId: empty })).body).toEqual({ items: [], nextCursor: null });
    const forged = await api('GET', `/practices/${practiceId}/payers?cursor=nope`, { practiceId });
    expect([forged.status, forged.body.error.details.field]).toEqual([400, 'cursor']);
  });

  it('GET …/payers pages past 100 payers with nextCursor, each payer once', async () => {
    const { practiceId } = await billingPractice();
    for (let i = 0; i < 120; i += 1) {
      const payerId = `P${String(i).padStart(3, '0')}`;
      expect((await api('PUT', `/practices/${practiceId}/payers/${payerId}`, { practiceId, body: { name: `Payer ${i}`, payerId } })).status).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ApiAnswer = await api('GET', `/practices/${practiceId}/payers${cursor ? `?cursor=${cursor}` : ''}`, { practiceId });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((p: { payerId: string }) => p.payerId));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toHaveLength(121);
    expect(new Set(seen).size).toBe(121);
  });
});
