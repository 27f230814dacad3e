/** Money on screen: integer minor units in, `Intl.NumberFormat` out (the API never sends decimals). */
const formats = new Map<string, Intl.NumberFormat>();
const formatFor = (currency: string) => {
  const code = currency.toUpperCase();
  let format = formats.get(code);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    formats.set(code, format);
  }
  return format;
};

/** Digits after the decimal point for a currency (2 for USD, 0 for JPY). */
export const minorDigits = (currency: string): number => formatFor(currency).resolvedOptions().maximumFractionDigits ?? 2;

export const formatMoney = (cents: number, currency = 'usd'): string => formatFor(currency).format(cents / 10 ** minorDigits(currency));

/**
 * What a person typed ("425", "425.5", "$1,200.00") in minor units, or undefined when it is not an
 * amount. Done on the digits, never through floating point.
 */
export const parseMoney = (text: string, currency = 'usd'): number | undefined => {
  const digits = minorDigits(currency);
  const cleaned = text
    .trim()
    .replace(/^[$€£]/, '')
    .replaceAll(',', '');
  const match = (digits > 0 ? new RegExp(`^(\\d{1,9})(?:\\.(\\d{0,${digits}}))?$`) : /^(\d{1,9})$/).exec(cleaned);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(digits, '0');
  return Number(match[1]) * 10 ** digits + (fraction ? Number(fraction) : 0);
};

export const formatDate = (iso: unknown): string => {
  if (typeof iso !== 'string' || iso === '') return '—';
  const date = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(date);
};
