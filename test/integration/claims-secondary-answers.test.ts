/**
 * Which claim an answer reaches when a visit has a primary and a secondary claim (docs/claims.md §
 * Secondary claims). Both go out with the same CLM01 (the primary's id), so an 835's CLP01 and a
 * 277CA's 2200D TRN02 name the visit, not the claim: the answer is told apart by the payer that
 * sends it (835 1000A N1*PR N104 / REF*2U / TRN03 against the claims' payers and the primary payer's
 * own 835) and, for a 277CA or a 999, by the batch that carried the claim (2200B TRN02 = the 837's
 * BHT03; AK102 = its GS06) — never by CLP02 alone. Over the local API on DynamoDB Local; DOMAIN.md
 * §4's worked example is the primary's adjudication (paid $56, PR $34).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listClaimInvoices } from '../../functions/store/invoices';
import { api, practiceProfile } from '../support/api';
import { eventually } from '../support/eventually';
import { store } from '../support/invoicing';
import { newPracticeId } from '../support/store';
import { ack277, ack999 } from '../fixtures/claims/acks';
import { workedExampleClaimBody } from '../fixtures/claims/worked-example';

const workedExample835 = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8');

const address = { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' };
const person = (firstName: string) => ({ firstName, lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address });

const postClaim = (practiceId: string, body: Record<string, unknown>) => api('POST', `/practices/${practiceId}/claims`, { practiceId, body });
const postBatch = (practiceId: string, claimIds: string[]) => api('POST', `/practices/${practiceId}/claim-batches`, { practiceId, body: { claimIds } });
const postX12 = (practiceId: string, route: string, text: string) => api('POST', `/practices/${practiceId}/${route}`, { practiceId, raw: text, headers: { 'content-type': 'application/edi-x12' } });
const getClaim = async (practiceId: string, claimId: string) => (await api('GET', `/practices/${practiceId}/claims/${claimId}`, { practiceId })).body;
/** What staff see of a claim: its state and its status (the payer's verdict). */
const seen = async (practiceId: string, claimId: string) => {
  const claim = await getClaim(practiceId, claimId);
  return [claim.state, claim.status];
};

/** A practice with payers ACME1 and BEACON2 and one client per plan order given ([primary, secondary]). */
const practiceWith = async (plans: [string, string][]) => {
  const practiceId = newPracticeId();
  await api('PUT', `/practices/${practiceId}`, {
    practiceId,
    body: practiceProfile({ taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' } }),
  });
  for (const [payerId, name] of [
    ['ACME1', 'Acme Health'],
    ['BEACON2', 'Beacon Mutual'],
  ]) {
    expect((await api('PUT', `/practices/${practiceId}/payers/${payerId}`, { practiceId, body: { name, payerId } })).status).toBe(200);
  }
  const clientIds: string[] = [];
  for (const [i, [primary, secondary]] of plans.entries()) {
    const name = ['Jane', 'Sam'][i]!;
    const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `${name.toLowerCase()}-${practiceId.slice(-6)}@client.example`, name: `${name} Doe` } });
    const coverage = await api('PUT', `/practices/${practiceId}/clients/${client.body.clientId}/coverage`, {
      practiceId,
      body: {
        payerId: primary,
        memberId: `M-${i}-1`,
        groupNumber: 'GRP-77',
        relationship: 'self',
        patient: person(name),
        secondary: { payerId: secondary, memberId: `M-${i}-2`, relationship: 'self' },
      },
    });
    expect(coverage.status).toBe(200);
    clientIds.push(client.body.clientId as string);
  }
  return { practiceId, clientIds };
};

/** The primary claim (payer `payerId`) batched, accepted by a 999 and adjudicated by its payer's 835 (CLP02 1). */
const adjudicatedPrimary = async (practiceId: string, clientId: string, claimId: string, payerId: string, primary835: string) => {
  expect((await postClaim(practiceId, workedExampleClaimBody(claimId, clientId, { payerId }))).body.state).toBe('ready');
  const batch = await postBatch(practiceId, [claimId]);
  await postX12(practiceId, 'acknowledgements', ack999(String(Number(batch.body.interchangeControlNumber)), 'A'));
  expect((await postX12(practiceId, 'remittances', primary835)).body).toMatchObject({ matched: 1, quarantined: [] });
  return batch.body.batchId as string;
};

/** The secondary claim of `claimId` (`<claimId>S`), batched and accepted by a 999; answers its batch id. */
const submittedSecondary = async (practiceId: string, claimIds: string[]) => {
  for (const claimId of claimIds) expect((await postClaim(practiceId, { claimId: `${claimId}S`, secondaryOf: claimId })).body.state).toBe('ready');
  const batch = await postBatch(
    practiceId,
    claimIds.map((claimId) => `${claimId}S`),
  );
  expect(batch.body.claims).toEqual(claimIds.map((claimId) => `${claimId}S`));
  return { batchId: batch.body.batchId as string, groupControlNumber: String(Number(batch.body.interchangeControlNumber)) };
};

interface EraClaimSpec {
  pcn: string;
  status: string;
  charge: number;
  paid: number;
  pr: number;
  icn: string;
  /** Per line [code, charge, paid, CAS segments]. */
  lines: [string, number, number, string[]][];
}
/**
 * An 835 from one payer (1000A `N1*PR*<name>[*XV*<n104>]`, TRN03 `originator`), dollars as in the file,
 * BPR02 the Σ CLP04 (BPR03 D when it is negative, as a file of a reversal alone is).
 */
const era = (payer: { name: string; n104?: string; originator: string }, trace: string, icn: number, claims: EraClaimSpec[]) => {
  const total = claims.reduce((sum, c) => sum + c.paid, 0);
  const body = [
    'ST*835*0001*005010X221A1',
    `BPR*I*${Math.abs(total)}*${total < 0 ? 'D' : 'C'}*ACH*CCP*01*999999999*DA*123456789*${payer.originator}**01*999988880*DA*98765*20261105`,
    payer.originator ? `TRN*1*${trace}*${payer.originator}` : `TRN*1*${trace}`,
    payer.n104 ? `N1*PR*${payer.name}*XV*${payer.n104}` : `N1*PR*${payer.name}`,
    'N1*PE*HARBOR BODYWORK*XX*1234567893',
    'LX*1',
    ...claims.flatMap((c) => [
      `CLP*${c.pcn}*${c.status}*${c.charge}*${c.paid}*${c.pr}*12*${c.icn}`,
      ...c.lines.flatMap(([code, charge, paid, cas]) => [`SVC*HC:${code}*${charge}*${paid}**2`, 'DTM*472*20261002', ...cas]),
    ]),
  ];
  const n = String(icn).padStart(9, '0');
  return [
    `ISA*00*          *00*          *ZZ*PAYER          *ZZ*KNEADPAY       *261105*1200*^*00501*${n}*0*P*:`,
    `GS*HP*PAYER*KNEADPAY*20261105*1200*${icn}*X*005010X221A1`,
    ...body,
    `SE*${body.length + 1}*0001`,
    `GE*1*${icn}`,
    `IEA*1*${n}`,
  ]
    .map((s) => `${s}~\n`)
    .join('');
};

/** Beacon Mutual's 835s name it in N104 (as the secondary payer's 835 of claims-secondary.test.ts does). */
const BEACON = { name: 'BEACON MUTUAL', n104: 'BEACON2', originator: '1999999999' };
/** Acme Health's name no payer id but TRN03, as the worked example's 835 (test/fixtures/era/worked-example.835). */
const ACME = { name: 'ACME HEALTH', originator: '1512345678' };

/** The secondary payer processed the visit as secondary: paid $30 after OA-23 $56 and CO-45 $40, PR-2 $4. */
const processedAsSecondary = (pcn: string, sign = 1, status = '2'): EraClaimSpec => ({
  pcn,
  status,
  charge: 130 * sign,
  paid: 30 * sign,
  pr: 4 * sign,
  icn: 'BEACON-9',
  lines: [
    ['97124', 60 * sign, 14 * sign, [`CAS*OA*23*${26 * sign}`, `CAS*CO*45*${20 * sign}`]],
    ['97140', 70 * sign, 16 * sign, [`CAS*OA*23*${30 * sign}`, `CAS*CO*45*${20 * sign}`, `CAS*PR*2*${4 * sign}`]],
  ],
});
/**
 * The secondary payer denied it (CLP02 4), coverage having ended before the visit, as a secondary's
 * denial that leaves the patient the primary's share reads: what the primary paid or wrote off is
 * OA-23 (impact of prior payer), the rest PR-27 (the patient's: no coverage), CLP05 $34. Its PR
 * decides, being the later payer's (bug 129); a denial all in CO (below) leaves the patient nothing.
 */
const deniedBySecondaryToPatient = (pcn: string): EraClaimSpec => ({
  pcn,
  status: '4',
  charge: 130,
  paid: 0,
  pr: 34,
  icn: 'BEACON-9',
  lines: [
    ['97124', 60, 0, ['CAS*OA*23*46', 'CAS*PR*27*14']],
    ['97140', 70, 0, ['CAS*OA*23*50', 'CAS*PR*27*20']],
  ],
});
/** The secondary payer denied it (CLP02 4): coverage ended before the visit (CO-27), nothing paid, no PR of its own. */
const deniedBySecondary = (pcn: string, icn = 'BEACON-9'): EraClaimSpec => ({
  pcn,
  status: '4',
  charge: 130,
  paid: 0,
  pr: 0,
  icn,
  lines: [
    ['97124', 60, 0, ['CAS*CO*27*60']],
    ['97140', 70, 0, ['CAS*CO*27*70']],
  ],
});

const collectingInvoices = async (practiceId: string, claimId: string, cents: number) =>
  eventually(
    `the claim's balance invoiced at ${cents} cents`,
    async () => {
      const collecting = (await listClaimInvoices(store, practiceId, claimId)).filter((i) => !i.voidRequested && i.status !== 'void').map((i) => i.amountDueCents);
      return collecting.length === 1 && collecting[0] === cents ? collecting : undefined;
    },
    30_000,
  );

describe('a secondary claim told apart from its primary when the answers come back', () => {
  it('the secondary payer’s denial (CLP02 4) denies the secondary claim; the primary keeps its payer’s verdict, and the patient still owes the primary’s PR ($34)', async () => {
    // Prepare: Jane's visit adjudicated by Acme as primary, its secondary claim sent to Beacon.
    const { practiceId, clientIds } = await practiceWith([['ACME1', 'BEACON2']]);
    await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-1001', 'ACME1', workedExample835);
    const { groupControlNumber } = await submittedSecondary(practiceId, ['CLM-1001']);
    await postX12(practiceId, 'acknowledgements', ack999(groupControlNumber, 'A'));
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['accepted', 'accepted']);

    // Act: Beacon's 835 denies the visit (CLP01 the shared CLM01, CLP02 4).
    const answer = await postX12(practiceId, 'remittances', era(BEACON, 'EFT901', 901, [deniedBySecondaryToPatient('CLM-1001')]));

    // Assess: the denial is the secondary claim's; the primary still reads Acme's verdict.
    expect(answer.body).toMatchObject({ matched: 1, quarantined: [] });
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['adjudicated', 'denied']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);
    // The visit's money stays on the primary claim: both payers' adjudications; the patient's share is
    // the denial's PR (the later payer's, bug 129), which here carries what the primary left: $34.
    const primary = await getClaim(practiceId, 'CLM-1001');
    expect(primary.adjudications.map((a: { status: string; paidCents: number; payerId: string }) => [a.status, a.paidCents, a.payerId])).toEqual([
      ['processed_primary', 5600, '1512345678'],
      ['denied', 0, 'BEACON2'],
    ]);
    expect(primary.patientResponsibilityCents).toBe(3400);
    // Staff see on the secondary claim what its payer decided and why (kept on the primary, shown here too).
    const secondaryView = await getClaim(practiceId, 'CLM-1001S');
    expect(secondaryView.adjudications).toEqual([]);
    expect(
      secondaryView.payerAdjudications.map((a: { status: string; payerClaimControlNumber: string; lines: { adjustments: unknown[] }[] }) => [
        a.status,
        a.payerClaimControlNumber,
        a.lines.map((l) => l.adjustments),
      ]),
    ).toEqual([
      [
        'denied',
        'BEACON-9',
        [
          [
            { group: 'OA', reason: '23', amountCents: 4600 },
            { group: 'PR', reason: '27', amountCents: 1400 },
          ],
          [
            { group: 'OA', reason: '23', amountCents: 5000 },
            { group: 'PR', reason: '27', amountCents: 2000 },
          ],
        ],
      ],
    ]);
    expect(await collectingInvoices(practiceId, 'CLM-1001', 3400)).toEqual([3400]);
    // Its first batch, 999, two 835s and the balance invoicer's Stripe calls: beside a heavy file on two shared cores it took 60 s once.
  }, 120_000);

  it('the secondary payer’s reversal (CLP02 22) and its correction reach the secondary claim; the patient’s share follows ($4 → $34 → $0)', async () => {
    const { practiceId, clientIds } = await practiceWith([['ACME1', 'BEACON2']]);
    await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-1001', 'ACME1', workedExample835);
    const { groupControlNumber } = await submittedSecondary(practiceId, ['CLM-1001']);
    await postX12(practiceId, 'acknowledgements', ack999(groupControlNumber, 'A'));

    // Beacon processes the visit as secondary: its PR ($4) replaces Acme's.
    expect((await postX12(practiceId, 'remittances', era(BEACON, 'EFT902', 902, [processedAsSecondary('CLM-1001')]))).body).toMatchObject({ matched: 1 });
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['adjudicated', 'processed_secondary']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);
    expect((await getClaim(practiceId, 'CLM-1001')).patientResponsibilityCents).toBe(400);

    // Act 1: Beacon reverses its payment (a file with the reversal alone).
    expect((await postX12(practiceId, 'remittances', era(BEACON, 'EFT903', 903, [processedAsSecondary('CLM-1001', -1, '22')]))).body).toMatchObject({ matched: 1 });
    // Assess: the secondary claim reads the reversal; the primary is untouched; with Beacon's
    // payment reversed, Acme's adjudication decides again ($34).
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['adjudicated', 'reversal']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);
    expect((await getClaim(practiceId, 'CLM-1001')).patientResponsibilityCents).toBe(3400);

    // Act 2: Beacon's correction: it pays the rest ($34), nothing left to the patient.
    const correction: EraClaimSpec = {
      pcn: 'CLM-1001',
      status: '2',
      charge: 130,
      paid: 34,
      pr: 0,
      icn: 'BEACON-10',
      lines: [
        ['97124', 60, 14, ['CAS*OA*23*26', 'CAS*CO*45*20']],
        ['97140', 70, 20, ['CAS*OA*23*30', 'CAS*CO*45*20']],
      ],
    };
    expect((await postX12(practiceId, 'remittances', era(BEACON, 'EFT904', 904, [correction]))).body).toMatchObject({ matched: 1, quarantined: [] });
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['adjudicated', 'processed_secondary']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);
    const primary = await getClaim(practiceId, 'CLM-1001');
    expect(primary.adjudications.map((a: { status: string; payerId: string }) => [a.status, a.payerId])).toEqual([
      ['processed_primary', '1512345678'],
      ['processed_secondary', 'BEACON2'],
      ['reversal', 'BEACON2'],
      ['processed_secondary', 'BEACON2'],
    ]);
    expect(primary.patientResponsibilityCents).toBe(0);
  });

  it('a payer primary for one client and secondary for another: one file of it reaches each visit’s right claim', async () => {
    // Jane: Acme primary, Beacon secondary. Sam: Beacon primary, Acme secondary.
    const { practiceId, clientIds } = await practiceWith([
      ['ACME1', 'BEACON2'],
      ['BEACON2', 'ACME1'],
    ]);
    await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-1001', 'ACME1', workedExample835);
    const beaconAsPrimary: EraClaimSpec = {
      pcn: 'CLM-2001',
      status: '1',
      charge: 130,
      paid: 56,
      pr: 34,
      icn: 'BEACON-77',
      lines: [
        ['97124', 60, 26, ['CAS*CO*45*20', 'CAS*PR*2*14']],
        ['97140', 70, 30, ['CAS*CO*45*20', 'CAS*PR*1*20']],
      ],
    };
    await adjudicatedPrimary(practiceId, clientIds[1]!, 'CLM-2001', 'BEACON2', era(BEACON, 'EFT905', 905, [beaconAsPrimary]));
    const { groupControlNumber } = await submittedSecondary(practiceId, ['CLM-1001', 'CLM-2001']);
    await postX12(practiceId, 'acknowledgements', ack999(groupControlNumber, 'A'));
    expect((await getClaim(practiceId, 'CLM-2001S')).payerId).toBe('ACME1');

    // Act: one Acme file: it denies Sam's visit as his secondary payer, and reverses its payment of
    // Jane's visit as her primary payer.
    const answer = await postX12(practiceId, 'remittances', era(ACME, 'EFT906', 906, [deniedBySecondary('CLM-2001', 'ACME-5'), { ...processedAsPrimaryReversal }]));

    // Assess: Sam's secondary claim is denied, his primary keeps Beacon's verdict; Jane's primary
    // reads the reversal, her secondary claim (Beacon's) still waits.
    expect(answer.body).toMatchObject({ matched: 2, quarantined: [] });
    expect(await seen(practiceId, 'CLM-2001S')).toEqual(['adjudicated', 'denied']);
    expect(await seen(practiceId, 'CLM-2001')).toEqual(['adjudicated', 'processed_primary']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'reversal']);
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['accepted', 'accepted']);
  });

  it('a 277CA is read against the batch that carried the claim: the secondary batch’s rejection rejects the secondary claim, a late 277CA of the primary’s batch leaves it as it was', async () => {
    const { practiceId, clientIds } = await practiceWith([['ACME1', 'BEACON2']]);
    const primaryBatch = await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-1001', 'ACME1', workedExample835);
    const { batchId } = await submittedSecondary(practiceId, ['CLM-1001']);

    // Act 1: Acme's 277CA of the primary's batch comes late (accepted into adjudication, its claim
    // control number), while the secondary claim waits for Beacon's.
    const late = await postX12(practiceId, 'acknowledgements', ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20', icn: 'PAYER-77' }], { batch: primaryBatch }));
    // Assess: it is about the primary claim (adjudicated: nothing moves); the secondary is untouched.
    expect(late.status).toBe(202);
    expect(late.body.accepted).not.toContain('CLM-1001S');
    const waiting = await getClaim(practiceId, 'CLM-1001S');
    expect([waiting.state, waiting.acknowledgement]).toEqual(['submitted', null]);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);

    // Act 2: the 277CA of the secondary's batch rejects it (A7: invalid information).
    const rejected = await postX12(practiceId, 'acknowledgements', ack277([{ pcn: 'CLM-1001', category: 'A7', status: '164', message: 'OTHER PAYER ID INVALID' }], { batch: batchId }));
    // Assess: the secondary claim is rejected with the reason; the primary is untouched.
    expect(rejected.body.rejected).toEqual([{ claimId: 'CLM-1001S', reason: expect.stringMatching(/^A7:164:PR rejected for invalid information — OTHER PAYER ID INVALID/) }]);
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['rejected', 'rejected']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);
  });

  it('a 277CA whose receiver level (2200B) rejects the secondary batch, listing the claim beneath it, rejects the secondary claim once', async () => {
    const { practiceId, clientIds } = await practiceWith([['ACME1', 'BEACON2']]);
    await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-1001', 'ACME1', workedExample835);
    const { batchId } = await submittedSecondary(practiceId, ['CLM-1001']);

    const answer = await postX12(
      practiceId,
      'acknowledgements',
      ack277([{ pcn: 'CLM-1001', category: 'A3', status: '24' }], { batch: batchId, receiver: { category: 'A3', status: '24', entity: '41', action: 'U' } }),
    );

    expect(answer.body.rejected).toEqual([{ claimId: 'CLM-1001S', reason: expect.stringMatching(/^the whole 837P \(2200B\): A3:24:41/) }]);
    expect(answer.body.accepted).toEqual([]);
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['rejected', 'rejected']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);
  });

  it('a 999 rejecting the secondary batch rejects the secondary claim, not the primary', async () => {
    const { practiceId, clientIds } = await practiceWith([['ACME1', 'BEACON2']]);
    await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-1001', 'ACME1', workedExample835);
    const { groupControlNumber } = await submittedSecondary(practiceId, ['CLM-1001']);
    const answer = await postX12(practiceId, 'acknowledgements', ack999(groupControlNumber, 'R'));
    expect(answer.body.rejected.map((r: { claimId: string }) => r.claimId)).toEqual(['CLM-1001S']);
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['rejected', 'rejected']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);
  });

  it('an 835 naming no payer id at all (no N104, REF*2U or TRN03) goes by CLP02 as before: 2 → the secondary claim, 4 → the primary', async () => {
    const { practiceId, clientIds } = await practiceWith([['ACME1', 'BEACON2']]);
    await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-1001', 'ACME1', workedExample835);
    await submittedSecondary(practiceId, ['CLM-1001']);
    const anonymous = { name: 'BEACON MUTUAL', originator: '' };

    expect((await postX12(practiceId, 'remittances', era(anonymous, 'EFT950', 950, [processedAsSecondary('CLM-1001')]))).body).toMatchObject({ matched: 1 });
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['adjudicated', 'processed_secondary']);
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'processed_primary']);

    // Nothing tells this denial from the primary payer's: it is the primary's (a known limit, docs/claims.md).
    expect((await postX12(practiceId, 'remittances', era(anonymous, 'EFT951', 951, [deniedBySecondary('CLM-1001', 'BEACON-11')]))).body).toMatchObject({ matched: 1 });
    expect(await seen(practiceId, 'CLM-1001')).toEqual(['adjudicated', 'denied']);
    expect(await seen(practiceId, 'CLM-1001S')).toEqual(['adjudicated', 'processed_secondary']);
  });

  it('a correction of the primary claim after the secondary payer’s 835 carries the primary payer’s claim control number in REF*F8, not the secondary’s', async () => {
    const { practiceId, clientIds } = await practiceWith([['ACME1', 'BEACON2']]);
    await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-1001', 'ACME1', workedExample835);
    await submittedSecondary(practiceId, ['CLM-1001']);
    expect((await postX12(practiceId, 'remittances', era(BEACON, 'EFT907', 907, [processedAsSecondary('CLM-1001')]))).body).toMatchObject({ matched: 1 });

    // Act: a replacement of the primary claim to Acme (frequency 7).
    const replacement = await postClaim(practiceId, workedExampleClaimBody('CLM-1001R', clientIds[0]!, { correction: { of: 'CLM-1001', kind: 'replacement' } }));

    // Assess: REF*F8 is Acme's claim control number for the original (CLP07 PAYER-77 of its 835), not Beacon's.
    expect([replacement.status, replacement.body.frequencyCode, replacement.body.payerClaimControlNumber]).toEqual([201, '7', 'PAYER-77']);
  });

  it('a correction of a claim its payer forwarded (CLP02 19) carries that payer’s claim control number, not the one of the payer it was forwarded to', async () => {
    const { practiceId, clientIds } = await practiceWith([['ACME1', 'BEACON2']]);
    // Acme processes Jane's visit and forwards it to Beacon itself (a crossover); Beacon's 835 names the same CLM01.
    await adjudicatedPrimary(practiceId, clientIds[0]!, 'CLM-3001', 'ACME1', workedExample835.replaceAll('CLM-1001', 'CLM-3001').replace('CLP*CLM-3001*1*', 'CLP*CLM-3001*19*'));
    expect((await postX12(practiceId, 'remittances', era(BEACON, 'EFT908', 908, [processedAsSecondary('CLM-3001')]))).body).toMatchObject({ matched: 1 });

    const replacement = await postClaim(practiceId, workedExampleClaimBody('CLM-3001R', clientIds[0]!, { correction: { of: 'CLM-3001', kind: 'replacement' } }));

    expect([replacement.status, replacement.body.payerClaimControlNumber]).toEqual([201, 'PAYER-77']);
  });
});

/** Acme reverses its payment of Jane's visit (the worked example negated, CLP02 22). */
const processedAsPrimaryReversal: EraClaimSpec = {
  pcn: 'CLM-1001',
  status: '22',
  charge: -130,
  paid: -56,
  pr: -34,
  icn: 'PAYER-77',
  lines: [
    ['97124', -60, -26, ['CAS*CO*45*-20', 'CAS*PR*2*-14']],
    ['97140', -70, -30, ['CAS*CO*45*-20', 'CAS*PR*1*-20']],
  ],
};
