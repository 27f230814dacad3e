import { describe, expect, it } from 'vitest';
import { validateClaim, type ClaimForValidation } from '../../functions/domain/claim-validation';
import { build837P, type Batch837 } from '../../functions/domain/x12/837p';
import { amount } from '../../functions/domain/x12/segments';
import { check837P } from '../support/x12-837p-structure';
import { dependentCoverage, modifiersClaim, payer, practice, renderingProvider, selfCoverage, simpleClaim, twelveDiagnoses } from '../fixtures/claims/builders';

const at = new Date('2026-10-05T14:30:00Z');

const batchOf = (claims: { claim: ClaimForValidation; coverage?: typeof selfCoverage }[], controlNumber = 7): string => {
  const checked = claims.map(({ claim, coverage }) => {
    const verdict = validateClaim(practice, claim, payer, coverage ?? selfCoverage);
    expect(verdict.problems).toEqual([]);
    return verdict;
  });
  const batch: Batch837 = {
    interchangeControlNumber: controlNumber,
    createdAt: at,
    usage: 'T',
    submitter: { name: 'Harbor Bodywork LLC', id: '1234567893', contactName: 'Harbor Bodywork LLC', phone: '+1 503 555 0100', email: 'front@harbor.example' },
    receiver: { name: 'Clearinghouse', id: 'CLEARHOUSE' },
    billingProvider: checked[0]!.billingProvider!,
    reference: `B${String(controlNumber).padStart(9, '0')}`,
    claims: checked.map((c) => c.claim837!),
  };
  return build837P(batch);
};

const segments = (x12: string) => x12.split('~\n').filter(Boolean);

describe('837P builder (005010X222A1)', () => {
  it('writes a self-subscriber claim exactly as the guide lays it out', () => {
    const x12 = batchOf([{ claim: simpleClaim }]);
    expect(segments(x12)).toEqual([
      'ISA*00*          *00*          *ZZ*1234567893     *ZZ*CLEARHOUSE     *261005*1430*^*00501*000000007*1*T*:',
      'GS*HC*1234567893*CLEARHOUSE*20261005*1430*7*X*005010X222A1',
      'ST*837*0001*005010X222A1',
      'BHT*0019*00*B000000007*20261005*1430*CH',
      'NM1*41*2*HARBOR BODYWORK LLC*****46*1234567893',
      'PER*IC*HARBOR BODYWORK LLC*TE*5035550100*EM*front@harbor.example',
      'NM1*40*2*CLEARINGHOUSE*****46*CLEARHOUSE',
      'HL*1**20*1',
      'PRV*BI*PXC*225700000X',
      'NM1*85*2*HARBOR BODYWORK LLC*****XX*1234567893',
      'N3*1 MAIN ST*SUITE 200',
      'N4*PORTLAND*OR*972011234',
      'REF*EI*123456789',
      'HL*2*1*22*0',
      'SBR*P*18*GRP-77******CI',
      'NM1*IL*1*DOE*JANE****MI*XYZ123456789',
      'N3*22 ELM ST',
      'N4*PORTLAND*OR*97202',
      'DMG*D8*19850412*F',
      'NM1*PR*2*ACME HEALTH*****PI*ACME1',
      'N3*PO BOX 100',
      'N4*HARTFORD*CT*06101',
      'CLM*CLM-1001*60***11:B:1*Y*A*Y*Y',
      'HI*ABK:M542',
      'NM1*82*1*THERAPIST*MIA****XX*1245319599',
      'PRV*PE*PXC*225700000X',
      'LX*1',
      'SV1*HC:97124:GP*60*UN*2***1',
      'DTP*472*D8*20261002',
      'SE*28*0001',
      'GE*1*7',
      'IEA*1*000000007',
    ]);
    expect(segments(x12)[0]).toHaveLength(105);
    const report = check837P(x12);
    expect(report.problems).toEqual([]);
    expect(report.loops.map((l) => l.loop)).toEqual(['1000A', '1000B', '2000A', '2010AA', '2000B', '2010BA', '2010BB', '2300', '2310B', '2400']);
  });

  it('writes a dependent: subscriber HL04 = 1, then 2000C with PAT*19 and the patient in 2010CA', () => {
    const x12 = batchOf([{ claim: simpleClaim, coverage: dependentCoverage }]);
    const s = segments(x12);
    const from = s.indexOf('HL*2*1*22*1');
    // 2010BA N3/N4/DMG are "Required when the patient is the subscriber … If not required by this
    // implementation guide, do not send" (005010X222A1; X12 RFI 2281): the subscriber is named only.
    expect(s.slice(from, from + 11)).toEqual([
      'HL*2*1*22*1',
      'SBR*P**GRP-77******CI',
      'NM1*IL*1*ROE*JOHN****MI*XYZ987654321',
      'NM1*PR*2*ACME HEALTH*****PI*ACME1',
      'N3*PO BOX 100',
      'N4*HARTFORD*CT*06101',
      'HL*3*2*23*0',
      'PAT*19',
      'NM1*QC*1*ROE*JAMIE',
      'N3*22 ELM ST',
      'N4*PORTLAND*OR*97202',
    ]);
    expect(s[from + 11]).toBe('DMG*D8*20100601*U');
    expect(s).not.toContain('DMG*D8*19700130*M');
    const report = check837P(x12);
    expect(report.problems).toEqual([]);
    expect(report.loops.map((l) => l.loop)).toContain('2010CA');
  });

  it('writes several lines with GP and 59 modifiers, their pointers, REF*9F and REF*G1', () => {
    const x12 = batchOf([{ claim: modifiersClaim }]);
    const s = segments(x12);
    expect(s).toContain('CLM*CLM-2002*144.55***11:B:1*Y*A*Y*Y');
    expect(s).toContain('REF*9F*REF-42');
    expect(s).toContain('REF*G1*AUTH-555');
    expect(s).toContain('HI*ABK:M5450*ABF:M62830*ABF:M25511');
    expect(s.filter((x) => x.startsWith('LX*') || x.startsWith('SV1*'))).toEqual([
      'LX*1',
      'SV1*HC:97124:GP*60*UN*2***1:2',
      'LX*2',
      'SV1*HC:97140:GP:59*45.5*UN*1***2:3',
      'LX*3',
      'SV1*HC:97110:GP*39.05*UN*1***1',
    ]);
    expect(check837P(x12).problems).toEqual([]);
  });

  it('writes 12 diagnoses (HI01 ABK, HI02–HI12 ABF) and refuses a 13th naming diagnosisCodes', () => {
    const claim = { ...simpleClaim, diagnosisCodes: twelveDiagnoses, lines: [{ ...simpleClaim.lines[0]!, diagnosisPointers: [12, 11, 10, 9] }] };
    const x12 = batchOf([{ claim }]);
    const hi = segments(x12).find((x) => x.startsWith('HI*'))!;
    expect(hi.split('*')).toHaveLength(13);
    expect(hi).toBe('HI*ABK:M542*ABF:M5450*ABF:M62830*ABF:M25511*ABF:M25512*ABF:M791*ABF:M79601*ABF:M79602*ABF:G44209*ABF:S134XXA*ABF:M9901*ABF:R52');
    expect(segments(x12)).toContain('SV1*HC:97124:GP*60*UN*2***12:11:10:9');
    expect(check837P(x12).problems).toEqual([]);
    const thirteen = validateClaim(practice, { ...claim, diagnosisCodes: [...twelveDiagnoses, 'M54.6'] }, payer, selfCoverage);
    expect(thirteen.problems.map((p) => p.field)).toContain('diagnosisCodes');
  });

  it('a batch of several claims: HL ids run on, SE01 counts ST..SE, GE01 one set, IEA01 one group', () => {
    const x12 = batchOf([{ claim: simpleClaim }, { claim: { ...modifiersClaim }, coverage: dependentCoverage }, { claim: { ...simpleClaim, claimId: 'CLM-3003' } }], 123456789);
    const s = segments(x12);
    expect(s.filter((x) => x.startsWith('HL*'))).toEqual(['HL*1**20*1', 'HL*2*1*22*0', 'HL*3*1*22*1', 'HL*4*3*23*0', 'HL*5*1*22*0']);
    const st = s.findIndex((x) => x.startsWith('ST*'));
    const se = s.findIndex((x) => x.startsWith('SE*'));
    expect(s[se]).toBe(`SE*${se - st + 1}*0001`);
    expect(s.at(-2)).toBe('GE*1*123456789');
    expect(s.at(-1)).toBe('IEA*1*123456789');
    const report = check837P(x12);
    expect(report.problems).toEqual([]);
    expect(report.claims).toBe(3);
  });

  it('a replacement (7) and a void (8) carry REF*F8 with the payer claim control number', () => {
    const replacement = batchOf([{ claim: { ...simpleClaim, claimId: 'CLM-1001R', frequencyCode: '7', payerClaimControlNumber: 'PAYER-77' } }]);
    expect(segments(replacement)).toContain('CLM*CLM-1001R*60***11:B:7*Y*A*Y*Y');
    expect(segments(replacement)).toContain('REF*F8*PAYER-77');
    expect(check837P(replacement).problems).toEqual([]);
    const voided = batchOf([{ claim: { ...simpleClaim, claimId: 'CLM-1001V', frequencyCode: '8', payerClaimControlNumber: 'PAYER-77' } }]);
    expect(segments(voided)).toContain('CLM*CLM-1001V*60***11:B:8*Y*A*Y*Y');
    expect(check837P(voided).problems).toEqual([]);
    const missing = validateClaim(practice, { ...simpleClaim, frequencyCode: '7' }, payer, selfCoverage);
    expect(missing.problems.map((p) => p.field)).toEqual(['payerClaimControlNumber']);
  });

  it('leaves 2310B out when the billing provider rendered the service itself', () => {
    const x12 = batchOf([{ claim: { ...simpleClaim, renderingProvider: { firstName: 'Harbor', lastName: 'Bodywork', npi: practice.npi! } } }]);
    expect(segments(x12).some((x) => x.startsWith('NM1*82'))).toBe(false);
    expect(check837P(x12).problems).toEqual([]);
  });

  it('strips delimiters and non-ASCII from names so no element can break the file', () => {
    const x12 = batchOf([{ claim: simpleClaim, coverage: { ...selfCoverage, patient: { ...selfCoverage.patient, lastName: 'Ñúñez*O~Brien:Jr' } } }]);
    expect(segments(x12)).toContain('NM1*IL*1*NUNEZ O BRIEN JR*JANE****MI*XYZ123456789');
    expect(check837P(x12).problems).toEqual([]);
  });

  it('writes CLM01 exactly as the claim id, so the 277CA (TRN02) and the 835 (CLP01) that echo it find the claim', () => {
    const x12 = batchOf([{ claim: { ...simpleClaim, claimId: 'clm-1001.a_b' } }]);
    const clm = segments(x12).find((x) => x.startsWith('CLM*'))!;
    expect(clm.split('*')[1]).toBe('clm-1001.a_b');
    expect(check837P(x12).problems).toEqual([]);
  });

  it('writes amounts as X12 decimals', () => {
    expect([amount(6000), amount(4550), amount(3905), amount(1), amount(0), amount(-250)]).toEqual(['60', '45.5', '39.05', '0.01', '0', '-2.5']);
  });
});

describe('the structural validator finds what is wrong (it is not vacuous)', () => {
  const good = batchOf([{ claim: modifiersClaim }]);
  it.each([
    ['SE01 off by one', (x: string) => x.replace(/\nSE\*(\d+)\*/, (_, n) => `\nSE*${Number(n) + 1}*`), /SE01/],
    ['GE01 wrong', (x: string) => x.replace('GE*1*', 'GE*2*'), /GE01/],
    ['IEA01 wrong', (x: string) => x.replace('IEA*1*', 'IEA*3*'), /IEA01/],
    ['a line without DTP*472', (x: string) => x.replace('DTP*472*D8*20261003~\n', ''), /DTP/],
    ['HI missing', (x: string) => x.replace(/HI\*[^~]*~\n/, ''), /HI/],
    ['billing ZIP of 5 digits', (x: string) => x.replace('N4*PORTLAND*OR*972011234', 'N4*PORTLAND*OR*97201'), /N403/],
    ['a bad NPI', (x: string) => x.replace('XX*1245319599', 'XX*1245319590'), /check digit/],
    ['an unknown claim filing indicator', (x: string) => x.replace('******CI~', '******QQ~'), /SBR09/],
    ['segments out of order (SBR before HL)', (x: string) => x.replace('HL*2*1*22*0~\nSBR*P*18*GRP-77******CI~', 'SBR*P*18*GRP-77******CI~\nHL*2*1*22*0~'), /out of place|missing/],
    ['a pointer past the diagnoses', (x: string) => x.replace('***2:3', '***2:9'), /SV107/],
    ['CLM02 not the sum of the lines', (x: string) => x.replace('CLM*CLM-2002*144.55', 'CLM*CLM-2002*144.56'), /CLM02/],
    ['a self subscriber without DMG', (x: string) => x.replace('DMG*D8*19850412*F~\n', ''), /2010BA.*DMG/],
  ])('%s', (_name, corrupt, expected) => {
    const report = check837P(corrupt(good));
    expect(report.problems.join('\n')).toMatch(expected);
  });
});

describe('the structural validator: 2010BA address and demographics only for a subscriber who is the patient', () => {
  it("finds a dependent claim whose 2010BA carries the subscriber's N3/N4/DMG", () => {
    const dependent = batchOf([{ claim: simpleClaim, coverage: dependentCoverage }]);
    const withSubscriberDemographics = dependent
      .replace('NM1*IL*1*ROE*JOHN****MI*XYZ987654321~\n', 'NM1*IL*1*ROE*JOHN****MI*XYZ987654321~\nN3*22 ELM ST~\nN4*PORTLAND*OR*97202~\nDMG*D8*19700130*M~\n')
      .replace(/\nSE\*(\d+)\*/, (_, n) => `\nSE*${Number(n) + 3}*`);
    expect(check837P(withSubscriberDemographics).problems.join('\n')).toMatch(/2010BA.*N3, N4, DMG.*not the patient/);
  });
});

describe('claim validation names the field to fix', () => {
  const fieldsOf = (claim: Partial<ClaimForValidation>, over: { practice?: object; coverage?: object | null; payer?: object | null } = {}) =>
    validateClaim(
      { ...practice, ...over.practice },
      { ...simpleClaim, ...claim },
      over.payer === null ? undefined : ({ ...payer, ...over.payer } as never),
      over.coverage === null ? undefined : ({ ...selfCoverage, ...over.coverage } as never),
    ).problems.map((p) => p.field);

  it.each([
    ['rendering NPI check digit', { renderingProvider: { ...renderingProvider, npi: '1245319590' } }, {}, 'renderingProvider.npi'],
    ['billing NPI check digit', {}, { practice: { npi: '1234567890' } }, 'practice.npi'],
    ['billing taxonomy missing', {}, { practice: { taxonomyCode: undefined } }, 'practice.taxonomyCode'],
    ['billing ZIP+4 missing', {}, { practice: { address: { ...practice.address, postalCode: '97201' } } }, 'practice.address.postalCode'],
    ['EIN missing', {}, { practice: { taxId: undefined } }, 'practice.taxId'],
    ['ICD-10-CM form', { diagnosisCodes: ['U07.1'] }, {}, 'diagnosisCodes[0]'],
    ['ICD-9 style code', { diagnosisCodes: ['724.2'] }, {}, 'diagnosisCodes[0]'],
    ['no diagnosis', { diagnosisCodes: [] }, {}, 'diagnosisCodes'],
    ['pointer 5 of 1 diagnosis', { lines: [{ ...simpleClaim.lines[0]!, diagnosisPointers: [5] }] }, {}, 'lines[0].diagnosisPointers[0]'],
    [
      '5 pointers',
      { diagnosisCodes: ['M54.2', 'M54.50', 'M62.830', 'M25.511', 'M25.512'], lines: [{ ...simpleClaim.lines[0]!, diagnosisPointers: [1, 2, 3, 4, 5] }] },
      {},
      'lines[0].diagnosisPointers',
    ],
    ['units 0 with a charge', { lines: [{ ...simpleClaim.lines[0]!, units: 0 }] }, {}, 'lines[0].units'],
    ['charge 0 with units', { lines: [{ ...simpleClaim.lines[0]!, chargeCents: 0 }], chargeCents: 0 }, {}, 'lines[0].chargeCents'],
    ['place of service 00', { placeOfService: '00' }, {}, 'placeOfService'],
    ['no payer id', { payerId: null }, {}, 'payerId'],
    ['payer not saved', {}, { payer: null }, 'payerId'],
    ['no coverage', {}, { coverage: null }, 'coverage'],
    ['coverage with another payer', {}, { coverage: { payerId: 'OTHER1' } }, 'coverage.payerId'],
    ['dependent without subscriber', {}, { coverage: { relationship: 'spouse', subscriber: null } }, 'coverage.subscriber'],
    ['patient sex', {}, { coverage: { patient: { ...selfCoverage.patient, sex: 'X' } } }, 'coverage.patient.sex'],
    ['no rendering provider', { renderingProvider: null }, {}, 'renderingProvider'],
    ['a claim id of 21 characters', { claimId: 'CLM-12345678901234567' }, {}, 'claimId'],
  ])('%s → %s', (_name, claim, over, field) => {
    expect(fieldsOf(claim as Partial<ClaimForValidation>, over as never)).toContain(field);
  });

  it('a complete claim has no problem', () => {
    expect(fieldsOf({})).toEqual([]);
  });
});
