/**
 * Money is integer cents. Decimal amounts from outside (X12 `R` elements such as `130`, `130.5`,
 * `-56.00`) are read digit by digit, never through a float, so `0.1 + 0.2` can never leak into a
 * patient's balance.
 */

/** An amount kneadpay can hold: a safe integer number of minor units. */
export const isCents = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** Thrown when a decimal amount is not a plain number of dollars and cents. */
export class AmountFormatError extends Error {
  /** The text that was rejected, as given. */
  readonly value: string;

  constructor(value: string, reason: string) {
    super(`"${value}" ${reason}`);
    this.name = 'AmountFormatError';
    this.value = value;
  }
}

// X12 decimal (`R`): optional leading minus, digits, optional point; no plus sign, no exponent,
// no thousands separators. `.5` and `5.` are legal X12 and mean what they say.
const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_MINUS = 45;
const CHAR_POINT = 46;
/** 15 significant digits keep every value a safe integer (and are far above any real remittance). */
const MAX_SIGNIFICANT_DIGITS = 15;

/**
 * Parses a decimal amount of money into integer cents.
 *
 * Accepts `130`, `130.5`, `130.50`, `-56.00`, `.5`; extra fraction digits are accepted only when
 * they are zeros (`1.500`), because a third significant decimal would have to be rounded and
 * rounding money silently is how ledgers drift. Digits are accumulated as integers one by one (this
 * runs for every amount of a 100,000-claim remittance, so it avoids regular expressions too).
 *
 * @throws AmountFormatError when `text` is empty, not a number, has sub-cent precision or is
 *   beyond the safe integer range.
 */
export const parseCents = (text: string): number => {
  const length = text.length;
  let index = 0;
  const negative = length > 0 && text.charCodeAt(0) === CHAR_MINUS;
  if (negative) index = 1;
  let cents = 0;
  let significant = 0;
  let digits = 0;
  let fractionDigits = -1; // -1: no point seen yet
  for (; index < length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === CHAR_POINT && fractionDigits === -1) {
      fractionDigits = 0;
      continue;
    }
    if (code < CHAR_0 || code > CHAR_9) throw new AmountFormatError(text, 'is not a number');
    digits += 1;
    const digit = code - CHAR_0;
    if (fractionDigits >= 0) {
      fractionDigits += 1;
      if (fractionDigits > 2) {
        if (digit !== 0) throw new AmountFormatError(text, 'has more than 2 decimal places');
        continue;
      }
    }
    if (significant > 0 || digit !== 0) significant += 1;
    cents = cents * 10 + digit;
  }
  if (digits === 0) throw new AmountFormatError(text, 'is not a number');
  if (significant + 2 - Math.min(Math.max(fractionDigits, 0), 2) > MAX_SIGNIFICANT_DIGITS) throw new AmountFormatError(text, 'is too large');
  // Scale to cents: `130` → 13000, `130.5` → 13050.
  const scale = fractionDigits <= 0 ? 100 : fractionDigits === 1 ? 10 : 1;
  cents *= scale;
  return negative && cents !== 0 ? -cents : cents;
};

/**
 * Formats integer cents as an X12 decimal: no trailing zeros, no point for whole amounts
 * (`13000` → `130`, `5650` → `56.5`, `-5600` → `-56`, `1` → `0.01`).
 *
 * @throws RangeError when `cents` is not a safe integer.
 */
export const formatX12Amount = (cents: number): string => {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`${cents} is not a whole number of cents`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const fraction = String(abs % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return fraction === '' ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
};
