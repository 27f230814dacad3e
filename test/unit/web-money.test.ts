import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney, parseMoney } from '../../web/src/money';

/** The web app's money: what a person types → integer minor units, and back with Intl (never floats in between). */
describe('web app money', () => {
  it('reads what a front desk types', () => {
    expect(parseMoney('425')).toBe(42500);
    expect(parseMoney('425.5')).toBe(42550);
    expect(parseMoney('$1,200.00')).toBe(120000);
    expect(parseMoney(' 0.07 ')).toBe(7);
    expect(parseMoney('19.999')).toBeUndefined();
    expect(parseMoney('lots')).toBeUndefined();
    expect(parseMoney('-5')).toBeUndefined();
    expect(parseMoney('1e3')).toBeUndefined();
    expect(parseMoney('500', 'jpy')).toBe(500);
    expect(parseMoney('500.5', 'jpy')).toBeUndefined();
  });

  it('formats with Intl in the currency', () => {
    expect(formatMoney(42500, 'usd')).toBe('$425.00');
    expect(formatMoney(-3400, 'usd')).toBe('-$34.00');
    expect(formatMoney(500, 'jpy')).toBe('¥500');
    expect(formatMoney(123456, 'eur')).toBe('€1,234.56');
  });

  it('round-trips every amount a package or claim may hold (0 to $100,000.00)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (cents) => {
        expect(parseMoney(formatMoney(cents, 'usd'))).toBe(cents);
      }),
    );
  });
});
