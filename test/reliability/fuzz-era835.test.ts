/**
 * Reliability 5b — the 835 parser under garbage (docs/reliability.md §5).
 * 10,000 runs in-process by default (`KNEADPAY_ERA_FUZZ_RUNS` changes it): mutated real files,
 * segment soup, hostile numbers, random text and bytes. The parser must either read the file or
 * refuse it with an EraParseError (which the remittances route answers 400, naming the segment);
 * any other exception would be a 500. What it reads must keep money in integer cents.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEraParseError, parseEra, type EraRemittance } from '../../functions/domain/era835';
import { ERA_FIXTURES, eraText, recordFigures } from '../support/reliability';

const RUNS = Math.max(1, Number.parseInt(process.env.KNEADPAY_ERA_FUZZ_RUNS ?? '', 10) || 10_000);

/** Every amount the parser hands out, with where it came from. */
const amountsOf = (era: EraRemittance): [string, unknown][] => [
  ...era.payments.flatMap((p, i) => [[`payments[${i}].paymentCents`, p.payment.paymentCents] as [string, unknown], [`payments[${i}].claimsPaidCents`, p.claimsPaidCents] as [string, unknown]]),
  ...era.providerAdjustments.map((a, i): [string, unknown] => [`providerAdjustments[${i}]`, a.amountCents]),
  ...era.claims.flatMap((c, i) => [
    [`claims[${i}].chargeCents`, c.chargeCents] as [string, unknown],
    [`claims[${i}].paidCents`, c.paidCents] as [string, unknown],
    [`claims[${i}].patientResponsibilityCents`, c.patientResponsibilityCents] as [string, unknown],
    [`claims[${i}].reportedPatientResponsibilityCents`, c.reportedPatientResponsibilityCents] as [string, unknown],
    ...c.claimAdjustments.map((a, k): [string, unknown] => [`claims[${i}].claimAdjustments[${k}]`, a.amountCents]),
    ...c.lines.flatMap((l, k) => [
      [`claims[${i}].lines[${k}].chargeCents`, l.chargeCents] as [string, unknown],
      [`claims[${i}].lines[${k}].paidCents`, l.paidCents] as [string, unknown],
      [`claims[${i}].lines[${k}].patientResponsibilityCents`, l.patientResponsibilityCents] as [string, unknown],
      ...(l.allowedCents === null ? [] : [[`claims[${i}].lines[${k}].allowedCents`, l.allowedCents] as [string, unknown]]),
      ...l.adjustments.map((a, j): [string, unknown] => [`claims[${i}].lines[${k}].adjustments[${j}]`, a.amountCents]),
    ]),
  ]),
];

/** Paths of numbers that are NaN, infinite or past 2^53 anywhere in what the parser returns. */
const unsafeNumbers = (value: unknown, path: string): string[] =>
  typeof value === 'number'
    ? Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER
      ? []
      : [path]
    : value && typeof value === 'object'
      ? Object.entries(value).flatMap(([key, inner]) => unsafeNumbers(inner, `${path}.${key}`))
      : [];

describe(`reliability: the 835 parser reads or refuses ${RUNS} garbage files, never crashes`, () => {
  it('parseEra either returns integer cents or throws EraParseError (a 400 naming the segment)', () => {
    const outcome = { read: 0, refused: 0, unbalancedClaims: 0, slowestMs: 0 };
    const started = Date.now();
    fc.assert(
      fc.property(eraText, (text) => {
        const t0 = performance.now();
        let era: EraRemittance;
        try {
          era = parseEra(text);
        } catch (error) {
          outcome.slowestMs = Math.max(outcome.slowestMs, performance.now() - t0);
          // Anything but an EraParseError escapes as 500 from POST /remittances.
          if (!isEraParseError(error)) throw error;
          expect(error.segmentNumber).toBeGreaterThanOrEqual(0);
          expect(error.message).toMatch(/^segment \d+ \(/);
          outcome.refused += 1;
          return;
        }
        outcome.slowestMs = Math.max(outcome.slowestMs, performance.now() - t0);
        outcome.read += 1;
        const fractional = amountsOf(era).filter(([, value]) => !Number.isSafeInteger(value));
        expect(fractional).toEqual([]);
        // Every other number must be storable too: DynamoDB's document client refuses unsafe ones (bug 13).
        expect(unsafeNumbers(era, 'era')).toEqual([]);
        for (const claim of era.claims) {
          expect(claim.balanced).toBe(claim.problems.length === 0);
          if (!claim.balanced) outcome.unbalancedClaims += 1;
        }
      }),
      { numRuns: RUNS },
    );
    recordFigures('fuzz-era835', { runs: RUNS, ...outcome, slowestMs: Math.round(outcome.slowestMs), totalMs: Date.now() - started, crashes: 0 });
    expect(outcome.read + outcome.refused).toBe(RUNS);
  });

  // Regression (bug 13, fixed): SVC05 was read as any number; 10^20 units parsed, balanced, and
  // failed at marshalling, so POST /remittances answered 500 for that file on every retry.
  it('an 835 whose paid units are past 2^53 is refused with EraParseError naming SVC05', () => {
    const text = ERA_FIXTURES[0]!.replace('SVC*HC:97124*60*26**2~', 'SVC*HC:97124*60*26**99999999999999999999~');
    let error: unknown;
    try {
      parseEra(text);
    } catch (caught) {
      error = caught;
    }
    expect(isEraParseError(error) && error.field).toBe('SVC05');
  });
});
