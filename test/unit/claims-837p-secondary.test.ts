/**
 * Secondary claims (coordination of benefits) in the 837P 005010X222A1: 2000B SBR01 S, loop 2320
 * (SBR of the primary with SBR01 P, CAS, AMT*D, OI), 2330A (NM1*IL), 2330B (NM1*PR), and per line
 * 2430 (SVD, CAS, DTP*573) — from DOMAIN.md §4's worked example: $130 billed, the primary paid $56
 * with CO-45 $40, PR-1 $20, PR-2 $14.
 */
import { describe, expect, it } from 'vitest';
import type { Adjudication } from '../../functions/domain/claim';
import { validateClaim, type ClaimForValidation, type CoverageForValidation } from '../../functions/domain/claim-validation';
import { primaryAdjudication837, primaryAdjudicationOf, secondaryClaim837, type PrimaryPlan837 } from '../../functions/domain/cob';
import { build837P, casSegments } from '../../functions/domain/x12/837p';
import { check837P } from '../support/x12-837p-structure';
import { practice, renderingProvider, selfCoverage } from '../fixtures/claims/builders';
import { WORKED_EXAMPLE_ADJUDICATED_LINES } from '../fixtures/claims/worked-example';

const at = new Date('2026-10-25T09:00:00Z');
const secondaryPayer = { name: 'Beacon Mutual', payerId: 'BEACON2', address: null, claimFilingIndicator: 'CI' };
/** The coverage's secondary plan as the validator sees it: the patient stays the coverage's. */
const secondaryPlan: CoverageForValidation = { payerId: 'BEACON2', memberId: 'BCN-555', groupNumber: 'BG-9', relationship: 'self', patient: selfCoverage.patient };
const primaryPlan: PrimaryPlan837 = {
  relationship: 'self',
  groupNumber: 'GRP-77',
  memberId: 'XYZ123456789',
  subscriber: { firstName: 'Jane', lastName: 'Doe', address: selfCoverage.patient.address },
  payer: { name: 'Acme Health', payerId: 'ACME1', claimFilingIndicator: 'CI' },
};

/** DOMAIN.md §4: 97124 × 2 @ $30 + 97140 × 2 @ $35 = $130. */
const secondaryClaim: ClaimForValidation = {
  claimId: 'CLM-1001S',
  dateOfService: '2026-10-02',
  placeOfService: '11',
  diagnosisCodes: ['M54.2'],
  lines: [
    { procedureCode: '97124', modifiers: ['GP'], units: 2, chargeCents: 6000 },
    { procedureCode: '97140', modifiers: ['GP'], units: 2, chargeCents: 7000 },
  ],
  chargeCents: 13000,
  payerId: 'BEACON2',
  renderingProvider,
};

/** The primary's 835 claim payment (test/fixtures/era/worked-example.835) as kneadpay stores it. */
const workedExample: Adjudication = {
  adjudicationId: 'adj-1',
  claimId: 'CLM-1001',
  remittanceId: 'rem-1',
  traceNumber: 'EFT123',
  payerId: 'ACMEHEALTH',
  paidAt: '2026-10-20',
  payerClaimControlNumber: 'PAYER-77',
  statusCode: '1',
  status: 'processed_primary',
  chargeCents: 13000,
  paidCents: 5600,
  patientResponsibilityCents: 3400,
  claimAdjustments: [],
  lines: WORKED_EXAMPLE_ADJUDICATED_LINES,
  appliedAt: '2026-10-21T08:00:00.000Z',
};

const fileFor = (adjudication: Adjudication, claim = secondaryClaim): string => {
  const verdict = validateClaim(practice, claim, secondaryPayer, secondaryPlan);
  expect(verdict.problems).toEqual([]);
  const matched = primaryAdjudication837(claim.lines, claim.chargeCents, adjudication);
  expect(matched.problems).toEqual([]);
  return build837P({
    interchangeControlNumber: 12,
    createdAt: at,
    usage: 'T',
    submitter: { name: 'Harbor Bodywork LLC', id: '1234567893', contactName: 'Harbor Bodywork LLC', phone: '+1 503 555 0100' },
    receiver: { name: 'Clearinghouse', id: 'CLEARHOUSE' },
    billingProvider: verdict.billingProvider!,
    reference: 'B000000012',
    claims: [secondaryClaim837(verdict.claim837!, 'CLM-1001', primaryPlan, matched.cob!)],
  });
};

const segments = (x12: string) => x12.split('~\n').filter(Boolean);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('837P of a secondary claim (005010X222A1 2320/2330A/2330B/2430)', () => {
  it('writes the worked example: SBR*S, the primary in 2320 with AMT*D 56, and per line SVD, CAS and DTP*573 from its 835', () => {
    // Act
    const x12 = fileFor(workedExample);

    // Assess
    const s = segments(x12);
    const from = s.indexOf('HL*2*1*22*0');
    expect(
      s.slice(
        from,
        s.findIndex((x) => x.startsWith('SE*')),
      ),
    ).toEqual([
      'HL*2*1*22*0',
      'SBR*S*18*BG-9******CI',
      'NM1*IL*1*DOE*JANE****MI*BCN-555',
      'N3*22 ELM ST',
      'N4*PORTLAND*OR*97202',
      'DMG*D8*19850412*F',
      'NM1*PR*2*BEACON MUTUAL*****PI*BEACON2',
      // CLM01 is the visit's patient control number, the primary claim's: the secondary's 835 echoes it.
      'CLM*CLM-1001*130***11:B:1*Y*A*Y*Y',
      'HI*ABK:M542',
      'NM1*82*1*THERAPIST*MIA****XX*1245319599',
      'PRV*PE*PXC*225700000X',
      'SBR*P*18*GRP-77******CI',
      'AMT*D*56',
      'OI***Y***Y',
      'NM1*IL*1*DOE*JANE****MI*XYZ123456789',
      'N3*22 ELM ST',
      'N4*PORTLAND*OR*97202',
      'NM1*PR*2*ACME HEALTH*****PI*ACME1',
      'LX*1',
      'SV1*HC:97124:GP*60*UN*2***1',
      'DTP*472*D8*20261002',
      'SVD*ACME1*26*HC:97124:GP**2',
      'CAS*CO*45*20',
      'CAS*PR*2*14',
      'DTP*573*D8*20261020',
      'LX*2',
      'SV1*HC:97140:GP*70*UN*2***1',
      'DTP*472*D8*20261002',
      'SVD*ACME1*30*HC:97140:GP**2',
      'CAS*CO*45*20',
      'CAS*PR*1*20',
      'DTP*573*D8*20261020',
    ]);
    const report = check837P(x12);
    expect(report.problems).toEqual([]);
    expect(report.loops.map((l) => l.loop)).toEqual(['1000A', '1000B', '2000A', '2010AA', '2000B', '2010BA', '2010BB', '2300', '2310B', '2320', '2330A', '2330B', '2400', '2430', '2400', '2430']);
    // The COB amounts: CO-45 40, PR-1 20, PR-2 14; 130 − 40 − 20 − 14 = 56 (DOMAIN.md §4).
    const cas = s.filter((x) => x.startsWith('CAS*')).map((x) => x.split('*'));
    const total = (group: string, reason?: string) => sum(cas.filter((c) => c[1] === group && (!reason || c[2] === reason)).map((c) => Math.round(Number(c[3]) * 100)));
    expect([total('CO', '45'), total('PR', '1'), total('PR', '2')]).toEqual([4000, 2000, 1400]);
    expect(13000 - total('CO') - total('PR')).toBe(5600);
  });

  it('claim-level adjustments of the 835 go into 2320 CAS (one segment per group), and the claim still balances to AMT*D', () => {
    // Prepare: the same payment with its adjustments at claim level (lines paid at charge).
    const claimLevel: Adjudication = {
      ...workedExample,
      claimAdjustments: [
        { group: 'CO', reason: '45', amountCents: 4000 },
        { group: 'PR', reason: '1', amountCents: 2000 },
        { group: 'PR', reason: '2', amountCents: 1400 },
      ],
      lines: workedExample.lines.map((line) => ({ ...line, paidCents: line.chargeCents, adjustments: [] })),
    };

    const s = segments(fileFor(claimLevel));

    expect(s.slice(s.indexOf('SBR*P*18*GRP-77******CI'), s.indexOf('AMT*D*56') + 1)).toEqual(['SBR*P*18*GRP-77******CI', 'CAS*CO*45*40', 'CAS*PR*1*20**2*14', 'AMT*D*56']);
    expect(s.filter((x) => x.startsWith('SVD*'))).toEqual(['SVD*ACME1*60*HC:97124:GP**2', 'SVD*ACME1*70*HC:97140:GP**2']);
    expect(check837P(fileFor(claimLevel)).problems).toEqual([]);
  });

  it('a dependent on both plans: 2000C under the secondary subscriber, 2320 SBR02 the relationship to the primary plan’s subscriber, 2330A that subscriber', () => {
    // Prepare: the patient is the spouse of the secondary plan's subscriber and the child of the primary's.
    const spouse = { firstName: 'John', lastName: 'Roe', dateOfBirth: '1970-01-30', sex: 'M' as const, address: selfCoverage.patient.address };
    const plan: CoverageForValidation = { ...secondaryPlan, relationship: 'spouse', subscriber: spouse };
    const verdict = validateClaim(practice, secondaryClaim, secondaryPayer, plan);
    expect(verdict.problems).toEqual([]);
    const matched = primaryAdjudication837(secondaryClaim.lines, 13000, workedExample);
    const primary: PrimaryPlan837 = { ...primaryPlan, relationship: 'child', subscriber: { firstName: 'Ann', lastName: 'Doe', address: selfCoverage.patient.address } };

    const x12 = build837P({
      interchangeControlNumber: 13,
      createdAt: at,
      usage: 'T',
      submitter: { name: 'Harbor Bodywork LLC', id: '1234567893', contactName: 'Harbor Bodywork LLC', phone: '+1 503 555 0100' },
      receiver: { name: 'Clearinghouse', id: 'CLEARHOUSE' },
      billingProvider: verdict.billingProvider!,
      reference: 'B000000013',
      claims: [secondaryClaim837(verdict.claim837!, 'CLM-1001', primary, matched.cob!)],
    });

    const s = segments(x12);
    expect(s.slice(s.indexOf('HL*2*1*22*1'), s.indexOf('HL*2*1*22*1') + 5)).toEqual([
      'HL*2*1*22*1',
      'SBR*S**BG-9******CI',
      'NM1*IL*1*ROE*JOHN****MI*BCN-555',
      'NM1*PR*2*BEACON MUTUAL*****PI*BEACON2',
      'HL*3*2*23*0',
    ]);
    expect(s).toContain('PAT*01');
    expect(s.slice(s.indexOf('SBR*P*19*GRP-77******CI'), s.indexOf('SBR*P*19*GRP-77******CI') + 4)).toEqual([
      'SBR*P*19*GRP-77******CI',
      'AMT*D*56',
      'OI***Y***Y',
      'NM1*IL*1*DOE*ANN****MI*XYZ123456789',
    ]);
    expect(check837P(x12).problems).toEqual([]);
  });

  it('a seventh adjustment of one group opens another CAS (CAS holds six triplets)', () => {
    const seven = Array.from({ length: 7 }, (_, i) => ({ group: 'CO', reason: String(i + 1), amountCents: 100 }));
    expect(casSegments(seven)).toEqual(['CAS*CO*1*1**2*1**3*1**4*1**5*1**6*1', 'CAS*CO*7*1']);
  });
});

describe('which adjudication of the primary a secondary claim carries (domain/cob.ts)', () => {
  const of = (...codes: string[]) => primaryAdjudicationOf(codes.map((statusCode, i) => ({ ...workedExample, adjudicationId: `a${i}`, statusCode, status: `s${statusCode}` })));

  it.each([
    [[], /no adjudication/],
    [['25'], /no adjudication/],
    [['19'], /forwarded.*CLP02 19/],
    [['1', '22'], /reverses/],
    [['4'], /not processed as primary/],
    [['2'], /not processed as primary/],
  ])('%j → refused (%s)', (codes, why) => {
    const picked = of(...(codes as string[]));
    expect('problem' in picked && picked.problem).toMatch(why);
  });

  it("the secondary payer's own 835 (applied to the same claim) does not replace the primary's adjudication", () => {
    const chain = [
      { ...workedExample, adjudicationId: 'a0' },
      { ...workedExample, adjudicationId: 'a1', payerId: 'BEACON2', statusCode: '2', status: 'processed_secondary' },
      { ...workedExample, adjudicationId: 'a2', payerId: 'BEACON2', statusCode: '4', status: 'denied' },
    ];
    const picked = primaryAdjudicationOf(chain);
    expect('adjudication' in picked && picked.adjudication.adjudicationId).toBe('a0');
  });

  it('the latest CLP02 1 payment (a correction after a reversal) is the one carried', () => {
    const picked = of('1', '22', '1');
    expect('adjudication' in picked && picked.adjudication.adjudicationId).toBe('a2');
  });

  it('an 835 that adjudicated another charge or other lines cannot balance: refused naming secondaryOf', () => {
    const partial = primaryAdjudication837(secondaryClaim.lines, 13000, { ...workedExample, chargeCents: 6000, lines: [workedExample.lines[0]!] });
    expect(partial.problems.map((p) => p.field)).toEqual(['secondaryOf', 'secondaryOf']);
    expect(partial.problems.map((p) => p.message).join('\n')).toMatch(/charge of 6000.*13000[\s\S]*line 2 \(97140/);
  });

  it('a line the payer re-coded is matched by its place and charge, and SVD03 carries the adjudicated code', () => {
    const recoded = {
      ...workedExample,
      lines: [
        { ...workedExample.lines[0]!, procedureCode: '97140' },
        { ...workedExample.lines[1]!, procedureCode: '97112' },
      ],
    };
    const matched = primaryAdjudication837(secondaryClaim.lines, 13000, recoded);
    expect(matched.problems).toEqual([]);
    expect(matched.cob!.lines.map((l) => [l.procedureCode, l.paidCents])).toEqual([
      ['97140', 2600],
      ['97112', 3000],
    ]);
  });
});

describe('the structural validator checks the COB loops (it is not vacuous)', () => {
  const good = fileFor(workedExample);
  const renumber = (x: string, delta: number) => x.replace(/\nSE\*(\d+)\*/, (_, n) => `\nSE*${Number(n) + delta}*`);
  it.each([
    ['AMT*D that the adjustments do not explain', (x: string) => x.replace('AMT*D*56', 'AMT*D*55'), /AMT\*D paid 55/],
    ['an SVD02 the line CAS do not explain', (x: string) => x.replace('SVD*ACME1*26*', 'SVD*ACME1*27*'), /SVD02 paid 27/],
    ['an SVD01 naming no 2330B payer', (x: string) => x.replace('SVD*ACME1*30*', 'SVD*OTHER9*30*'), /SVD01 OTHER9 names no 2330B payer/],
    ['2320 without OI', (x: string) => renumber(x.replace('OI***Y***Y~\n', ''), -1), /required segment OI/],
    ['2320 without 2330B', (x: string) => renumber(x.replace('NM1*PR*2*ACME HEALTH*****PI*ACME1~\n', ''), -1), /required loop 2330B/],
    ['2430 without DTP*573', (x: string) => renumber(x.replace(/DTP\*573\*D8\*20261020~\n(LX)/, '$1'), -1), /DTP \(line check or remittance date\)/],
    ['an unknown CAS group', (x: string) => x.replace('CAS*CO*45*20', 'CAS*XX*45*20'), /CAS01 "XX"/],
    ['a secondary claim (SBR01 S) without its 2320', (x: string) => renumber(x.replace(/SBR\*P\*18\*GRP-77[\s\S]*?NM1\*PR\*2\*ACME HEALTH\*+PI\*ACME1~\n/, ''), -7), /no 2320 loop/],
    ["2320 naming the claim's own place (SBR01 S)", (x: string) => x.replace('SBR*P*18*GRP-77', 'SBR*S*18*GRP-77'), /own place/],
    ['2320 after the service lines', (x: string) => x.replace(/(SBR\*P\*18[\s\S]*?PI\*ACME1~\n)([\s\S]*?)(SE\*)/, '$2$1$3'), /out of place/],
  ])('%s', (_name, corrupt, expected) => {
    const report = check837P(corrupt(good));
    expect(report.problems.join('\n')).toMatch(expected);
  });
});
