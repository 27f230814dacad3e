import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEra, serializeEra } from '../../functions/domain/era835';
import type { Delimiters, EraAdjustmentInput, EraClaimInput, EraLineInput, EraPaymentInput } from '../../functions/domain/era835';

const NUM_RUNS = 200;
const STATUS_CODES = ['1', '2', '3', '4', '19', '20', '21', '22', '23', '25'];
const GROUPS = ['CO', 'PR', 'OA', 'PI', 'CR'];
const REASONS = ['1', '2', '3', '45', '96', '204', '50', '97', 'B15', '18', '23', '187', '253'];
const CODES = ['97124', '97140', '97112', '97110', '97010'];

/** Delimiter sets seen in the wild (and a few odd ones): the parser must take them from ISA. */
const DELIMITER_SETS: Delimiters[] = [
  { element: '*', component: ':', repetition: '^', segment: '~', lineBreak: '' },
  { element: '*', component: ':', repetition: '^', segment: '~', lineBreak: '\n' },
  { element: '|', component: '>', repetition: '^', segment: '~', lineBreak: '\r\n' },
  { element: '^', component: '\\', repetition: null, segment: '\n', lineBreak: '' },
  { element: '+', component: '<', repetition: '{', segment: "'", lineBreak: '\r' },
];

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const money = fc.integer({ min: 0, max: 500_000 });
const day = fc
  .record({ year: fc.integer({ min: 2020, max: 2030 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) })
  .map(({ year, month, day: d }) => `${year}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
const id = fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,15}$/);
const adjustment: fc.Arbitrary<EraAdjustmentInput> = fc.record({
  group: fc.constantFrom(...GROUPS),
  reason: fc.constantFrom(...REASONS),
  amountCents: fc.integer({ min: -20_000, max: 200_000 }),
});
const line: fc.Arbitrary<EraLineInput> = fc
  .record({
    procedureCode: fc.constantFrom(...CODES),
    modifiers: fc.subarray(['GP', '59', 'KX', 'GO'], { maxLength: 4 }),
    chargeCents: money,
    units: fc.integer({ min: 1, max: 8 }),
    serviceDate: day,
    allowedCents: fc.option(money, { nil: null }),
    adjustments: fc.array(adjustment, { maxLength: 8 }),
  })
  .map((l) => ({ ...l, paidCents: l.chargeCents - sum(l.adjustments.map((a) => a.amountCents)) }));

/** A claim that balances by construction (DOMAIN.md §4); reversals negate every amount. */
const claim: fc.Arbitrary<EraClaimInput> = fc
  .record({
    patientControlNumber: id,
    statusCode: fc.constantFrom(...STATUS_CODES),
    payerClaimControlNumber: fc.option(id, { nil: null }),
    serviceDate: fc.option(day, { nil: null }),
    extraChargeCents: money,
    claimAdjustments: fc.array(adjustment, { maxLength: 3 }),
    lines: fc.array(line, { maxLength: 4 }),
  })
  .map(({ extraChargeCents, ...c }) => {
    const sign = c.statusCode === '22' ? -1 : 1;
    const negate = (adjustments: readonly EraAdjustmentInput[]) => adjustments.map((a) => ({ ...a, amountCents: sign * a.amountCents || 0 }));
    const lines = c.lines.map((l) => ({
      ...l,
      chargeCents: sign * l.chargeCents || 0,
      paidCents: sign * l.paidCents || 0,
      allowedCents: l.allowedCents === null ? null : sign * (l.allowedCents ?? 0) || 0,
      adjustments: negate(l.adjustments ?? []),
    }));
    const claimAdjustments = negate(c.claimAdjustments);
    const all = [...claimAdjustments, ...lines.flatMap((l) => l.adjustments)];
    const chargeCents = lines.length > 0 ? sum(lines.map((l) => l.chargeCents)) : sign * extraChargeCents || 0;
    return {
      ...c,
      claimAdjustments,
      lines,
      chargeCents,
      paidCents: chargeCents - sum(all.map((a) => a.amountCents)),
      reportedPatientResponsibilityCents: sum(all.filter((a) => a.group === 'PR').map((a) => a.amountCents)),
    };
  });

const payment = fc.record({
  traceNumber: id,
  payerName: fc.constantFrom('ACME HEALTH', 'BLUE RIVER PLAN', 'UNITED BODYWORK MUTUAL'),
  paidAt: day,
  claims: fc.array(claim, { minLength: 1, maxLength: 5 }),
  providerAdjustments: fc.array(
    fc.record({ providerId: fc.constant('1234567893'), fiscalPeriodDate: day, reason: fc.constantFrom('WO', 'L6', 'FB', 'CS'), reference: id, amountCents: fc.integer({ min: -50_000, max: 50_000 }) }),
    { maxLength: 2 },
  ),
});

/** What the parser must give back for a claim, in the model's terms. */
const expectedClaim = (input: EraClaimInput) => ({
  patientControlNumber: input.patientControlNumber,
  statusCode: input.statusCode,
  payerClaimControlNumber: input.payerClaimControlNumber ?? null,
  chargeCents: input.chargeCents,
  paidCents: input.paidCents,
  reportedPatientResponsibilityCents: input.reportedPatientResponsibilityCents,
  serviceDate: input.serviceDate ?? null,
  claimAdjustments: input.claimAdjustments,
  lines: (input.lines ?? []).map((l) => ({
    procedureCode: l.procedureCode,
    modifiers: l.modifiers,
    units: l.units,
    serviceDate: l.serviceDate,
    chargeCents: l.chargeCents,
    paidCents: l.paidCents,
    allowedCents: l.allowedCents,
    adjustments: l.adjustments,
  })),
  balanced: true,
  problems: [],
});

type Perturbation = 'charge' | 'paid' | 'reported' | 'claimAdjustment' | 'lineCharge' | 'linePaid' | 'lineAdjustment';

/** Changes one amount of one claim by `delta`, leaving everything else as it was. */
const perturb = (input: EraClaimInput, what: Perturbation, delta: number): EraClaimInput => {
  const lines = (input.lines ?? []).map((l) => ({ ...l, adjustments: [...(l.adjustments ?? [])] }));
  const claimAdjustments = [...(input.claimAdjustments ?? [])];
  const first = lines[0];
  const target =
    what.startsWith('line') && !first
      ? 'charge'
      : what === 'lineAdjustment' && first!.adjustments.length === 0
        ? 'lineCharge'
        : what === 'claimAdjustment' && claimAdjustments.length === 0
          ? 'paid'
          : what;
  switch (target) {
    case 'charge':
      return { ...input, lines, claimAdjustments, chargeCents: input.chargeCents + delta };
    case 'paid':
      return { ...input, lines, claimAdjustments, paidCents: input.paidCents + delta };
    case 'reported':
      return { ...input, lines, claimAdjustments, reportedPatientResponsibilityCents: (input.reportedPatientResponsibilityCents ?? 0) + delta };
    case 'claimAdjustment':
      claimAdjustments[0] = { ...claimAdjustments[0]!, amountCents: claimAdjustments[0]!.amountCents + delta };
      return { ...input, lines, claimAdjustments };
    case 'lineCharge':
      lines[0] = { ...first!, chargeCents: first!.chargeCents + delta };
      return { ...input, lines, claimAdjustments };
    case 'linePaid':
      lines[0] = { ...first!, paidCents: first!.paidCents + delta };
      return { ...input, lines, claimAdjustments };
    case 'lineAdjustment':
      first!.adjustments[0] = { ...first!.adjustments[0]!, amountCents: first!.adjustments[0]!.amountCents + delta };
      return { ...input, lines, claimAdjustments };
  }
};

describe('era835 properties: serialize → parse', () => {
  it('balanced claims come back unchanged and balanced, whatever the delimiters', () => {
    fc.assert(
      fc.property(fc.array(payment, { minLength: 1, maxLength: 2 }), fc.constantFrom(...DELIMITER_SETS), (payments, delimiters) => {
        // Prepare
        const text = serializeEra({ payments }, delimiters);

        // Act
        const remittance = parseEra(text);

        // Assess
        expect(remittance.delimiters).toEqual(delimiters);
        expect(remittance.fileProblems).toEqual([]);
        expect(remittance.payments.map((p) => p.payment)).toMatchObject(
          payments.map((p) => ({
            traceNumber: p.traceNumber,
            payerName: p.payerName,
            paidAt: p.paidAt,
            paymentCents: sum(p.claims.map((c) => c.paidCents)) - sum(p.providerAdjustments.map((a) => a.amountCents)),
          })),
        );
        expect(remittance.providerAdjustments).toMatchObject(payments.flatMap((p) => p.providerAdjustments));
        expect(remittance.claims).toMatchObject(payments.flatMap((p) => p.claims.map(expectedClaim)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('changing any one amount of a claim makes that claim, and only that claim, fail balancing', () => {
    fc.assert(
      fc.property(
        payment,
        fc.nat(),
        fc.constantFrom<Perturbation>('charge', 'paid', 'reported', 'claimAdjustment', 'lineCharge', 'linePaid', 'lineAdjustment'),
        fc.integer({ min: -100_000, max: 100_000 }).filter((delta) => delta !== 0),
        (generated, pick, what, delta) => {
          // Prepare
          const index = pick % generated.claims.length;
          const claims = generated.claims.map((c, i) => (i === index ? perturb(c, what, delta) : c));
          // No paymentCents: the serializer totals the (perturbed) claims, so the file balances.
          const text = serializeEra({ payments: [{ ...generated, claims }] });

          // Act
          const remittance = parseEra(text);

          // Assess
          expect(remittance.fileProblems).toEqual([]);
          expect(remittance.claims.map((c) => c.balanced)).toEqual(claims.map((_c, i) => i !== index));
          expect(remittance.claims[index]!.problems.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('a payment total that is off by any amount is a file problem that quarantines all its claims', () => {
    fc.assert(
      fc.property(
        payment,
        fc.integer({ min: -100_000, max: 100_000 }).filter((delta) => delta !== 0),
        (generated, delta) => {
          // Prepare
          const balancedTotal = sum(generated.claims.map((c) => c.paidCents)) - sum(generated.providerAdjustments.map((a) => a.amountCents));
          const input: EraPaymentInput = { ...generated, paymentCents: balancedTotal + delta };

          // Act
          const remittance = parseEra(serializeEra({ payments: [input] }));

          // Assess
          expect(remittance.fileProblems).toHaveLength(1);
          expect(remittance.fileProblems[0]).toMatch(/^file: payment -?\d+ != claims paid -?\d+ - provider adjustments -?\d+$/);
          expect(remittance.claims.every((c) => !c.balanced && c.problems.at(-1) === remittance.fileProblems[0])).toBe(true);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
