import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EraParser, parseEra, readEra, serializeEra, toPinnedClaimJson } from '../../functions/domain/era835';
import type { EraClaim } from '../../functions/domain/era835';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/era/${name}`, import.meta.url)), 'utf8');

/** The SPEC.md §2 sample line, verbatim. */
const SPEC_SAMPLE_LINE =
  '{"procedureCode":"97124","modifiers":[],"units":2,"serviceDate":"2026-10-02","chargeCents":6000,"paidCents":2600,"allowedCents":4000,"patientResponsibilityCents":1400,"adjustments":[{"group":"CO","reason":"45","amountCents":2000},{"group":"PR","reason":"2","amountCents":1400}]}';

const pinned = (claim: EraClaim) => JSON.stringify(toPinnedClaimJson(claim));

describe('era835: the DOMAIN.md §4 worked example', () => {
  it('prints the SPEC.md §2 object: same keys in the same order, the sample line verbatim', () => {
    // Prepare
    const text = fixture('worked-example.835');

    // Act
    const remittance = parseEra(text);

    // Assess
    expect(remittance.claims).toHaveLength(1);
    const line = pinned(remittance.claims[0]!);
    expect(line).toBe(
      '{"traceNumber":"EFT123","payerName":"ACME HEALTH","patientControlNumber":"CLM-1001",' +
        '"payerClaimControlNumber":"PAYER-77","statusCode":"1","status":"processed_primary",' +
        '"chargeCents":13000,"paidCents":5600,"patientResponsibilityCents":3400,' +
        '"reportedPatientResponsibilityCents":3400,"balanced":true,"problems":[],' +
        `"claimAdjustments":[],"lines":[${SPEC_SAMPLE_LINE},` +
        '{"procedureCode":"97140","modifiers":[],"units":2,"serviceDate":"2026-10-02","chargeCents":7000,"paidCents":3000,' +
        '"allowedCents":5000,"patientResponsibilityCents":2000,"adjustments":[{"group":"CO","reason":"45","amountCents":2000},' +
        '{"group":"PR","reason":"1","amountCents":2000}]}]}',
    );
  });

  it('reads the payment header the remittance API and ClaimAdjudicated need', () => {
    // Act
    const remittance = parseEra(fixture('worked-example.835'));

    // Assess
    expect(remittance.header).toEqual({
      index: 0,
      transactionSetControlNumber: '0001',
      traceNumber: 'EFT123',
      originatorId: '1512345678',
      payerName: 'ACME HEALTH',
      payerId: '1512345678',
      payeeName: 'CALM HANDS MASSAGE',
      payeeId: '1234567893',
      handlingCode: 'I',
      paymentCents: 5600,
      paymentMethod: 'ACH',
      paidAt: '2026-10-20',
    });
    expect(remittance.interchangeControlNumber).toBe('000000001');
    expect(remittance.fileProblems).toEqual([]);
    expect(remittance.claims[0]!.patient).toEqual({ lastName: 'DOE', firstName: 'JANE', memberId: 'W123456789' });
    expect(remittance.claims[0]!.segmentNumber).toBe(14);
  });

  it('reads the same claims whatever the chunk size, a character at a time included', () => {
    // Prepare
    const text = fixture('worked-example.835');
    const whole = parseEra(text).claims.map(pinned);

    // Act
    const results = [1, 7, 105, 106, 107, 4096].map((size) => {
      const parser = new EraParser();
      const claims: EraClaim[] = [];
      for (let at = 0; at < text.length; at += size) claims.push(...parser.write(text.slice(at, at + size)));
      parser.end();
      return claims.map(pinned);
    });

    // Assess
    for (const claims of results) expect(claims).toEqual(whole);
  });

  it('streams claims from an async source and returns the totals at the end', async () => {
    // Prepare
    const bytes = new TextEncoder().encode(fixture('plb.835'));
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 50) yield bytes.slice(at, at + 50);
    }
    const seen: string[] = [];

    // Act
    const summary = await readEra(chunks(), (claim) => {
      seen.push(claim.patientControlNumber);
    });

    // Assess
    expect(seen).toEqual(['CLM-3001', 'CLM-3002']);
    expect(summary.claimCount).toBe(2);
    expect(summary.payments[0]).toMatchObject({ claimsPaidCents: 9600, providerAdjustmentCents: 1000, problems: [] });
  });
});

describe('era835: readEra sources', () => {
  it('takes a plain string as one chunk and returns the same totals as parseEra', async () => {
    // Prepare
    const text = fixture('reversal-correction.835');
    const seen: string[] = [];

    // Act
    const summary = await readEra(text, (claim) => {
      seen.push(claim.status);
    });

    // Assess
    expect(seen).toEqual(['reversal', 'processed_primary']);
    expect(summary.payments.map((p) => [p.payment.traceNumber, p.claimsPaidCents, p.problems])).toEqual([['EFT124', 1000, []]]);
  });
});

describe('era835: claim status (CLP02)', () => {
  it('maps every status code of DOMAIN.md §4, and any other code to "other"', () => {
    // Act
    const claims = parseEra(fixture('statuses.835')).claims;

    // Assess
    expect(claims.map((claim) => [claim.statusCode, claim.status])).toEqual([
      ['1', 'processed_primary'],
      ['1', 'processed_primary'],
      ['2', 'processed_secondary'],
      ['3', 'processed_tertiary'],
      ['4', 'denied'],
      ['5', 'pended'],
      ['19', 'processed_primary_forwarded'],
      ['20', 'processed_secondary_forwarded'],
      ['21', 'processed_tertiary_forwarded'],
      ['22', 'reversal'],
      ['23', 'not_our_claim'],
      ['25', 'predetermination'],
      ['27', 'other'],
    ]);
    expect(claims.every((claim) => claim.balanced)).toBe(true);
  });

  it('$0 paid with the allowed amount in PR-1 is processed (deductible), not denied', () => {
    // Act
    const claim = parseEra(fixture('statuses.835')).claims.find((c) => c.patientControlNumber === 'ST-1-DEDUCTIBLE')!;

    // Assess
    expect(toPinnedClaimJson(claim)).toMatchObject({ status: 'processed_primary', paidCents: 0, patientResponsibilityCents: 6000, balanced: true });
  });
});

describe('era835: reversals and corrections', () => {
  it('keeps the negative signs of a reversal and reads the correction that follows it', () => {
    // Act
    const remittance = parseEra(fixture('reversal-correction.835'));
    const [reversal, correction] = remittance.claims.map((claim) => toPinnedClaimJson(claim));

    // Assess
    expect(reversal).toMatchObject({
      patientControlNumber: 'CLM-1001',
      statusCode: '22',
      status: 'reversal',
      chargeCents: -13000,
      paidCents: -5600,
      patientResponsibilityCents: -3400,
      reportedPatientResponsibilityCents: -3400,
      balanced: true,
    });
    expect(reversal!.lines[0]).toMatchObject({
      chargeCents: -6000,
      paidCents: -2600,
      allowedCents: -4000,
      adjustments: [
        { group: 'CO', reason: '45', amountCents: -2000 },
        { group: 'PR', reason: '2', amountCents: -1400 },
      ],
    });
    expect(correction).toMatchObject({ patientControlNumber: 'CLM-1001', status: 'processed_primary', paidCents: 6600, patientResponsibilityCents: 2400, balanced: true });
    // The patient's balance over original (3400), reversal and correction falls to 2400.
    expect(3400 + reversal!.patientResponsibilityCents + correction!.patientResponsibilityCents).toBe(2400);
    expect(remittance.fileProblems).toEqual([]);
  });
});

describe('era835: adjustments (CAS)', () => {
  it('reads claim-level CAS with all six triplets, and quantities in between', () => {
    // Act
    const [claim] = parseEra(fixture('pipe-crlf.835')).claims;

    // Assess
    expect(toPinnedClaimJson(claim!).claimAdjustments).toEqual([
      { group: 'CO', reason: '45', amountCents: 1000 },
      { group: 'CO', reason: '253', amountCents: 150 },
      { group: 'CO', reason: '59', amountCents: 200 },
      { group: 'CO', reason: '97', amountCents: 300 },
      { group: 'CO', reason: 'B15', amountCents: 400 },
      { group: 'CO', reason: '131', amountCents: 50 },
      { group: 'PR', reason: '1', amountCents: 2000 },
      { group: 'PR', reason: '2', amountCents: 500 },
    ]);
    expect(claim).toMatchObject({ lines: [], patientResponsibilityCents: 2500, balanced: true, serviceDate: '2026-10-05' });
  });

  it('balances a claim with both claim-level and line-level CAS', () => {
    // Act
    const claim = parseEra(fixture('pipe-crlf.835')).claims[1]!;

    // Assess
    expect(toPinnedClaimJson(claim)).toMatchObject({
      chargeCents: 15000,
      paidCents: 10000,
      claimAdjustments: [{ group: 'OA', reason: '23', amountCents: 3000 }],
      lines: [{ procedureCode: '97140', paidCents: 13000, patientResponsibilityCents: 2000 }],
      balanced: true,
    });
  });

  it('reports which rule fails, in the pinned problem style, and quarantines the claim', () => {
    // Prepare: the payer's line paid amount is off by $4
    const text = fixture('worked-example.835').replace('SVC*HC:97124*60*26**2~', 'SVC*HC:97124*60*30**2~');

    // Act
    const claim = parseEra(text).claims[0]!;

    // Assess
    expect(claim.balanced).toBe(false);
    expect(claim.problems).toEqual(['line 1: charge 6000 - adjustments 3400 != paid 3000']);
  });

  it('reports a claim that does not add up, a patient share that does not match CLP05, and the file total', () => {
    // Prepare
    const text = fixture('worked-example.835').replace('CLP*CLM-1001*1*130*56*34*', 'CLP*CLM-1001*1*130*50*30*');

    // Act
    const claim = parseEra(text).claims[0]!;

    // Assess
    expect(claim.problems).toEqual([
      'claim: charge 13000 - adjustments 7400 != paid 5000',
      'patient: responsibility 3000 != PR adjustments 3400',
      'file: payment 5600 != claims paid 5000 - provider adjustments 0',
    ]);
  });
});

describe('era835: delimiters and line breaks', () => {
  it('reads | elements, > components, ^ repetition and CRLF after each terminator', () => {
    // Act
    const remittance = parseEra(fixture('pipe-crlf.835'));

    // Assess
    expect(remittance.delimiters).toEqual({ element: '|', component: '>', repetition: '^', segment: '~', lineBreak: '\r\n' });
    expect(remittance.header).toMatchObject({ traceNumber: 'EFT200', payerName: 'BLUE RIVER PLAN', payerId: 'BRP01' });
    const line = remittance.claims[1]!.lines[0]!;
    expect(line).toMatchObject({ qualifier: 'HC', procedureCode: '97140', modifiers: ['GP', '59'], units: 3, originalProcedureCode: '97124' });
  });

  it.each([
    ['no line breaks', (text: string) => text.replaceAll('~\n', '~')],
    ['LF after ~', (text: string) => text],
    ['CRLF after ~', (text: string) => text.replaceAll('~\n', '~\r\n')],
    ['CR after ~', (text: string) => text.replaceAll('~\n', '~\r')],
    ['LF as the terminator', (text: string) => text.replaceAll('~\n', '\n')],
    ['CRLF with LF as the terminator', (text: string) => text.replaceAll('~\n', '\r\n')],
    ['a byte-order mark and blank lines first', (text: string) => `\uFEFF\n\n${text}`],
    ['no terminator after IEA', (text: string) => text.replace(/~\n$/, '')],
  ])('reads the same claims with %s', (_name, transform) => {
    // Prepare
    const original = fixture('worked-example.835');
    const expected = parseEra(original).claims.map(pinned);

    // Act
    const claims = parseEra(transform(original)).claims.map(pinned);

    // Assess
    expect(claims).toEqual(expected);
  });

  it('never assumes * : ~ — a file written with other delimiters reads the same', () => {
    // Prepare
    const model = {
      payments: [
        {
          traceNumber: 'T1',
          payerName: 'ACME HEALTH',
          paidAt: '2026-10-20',
          claims: [
            {
              patientControlNumber: 'CLM-9',
              statusCode: '1',
              chargeCents: 6000,
              paidCents: 4000,
              reportedPatientResponsibilityCents: 2000,
              lines: [
                { procedureCode: '97124', modifiers: ['GP'], chargeCents: 6000, paidCents: 4000, units: 2, serviceDate: '2026-10-02', adjustments: [{ group: 'PR', reason: '3', amountCents: 2000 }] },
              ],
            },
          ],
        },
      ],
    };

    // Act
    const readBack = [
      { element: '+', component: '<', repetition: '{', segment: "'", lineBreak: '' },
      { element: '^', component: '\\', repetition: null, segment: '\n', lineBreak: '' },
    ].map((delimiters) => {
      const text = serializeEra(model, delimiters);
      return { delimiters: parseEra(text).delimiters, claims: parseEra(text).claims.map(pinned) };
    });

    // Assess
    expect(readBack[0]!.delimiters).toMatchObject({ element: '+', component: '<', repetition: '{', segment: "'" });
    expect(readBack[1]!.delimiters).toMatchObject({ element: '^', component: '\\', repetition: null, segment: '\n' });
    expect(readBack[0]!.claims).toEqual(readBack[1]!.claims);
    expect(JSON.parse(readBack[0]!.claims[0]!)).toMatchObject({ balanced: true, lines: [{ modifiers: ['GP'], units: 2 }] });
  });
});

describe('era835: provider adjustments (PLB) and the file balance', () => {
  it('reads PLB pairs and balances BPR02 = Σ CLP04 − Σ PLB', () => {
    // Act
    const remittance = parseEra(fixture('plb.835'));

    // Assess
    expect(remittance.providerAdjustments).toEqual([
      { segmentNumber: 20, providerId: '1234567893', fiscalPeriodDate: '2026-12-31', reason: 'WO', reference: 'CLM-0999', amountCents: 1250 },
      { segmentNumber: 20, providerId: '1234567893', fiscalPeriodDate: '2026-12-31', reason: 'L6', reference: 'CLM-3001', amountCents: -250 },
    ]);
    expect(remittance.header.paymentCents).toBe(8600);
    expect(remittance.header.payerId).toBe('ACME01');
    expect(remittance.fileProblems).toEqual([]);
    expect(remittance.claims.every((claim) => claim.balanced)).toBe(true);
  });

  it('interest (claim AMT*I, paid through PLB L6) and MIA/MOA leave the claim, its patient share and the file balance as they are (005010X221A1 §1.10.2.9: AMT is informational; interest nets in the PLB)', () => {
    // Prepare: CLM-3001 of plb.835 with the claim-level segments a Medicare-style payer adds; its $2.50 interest is the PLB's L6.
    const text = fixture('plb.835')
      .replace('CLP*CLM-3001*1*130*56*34*12*PAYER-91~', 'CLP*CLM-3001*1*130*56*34*12*PAYER-91~NM1*QC*1*DOE*JANE****MI*W123456789~MIA*0***12.5~MOA***MA130~DTM*050*20261115~AMT*I*2.5~')
      .replace('SE*19*0001~', 'SE*24*0001~');

    // Act
    const remittance = parseEra(text);

    // Assess
    const claim = remittance.claims[0]!;
    expect([claim.patientControlNumber, claim.balanced, claim.problems, claim.paidCents, claim.patientResponsibilityCents, claim.lines.map((l) => l.allowedCents)]).toEqual([
      'CLM-3001',
      true,
      [],
      5600,
      3400,
      [9000],
    ]);
    expect(remittance.fileProblems).toEqual([]);
    expect(remittance.providerAdjustments.map((a) => [a.reason, a.amountCents])).toEqual([
      ['WO', 1250],
      ['L6', -250],
    ]);
  });

  it('a file that does not balance puts every claim of its payment in quarantine with a file problem', () => {
    // Prepare
    const text = fixture('plb.835').replace('BPR*I*86*C', 'BPR*I*96*C');

    // Act
    const remittance = parseEra(text);

    // Assess
    const problem = 'file: payment 9600 != claims paid 9600 - provider adjustments 1000';
    expect(remittance.fileProblems).toEqual([problem]);
    expect(remittance.claims.map((claim) => [claim.balanced, claim.problems])).toEqual([
      [false, [problem]],
      [false, [problem]],
    ]);
  });

  it('checks each payment (ST/SE) of a file on its own; a debit (BPR03 = D) counts as negative', () => {
    // Prepare
    const claim = (id: string, paid: number) => ({ patientControlNumber: id, statusCode: '1', chargeCents: paid, paidCents: paid });
    const text = serializeEra({
      payments: [
        { traceNumber: 'A', payerName: 'ONE', claims: [claim('C1', 5000)] },
        { traceNumber: 'B', payerName: 'TWO', paymentCents: -1000, claims: [claim('C2', 0)], providerAdjustments: [{ providerId: 'P', reason: 'WO', amountCents: 1000 }] },
        { traceNumber: 'C', payerName: 'THREE', paymentCents: 7000, claims: [claim('C3', 6000)] },
      ],
    });

    // Act
    const remittance = parseEra(text);

    // Assess
    expect(remittance.payments.map((payment) => [payment.payment.traceNumber, payment.payment.paymentCents, payment.problems.length])).toEqual([
      ['A', 5000, 0],
      ['B', -1000, 0],
      ['C', 7000, 1],
    ]);
    expect(remittance.claims.map((c) => [c.patientControlNumber, c.payment.traceNumber, c.balanced])).toEqual([
      ['C1', 'A', true],
      ['C2', 'B', true],
      ['C3', 'C', false],
    ]);
  });
});

describe('era835: service dates and allowed amounts', () => {
  it('falls back to the claim DTM*232 when a line has no DTM*472, and allowed is null without AMT*B6', () => {
    // Prepare
    const text = fixture('worked-example.835')
      .replace('SVC*HC:97140*70*30**2~\nDTM*472*20261002~', 'SVC*HC:97140*70*30**2~')
      .replace('AMT*B6*50~\n', '')
      .replace('SE*25*0001', 'SE*23*0001')
      .replace('DTM*232*20261002', 'DTM*232*20261001');

    // Act
    const [first, second] = toPinnedClaimJson(parseEra(text).claims[0]!).lines;

    // Assess
    expect(first).toMatchObject({ serviceDate: '2026-10-02', allowedCents: 4000 });
    expect(second).toMatchObject({ serviceDate: '2026-10-01', allowedCents: null });
  });
});
