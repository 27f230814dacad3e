import { describe, expect, it } from 'vitest';
import { addBusinessDays, businessDaysAfter, disputeThresholdCents, estimateTiming, localDate, priceLines } from '../../functions/domain/estimate';

// 2026-12-07 is a Monday.
describe('Good Faith Estimate timing (45 CFR §149.610(b)(1)(ii)), business days Monday–Friday', () => {
  it('counts business days after a date, skipping weekends', () => {
    expect(addBusinessDays('2026-12-07', 1)).toBe('2026-12-08');
    expect(addBusinessDays('2026-12-11', 1)).toBe('2026-12-14'); // Friday → Monday
    expect(addBusinessDays('2026-12-12', 1)).toBe('2026-12-14'); // Saturday → Monday
    expect(addBusinessDays('2026-12-10', 3)).toBe('2026-12-15'); // Thursday → Tuesday
    expect(businessDaysAfter('2026-12-07', '2026-12-10')).toBe(3);
    expect(businessDaysAfter('2026-12-11', '2026-12-14')).toBe(1);
    expect(businessDaysAfter('2026-12-07', '2026-12-07')).toBe(0);
    expect(businessDaysAfter('2026-12-07', '2026-12-01')).toBe(0);
  });

  it.each([
    // scheduledOn, serviceDate, rule, provideBy
    ['2026-12-07', '2026-12-09', 'not-required', null], // 2 business days ahead
    ['2026-12-07', '2026-12-10', 'scheduled-3-days-ahead', '2026-12-08'], // exactly 3 → within 1 business day
    ['2026-12-11', '2026-12-16', 'scheduled-3-days-ahead', '2026-12-14'], // Friday for Wednesday: due Monday
    ['2026-12-07', '2026-12-18', 'scheduled-3-days-ahead', '2026-12-08'], // 9 business days ahead
    ['2026-12-07', '2026-12-21', 'scheduled-10-days-ahead', '2026-12-10'], // exactly 10 → within 3 business days
    ['2026-12-10', null, 'requested', '2026-12-15'], // asked for without a date: within 3 business days
  ] as const)('scheduled %s for %s → %s, due by %s', (scheduledOn, serviceDate, rule, provideBy) => {
    expect(estimateTiming(scheduledOn, serviceDate)).toEqual({ required: rule !== 'not-required', rule, provideBy });
  });

  // §149.610(b)(1): "If a good faith estimate is requested by an uninsured (or self-pay)
  // individual, no later than 3 business days after the date of the request" — whatever the service
  // date. Found by the domain audit of 2026-12-07: a request under 3 business days ahead read "not required".
  it.each([
    // scheduledOn (the request), serviceDate, rule, provideBy
    ['2026-12-07', '2026-12-09', 'requested', '2026-12-10'], // asked for, 2 business days ahead: still due within 3
    ['2026-12-07', '2026-12-07', 'requested', '2026-12-10'], // asked for the same day
    ['2026-12-11', '2026-12-14', 'requested', '2026-12-16'], // Friday for Monday: due Wednesday
    ['2026-12-07', '2026-12-10', 'scheduled-3-days-ahead', '2026-12-08'], // asked when scheduling 3 ahead: the earlier deadline (1 day)
    ['2026-12-07', '2026-12-21', 'scheduled-10-days-ahead', '2026-12-10'], // 10 ahead: both rules say 3 business days
  ] as const)('asked for by the client on %s for %s → %s, due by %s', (scheduledOn, serviceDate, rule, provideBy) => {
    expect(estimateTiming(scheduledOn, serviceDate, true)).toEqual({ required: true, rule, provideBy });
  });

  it('an estimate without a service date is always a request, whatever the flag says', () => {
    expect(estimateTiming('2026-12-10', null, false)).toEqual({ required: true, rule: 'requested', provideBy: '2026-12-15' });
  });

  it('prices lines in integer cents and sets the dispute threshold $400 above the total', () => {
    const priced = priceLines([
      { serviceCode: '97124', description: 'Massage', quantity: 20, unitChargeCents: 9000 },
      { serviceCode: '97140', description: 'Manual therapy', quantity: 2, unitChargeCents: 7000 },
    ]);
    expect(priced.totalCents).toBe(194_000);
    expect(priced.lines.map((line) => line.totalCents)).toEqual([180_000, 14_000]);
    expect(disputeThresholdCents(priced.totalCents)).toBe(234_000);
    expect(() => priceLines([{ serviceCode: '97124', description: 'x', quantity: 2 ** 30, unitChargeCents: 2 ** 30 }])).toThrow(RangeError);
  });

  it("takes today's date in the practice's time zone", () => {
    const lateEvening = new Date('2026-12-08T04:30:00Z'); // 2026-12-07 20:30 in Los Angeles
    expect(localDate(lateEvening, 'America/Los_Angeles')).toBe('2026-12-07');
    expect(localDate(lateEvening, 'Europe/Berlin')).toBe('2026-12-08');
    expect(localDate(lateEvening, 'Not/AZone')).toBe('2026-12-08');
  });
});
