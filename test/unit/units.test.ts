import { describe, expect, it } from 'vitest';
import { UnitsInputError, isTimedCode, unitsForMinutes, unitsForVisit } from '../../functions/domain/units';

const unitsByCode = (services: { code: string; minutes: number }[], method?: 'cms' | 'per-code') => unitsForVisit(services, method).lines.map((line) => `${line.code}x${line.units}`);

describe('units: the CMS 8-minute rule (DOMAIN.md §3)', () => {
  it('33 min 97110 + 7 min 97140 = 40 min: 3 units, 97110 × 2 and 97140 × 1 (the pinned sample)', () => {
    // Prepare
    const services = [
      { code: '97110', minutes: 33 },
      { code: '97140', minutes: 7 },
    ];

    // Act
    const visit = unitsForVisit(services);

    // Assess
    expect(JSON.stringify(visit)).toBe(
      '{"method":"cms","totalTimedMinutes":40,"totalUnits":3,"lines":[{"code":"97110","minutes":33,"units":2,"timed":true},{"code":"97140","minutes":7,"units":1,"timed":true}]}',
    );
  });

  it('24 min 97112 + 23 min 97110 = 47 min: 3 units, 97112 × 2 and 97110 × 1', () => {
    // Prepare
    const services = [
      { code: '97112', minutes: 24 },
      { code: '97110', minutes: 23 },
    ];

    // Act
    const visit = unitsForVisit(services);

    // Assess
    expect(visit.totalUnits).toBe(3);
    expect(unitsByCode(services)).toEqual(['97112x2', '97110x1']);
  });

  it('18 min 97110 + 13 min 97140 = 31 min: 2 units, one each (leftover 13 beats leftover 3)', () => {
    // Prepare
    const services = [
      { code: '97110', minutes: 18 },
      { code: '97140', minutes: 13 },
    ];

    // Act
    const visit = unitsForVisit(services);

    // Assess
    expect(visit.totalUnits).toBe(2);
    expect(unitsByCode(services)).toEqual(['97110x1', '97140x1']);
  });

  it.each([
    [0, 0],
    [7, 0],
    [8, 1],
    [22, 1],
    [23, 2],
    [37, 2],
    [38, 3],
    [52, 3],
    [53, 4],
    [67, 4],
    [68, 5],
    [82, 5],
    [83, 6],
    [97, 6],
    [98, 7],
    [112, 7],
    [113, 8],
    [127, 8],
  ])('%i timed minutes of 97124 give %i units', (minutes, units) => {
    // Act
    const visit = unitsForVisit([{ code: '97124', minutes }]);

    // Assess
    expect(visit.totalUnits).toBe(units);
    expect(unitsForMinutes(minutes)).toBe(units);
  });

  it('two codes under 8 minutes each still earn one unit together, for the code with more minutes', () => {
    // Prepare
    const services = [
      { code: '97140', minutes: 5 },
      { code: '97124', minutes: 7 },
    ];

    // Act
    const visit = unitsForVisit(services);

    // Assess
    expect(visit.totalTimedMinutes).toBe(12);
    expect(unitsByCode(services)).toEqual(['97140x0', '97124x1']);
  });

  it('equal leftover minutes: the code entered first gets the unit (documented tie rule)', () => {
    // Prepare
    const services = [
      { code: '97140', minutes: 10 },
      { code: '97124', minutes: 10 },
    ];

    // Act
    const inOrder = unitsByCode(services);
    const reversed = unitsByCode([...services].reverse());

    // Assess
    expect(inOrder).toEqual(['97140x1', '97124x0']);
    expect(reversed).toEqual(['97124x1', '97140x0']);
  });

  it('97010 is untimed: 1 unit whatever its minutes, left out of both totals, line order kept', () => {
    // Prepare
    const services = [
      { code: '97010', minutes: 15 },
      { code: '97110', minutes: 33 },
      { code: '97140', minutes: 7 },
    ];

    // Act
    const visit = unitsForVisit(services);

    // Assess
    expect(visit).toEqual({
      method: 'cms',
      totalTimedMinutes: 40,
      totalUnits: 3,
      lines: [
        { code: '97010', minutes: 15, units: 1, timed: false },
        { code: '97110', minutes: 33, units: 2, timed: true },
        { code: '97140', minutes: 7, units: 1, timed: true },
      ],
    });
  });

  it('a visit with only 97010 has no timed minutes and no timed units', () => {
    // Act
    const visit = unitsForVisit([{ code: '97010', minutes: 3 }]);

    // Assess
    expect(visit).toMatchObject({ totalTimedMinutes: 0, totalUnits: 0, lines: [{ units: 1, timed: false }] });
  });

  it('the CMS total always equals floor((total + 7) / 15) over many visits', () => {
    // Prepare
    const codes = ['97110', '97112', '97124', '97140'];
    const visits: { code: string; minutes: number }[][] = [];
    for (let a = 0; a <= 40; a += 3)
      for (let b = 0; b <= 40; b += 4)
        for (let c = 0; c <= 20; c += 5) {
          visits.push([
            { code: codes[0]!, minutes: a },
            { code: codes[1]!, minutes: b },
            { code: codes[2]!, minutes: c },
          ]);
        }

    // Act
    const results = visits.map((services) => [unitsForVisit(services), services] as const);

    // Assess
    for (const [visit, services] of results) {
      const total = services.reduce((sum, service) => sum + service.minutes, 0);
      expect(visit.totalUnits).toBe(total < 8 ? 0 : Math.floor((total + 7) / 15));
      for (const line of visit.lines) expect(line.units - Math.floor(line.minutes / 15)).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('units: the per-code method', () => {
  it('rounds each timed code on its own: 24 + 23 minutes give 2 + 2 units', () => {
    // Prepare
    const services = [
      { code: '97112', minutes: 24 },
      { code: '97110', minutes: 23 },
    ];

    // Act
    const visit = unitsForVisit(services, 'per-code');

    // Assess
    expect(visit.method).toBe('per-code');
    expect(visit.totalUnits).toBe(4);
    expect(unitsByCode(services, 'per-code')).toEqual(['97112x2', '97110x2']);
  });

  it('a code under 8 minutes gets nothing even when the day adds up (33 + 7 → 2 + 0)', () => {
    // Prepare
    const services = [
      { code: '97110', minutes: 33 },
      { code: '97140', minutes: 7 },
      { code: '97010', minutes: 10 },
    ];

    // Act
    const visit = unitsForVisit(services, 'per-code');

    // Assess
    expect(visit.totalTimedMinutes).toBe(40);
    expect(visit.totalUnits).toBe(2);
    expect(unitsByCode(services, 'per-code')).toEqual(['97110x2', '97140x0', '97010x1']);
  });
});

describe('units: a code entered on more than one line (the rule is per code)', () => {
  it('CMS: 97110 9 + 9 counts as 18 minutes of one code, so 97140 and 97112 (8 leftover each) beat it for the leftover unit', () => {
    // Prepare
    const services = [
      { code: '97110', minutes: 9 },
      { code: '97110', minutes: 9 },
      { code: '97140', minutes: 8 },
      { code: '97112', minutes: 8 },
    ];

    // Act
    const visit = unitsForVisit(services);

    // Assess: 34 min = 2 units; 97110 gets floor(18/15) = 1 full unit (3 left over), the other
    // unit goes to 97140 (8 left over, entered before 97112). Its unit sits on its first line.
    expect(visit.totalTimedMinutes).toBe(34);
    expect(visit.totalUnits).toBe(2);
    expect(unitsByCode(services)).toEqual(['97110x1', '97110x0', '97140x1', '97112x0']);
  });

  it('CMS: two 97110 lines of 10 minutes with 97140 for 20: 97110 × 2 (one per line) and 97140 × 1', () => {
    // Prepare
    const services = [
      { code: '97110', minutes: 10 },
      { code: '97140', minutes: 20 },
      { code: '97110', minutes: 10 },
    ];

    // Act
    const visit = unitsForVisit(services);

    // Assess: 40 min = 3 units; 97110 20 min → 1 full + 5 left over, 97140 → 1 full + 5 left over;
    // the tie goes to 97110 (entered first): 97110 × 2, 97140 × 1, spread one per 97110 line.
    expect(visit.totalUnits).toBe(3);
    expect(unitsByCode(services)).toEqual(['97110x1', '97140x1', '97110x1']);
  });

  it('per-code: 97110 10 + 10 minutes is 20 minutes of one code, 1 unit (not 2)', () => {
    // Prepare
    const services = [
      { code: '97110', minutes: 10 },
      { code: '97110', minutes: 10 },
    ];

    // Act
    const visit = unitsForVisit(services, 'per-code');

    // Assess
    expect(visit.totalTimedMinutes).toBe(20);
    expect(visit.totalUnits).toBe(1);
    expect(unitsByCode(services, 'per-code')).toEqual(['97110x1', '97110x0']);
  });

  it('per-code: 97140 5 + 5 minutes reach 8 together and earn a unit, for the first line', () => {
    // Prepare
    const services = [
      { code: '97140', minutes: 5 },
      { code: '97124', minutes: 30 },
      { code: '97140', minutes: 5 },
    ];

    // Act
    const visit = unitsForVisit(services, 'per-code');

    // Assess
    expect(visit.totalUnits).toBe(3);
    expect(unitsByCode(services, 'per-code')).toEqual(['97140x1', '97124x2', '97140x0']);
  });

  it("a code's units are spread over its lines by their own full units, then most leftover minutes", () => {
    // Prepare: 97110 has 5 + 10 + 30 = 45 minutes; the visit 45 + 7 = 52 minutes = 3 units.
    const services = [
      { code: '97110', minutes: 5 },
      { code: '97110', minutes: 10 },
      { code: '97140', minutes: 7 },
      { code: '97110', minutes: 30 },
    ];

    // Act
    const visit = unitsForVisit(services);

    // Assess: 97110 gets 3 full units (0 left over), 97140 nothing; within 97110 the 30-minute line
    // gets 2 and the leftover unit goes to the 10-minute line (10 > 5).
    expect(visit.totalUnits).toBe(3);
    expect(unitsByCode(services)).toEqual(['97110x0', '97110x1', '97140x0', '97110x2']);
  });

  it('every line stays in the output, in input order, and the per-code totals match one line per code', () => {
    // Prepare
    const codes = ['97110', '97140', '97124'];
    const splits: { code: string; minutes: number }[][] = [];
    for (let a = 0; a <= 30; a += 4)
      for (let b = 0; b <= 30; b += 7)
        for (let c = 0; c <= 24; c += 6) {
          splits.push([
            { code: codes[0]!, minutes: a },
            { code: codes[1]!, minutes: b },
            { code: codes[0]!, minutes: c },
            { code: codes[2]!, minutes: 9 },
          ]);
        }

    // Act and assess
    for (const method of ['cms', 'per-code'] as const) {
      for (const services of splits) {
        const split = unitsForVisit(services, method);
        const merged = unitsForVisit([{ code: '97110', minutes: services[0]!.minutes + services[2]!.minutes }, services[1]!, services[3]!], method);
        expect(split.lines.map((line) => [line.code, line.minutes])).toEqual(services.map((s) => [s.code, s.minutes]));
        expect(split.totalUnits).toBe(merged.totalUnits);
        expect(split.lines[0]!.units + split.lines[2]!.units).toBe(merged.lines[0]!.units);
        expect([split.lines[1]!.units, split.lines[3]!.units]).toEqual([merged.lines[1]!.units, merged.lines[2]!.units]);
      }
    }
  });
});

describe('units: bad input', () => {
  it('rejects a code outside the table rather than guessing whether it is timed', () => {
    // Act
    const attempt = () => unitsForVisit([{ code: '99213', minutes: 20 }]);

    // Assess
    expect(attempt).toThrow(UnitsInputError);
    expect(attempt).toThrow(/service 1: code "99213" is not a procedure code kneadpay knows/);
    expect(isTimedCode('99213')).toBeUndefined();
    expect(isTimedCode('97124')).toBe(true);
    expect(isTimedCode('97010')).toBe(false);
  });

  it.each([[-1], [1.5], [Number.NaN], [24 * 60 + 1]])('rejects %s minutes, naming the field', (minutes) => {
    // Act
    const attempt = () => unitsForVisit([{ code: '97124', minutes }]);

    // Assess
    expect(attempt).toThrow(expect.objectContaining({ name: 'UnitsInputError', field: 'minutes' }));
  });

  it('rejects an unknown method', () => {
    // Act
    const attempt = () => unitsForVisit([{ code: '97124', minutes: 30 }], 'nearest' as never);

    // Assess
    expect(attempt).toThrow(expect.objectContaining({ name: 'UnitsInputError', field: 'method' }));
  });
});
