import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountFormatError, formatX12Amount, parseCents } from '../../functions/domain/money';

describe('money: X12 decimal amounts to integer cents, without floats', () => {
  it.each([
    ['130', 13000],
    ['130.5', 13050],
    ['130.50', 13050],
    ['-56.00', -5600],
    ['0.01', 1],
    ['.5', 50],
    ['5.', 500],
    ['1.500', 150],
    ['-0', 0],
    ['0.29', 29],
    ['1.13', 113],
    ['999999999999.99', 99999999999999],
  ])('%s is %i cents', (text, cents) => {
    // Act
    const parsed = parseCents(text);

    // Assess
    expect(parsed).toBe(cents);
    expect(Object.is(parsed, -0)).toBe(false);
  });

  it.each([
    ['', 'is not a number'],
    ['-', 'is not a number'],
    ['.', 'is not a number'],
    ['12x', 'is not a number'],
    ['+5', 'is not a number'],
    ['1e3', 'is not a number'],
    ['1,000', 'is not a number'],
    [' 5', 'is not a number'],
    ['1.005', 'has more than 2 decimal places'],
    ['12345678901234567', 'is too large'],
  ])('rejects "%s": %s', (text, reason) => {
    // Act
    const attempt = () => parseCents(text);

    // Assess
    expect(attempt).toThrow(AmountFormatError);
    expect(attempt).toThrow(`"${text}" ${reason}`);
  });

  it('formats cents the way X12 writes them and reads them back unchanged', () => {
    // Prepare
    const samples = [13000, 5650, -5600, 1, -1, 0, 10, 99999999999999];

    // Act
    const written = samples.map(formatX12Amount);

    // Assess
    expect(written).toEqual(['130', '56.5', '-56', '0.01', '-0.01', '0', '0.1', '999999999999.99']);
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (cents) => parseCents(formatX12Amount(cents)) === cents),
      { numRuns: 500 },
    );
  });
});
