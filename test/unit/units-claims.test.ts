import { describe, expect, it } from 'vitest';
import { parseClaim } from '../../functions/core/claims';
import type { UnitMethod } from '../../functions/domain/units';

const NOW = new Date('2026-10-03T12:00:00Z');

type Line = { procedureCode: string; minutes?: number; units?: number; chargeCents: number; modifiers?: string[] };

/** parseClaim with a valid claim around the given lines (the units part is what these tests probe). */
const parse = (lines: Line[], method: UnitMethod = 'cms') => parseClaim('p1', { claimId: 'CLM-1', clientId: 'c1', dateOfService: '2026-10-02', diagnosisCodes: ['M54.2'], lines }, method, 'usd', NOW);

/** The ValidationError parseClaim throws, or undefined. */
const refusal = (lines: Line[], method: UnitMethod = 'cms') => {
  try {
    parse(lines, method);
    return undefined;
  } catch (error) {
    return error as { name: string; status: number; message: string; details: { field: string } };
  }
};

describe('claims: units from minutes (DOMAIN.md §3)', () => {
  it('7 + 7 minutes on two codes: 1 unit on 97110, 97140 kept with units 0 and no charge', () => {
    // Act
    const claim = parse([
      { procedureCode: '97110', minutes: 7, chargeCents: 3500 },
      { procedureCode: '97140', minutes: 7, chargeCents: 0 },
    ]);

    // Assess
    expect(claim.lines).toEqual([
      { procedureCode: '97110', modifiers: [], minutes: 7, units: 1, chargeCents: 3500 },
      { procedureCode: '97140', modifiers: [], minutes: 7, units: 0, chargeCents: 0 },
    ]);
    expect(claim.chargeCents).toBe(3500);
  });

  it('5 + 5 + 5 minutes: 1 unit on the first code, the other two kept with units 0', () => {
    // Act
    const claim = parse([
      { procedureCode: '97110', minutes: 5, chargeCents: 3500 },
      { procedureCode: '97140', minutes: 5, chargeCents: 0 },
      { procedureCode: '97112', minutes: 5, chargeCents: 0 },
    ]);

    // Assess
    expect(claim.lines.map((line) => line.units)).toEqual([1, 0, 0]);
  });

  it('a charge on a line that earns no unit is refused, naming its chargeCents and saying why', () => {
    // Act
    const error = refusal([
      { procedureCode: '97110', minutes: 7, chargeCents: 3500 },
      { procedureCode: '97140', minutes: 7, chargeCents: 3500 },
    ]);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationError', status: 400, details: { field: 'lines[1].chargeCents' } });
    expect(error!.message).toBe(
      "lines[1]: 7 minutes of 97140 earn no unit under the cms method (the visit's 14 timed minutes earn 1 unit in all, none on this line); the line is kept for its minutes but not billed, so its chargeCents must be 0",
    );
  });

  it('a visit whose timed minutes earn nothing at all is still refused (nothing to bill)', () => {
    // Act
    const alone = refusal([{ procedureCode: '97124', minutes: 7, chargeCents: 100 }]);
    const perCode = refusal(
      [
        { procedureCode: '97110', minutes: 7, chargeCents: 0 },
        { procedureCode: '97140', minutes: 7, chargeCents: 0 },
      ],
      'per-code',
    );

    // Assess
    expect(alone).toMatchObject({ status: 400, details: { field: 'lines[0].minutes' } });
    expect(alone!.message).toMatch(/7 timed minutes earn no unit under the cms method .*nothing to bill/);
    expect(perCode).toMatchObject({ status: 400, details: { field: 'lines[0].minutes' } });
    expect(perCode!.message).toMatch(/no timed code reaches 8 minutes under the per-code method \(14 timed minutes in all\); there is nothing to bill/);
  });

  it('per-code: the 7-minute code is kept with units 0 next to a code that earns units', () => {
    // Act
    const claim = parse(
      [
        { procedureCode: '97110', minutes: 33, chargeCents: 7000 },
        { procedureCode: '97140', minutes: 7, chargeCents: 0 },
      ],
      'per-code',
    );

    // Assess
    expect(claim.lines.map((line) => line.units)).toEqual([2, 0]);
  });

  it('an untimed 97010 with a sub-8-minute timed line: 97010 × 1 is billable, the timed line kept at 0', () => {
    // Act
    const claim = parse([
      { procedureCode: '97010', minutes: 10, chargeCents: 1500 },
      { procedureCode: '97140', minutes: 6, chargeCents: 0 },
    ]);

    // Assess
    expect(claim.lines.map((line) => line.units)).toEqual([1, 0]);
  });

  it('a code on two lines is counted once: 97110 10 + 10 (per-code) is 1 unit, on the first line', () => {
    // Act
    const claim = parse(
      [
        { procedureCode: '97110', modifiers: ['GP'], minutes: 10, chargeCents: 3500 },
        { procedureCode: '97110', modifiers: ['59'], minutes: 10, chargeCents: 0 },
      ],
      'per-code',
    );

    // Assess
    expect(claim.lines.map((line) => line.units)).toEqual([1, 0]);
  });
});

describe('claims: minutes and units together on a timed line', () => {
  it('is refused with a 400 naming the units field, so no timed minutes stay out of the day total', () => {
    // Act
    const error = refusal([
      { procedureCode: '97110', minutes: 10, units: 1, chargeCents: 3500 },
      { procedureCode: '97140', minutes: 10, chargeCents: 3500 },
    ]);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationError', status: 400, details: { field: 'lines[0].units' } });
    expect(error!.message).toMatch(/^lines\[0\]: give minutes or units for 97110, not both/);
  });

  it('the same visit by minutes alone bills 1 unit for its 20 timed minutes', () => {
    // Act
    const claim = parse([
      { procedureCode: '97110', minutes: 10, chargeCents: 3500 },
      { procedureCode: '97140', minutes: 10, chargeCents: 0 },
    ]);

    // Assess
    expect(claim.lines.map((line) => line.units)).toEqual([1, 0]);
  });

  it('explicit units alone, an untimed code with both, and an unknown code with both are still accepted', () => {
    // Act
    const claim = parse([
      { procedureCode: '97124', minutes: 30, chargeCents: 6000 },
      { procedureCode: '97140', units: 2, chargeCents: 7000 },
      { procedureCode: '97010', minutes: 15, units: 1, chargeCents: 1000 },
      { procedureCode: '99213', minutes: 20, units: 1, chargeCents: 9000 },
    ]);

    // Assess
    expect(claim.lines.map((line) => line.units)).toEqual([2, 2, 1, 1]);
    expect(claim.chargeCents).toBe(23000);
  });
});

describe('claims: untimed codes are one unit (DOMAIN.md §3)', () => {
  it("97010 with explicit units other than 1 is refused, naming the line's units", () => {
    // Act
    const error = refusal([
      { procedureCode: '97124', minutes: 30, chargeCents: 6000 },
      { procedureCode: '97010', units: 3, chargeCents: 3000 },
    ]);

    // Assess: "Code 97010 is billed as 1 unit whatever its minutes" (CMS: untimed codes are one unit per visit).
    expect(error).toMatchObject({ name: 'ValidationError', status: 400, details: { field: 'lines[1].units' } });
    expect(error!.message).toMatch(/97010 is untimed/);
  });

  it('97010 with minutes and units 2 is refused too; units 1 (or none) is accepted', () => {
    // Act
    const withMinutes = refusal([{ procedureCode: '97010', minutes: 15, units: 2, chargeCents: 2000 }]);
    const one = parse([{ procedureCode: '97010', units: 1, chargeCents: 1000 }]);

    // Assess
    expect(withMinutes).toMatchObject({ status: 400, details: { field: 'lines[0].units' } });
    expect(one.lines.map((line) => line.units)).toEqual([1]);
  });
});
